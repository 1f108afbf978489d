import { DefaultAzureCredential } from '@azure/identity';
import { useAzureMonitor, shutdownAzureMonitor } from '@azure/monitor-opentelemetry';
import { metrics, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config';
import { useTelemetryProviders } from './ingest-telemetry';
import { SummaryMetricExporter } from './summary-exporter';

export const telemetryModes = ['azure-monitor', 'otlp', 'console', 'off'] as const;
export type TelemetryMode = (typeof telemetryModes)[number];

/** Application Insights when its connection string is set (Azure), else OTLP when an endpoint is set, else
 * the local console summary when asked for, else nothing. */
export const telemetryModeOf = (config: Config): TelemetryMode => {
  if (config.appInsightsConnectionString) return 'azure-monitor';
  if (config.otlpEndpoint) return 'otlp';
  return config.telemetryExporter;
};

/** The managed identity client id of `ClientId=<id>;Authorization=AAD`, or undefined without Entra auth. */
export const entraClientIdOf = (authenticationString: string | undefined): string | null | undefined => {
  if (!authenticationString || !/(^|;)\s*Authorization=AAD\s*(;|$)/i.test(authenticationString))
    return undefined;
  return /(?:^|;)\s*ClientId=([^;]+)/i.exec(authenticationString)?.[1]?.trim() ?? null;
};

let running: { mode: TelemetryMode; shutdown: () => Promise<void> } | undefined;

/** How often the local summary line is printed. */
export const consoleIntervalMs = 10_000;

/**
 * Starts OpenTelemetry once per process. `azure-monitor`: the Azure Monitor distro exports traces, metrics
 * and logs to Application Insights, with an Entra token of the app's identity when
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING says `Authorization=AAD` (the template disables key-based
 * ingestion). `otlp`: traces and metrics (every 10 s) to an OTLP/HTTP collector such as a local Jaeger or
 * the OpenTelemetry Collector. `console`: a one-line metrics summary every 10 s on stdout. `off` (tests,
 * default): nothing.
 */
export const startTelemetry = (
  config: Config,
  print: (line: string) => void = console.log,
): TelemetryMode => {
  if (running) return running.mode;
  const mode = telemetryModeOf(config);
  if (mode === 'azure-monitor') {
    const clientId = entraClientIdOf(config.appInsightsAuthenticationString);
    useAzureMonitor({
      azureMonitorExporterOptions: {
        connectionString: config.appInsightsConnectionString,
        ...(clientId === undefined
          ? {}
          : { credential: new DefaultAzureCredential({ managedIdentityClientId: clientId ?? undefined }) }),
      },
    });
    running = { mode, shutdown: () => shutdownAzureMonitor() };
    useTelemetryProviders(undefined);
  } else if (mode === 'otlp') {
    const base = config.otlpEndpoint!.replace(/\/$/, '');
    const meterProvider = new MeterProvider({
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
          exportIntervalMillis: consoleIntervalMs,
        }),
      ],
    });
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }))],
    });
    metrics.setGlobalMeterProvider(meterProvider);
    trace.setGlobalTracerProvider(tracerProvider);
    running = {
      mode,
      shutdown: async () => {
        await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
      },
    };
    useTelemetryProviders(undefined);
  } else if (mode === 'console') {
    const provider = new MeterProvider({
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new SummaryMetricExporter(print),
          exportIntervalMillis: consoleIntervalMs,
        }),
      ],
    });
    metrics.setGlobalMeterProvider(provider);
    running = { mode, shutdown: () => provider.shutdown() };
    useTelemetryProviders(undefined);
  } else {
    running = { mode, shutdown: async () => {} };
  }
  return mode;
};

/** Flushes and stops telemetry (on the host's shutdown), so the last interval is not lost. */
export const shutdownTelemetry = async (): Promise<void> => {
  const stopping = running;
  running = undefined;
  await stopping?.shutdown();
};
