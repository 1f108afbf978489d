import { DefaultAzureCredential } from '@azure/identity';
import { useAzureMonitor, shutdownAzureMonitor } from '@azure/monitor-opentelemetry';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Config } from '../config';
import { useTelemetryProviders } from './ingest-telemetry';
import { SummaryMetricExporter } from './summary-exporter';

export const telemetryModes = ['azure-monitor', 'console', 'off'] as const;
export type TelemetryMode = (typeof telemetryModes)[number];

/** Application Insights when its connection string is set (Azure), else the local exporter, else nothing. */
export const telemetryModeOf = (config: Config): TelemetryMode =>
  config.appInsightsConnectionString ? 'azure-monitor' : config.telemetryExporter;

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
 * ingestion). `console`: a one-line metrics summary every 10 s on stdout. `off` (tests, default): nothing.
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
