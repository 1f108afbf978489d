import type { Config } from '../config';
import { useTelemetryProviders } from './ingest-telemetry';
import type * as AzureMonitorTelemetry from './azure-monitor-telemetry';
import type * as OtlpTelemetry from './otlp-telemetry';

export const telemetryModes = ['azure-monitor', 'otlp', 'console', 'off'] as const;
export type TelemetryMode = (typeof telemetryModes)[number];

/** Application Insights when its connection string is set (Azure), else OTLP when an endpoint is set, else
 * the local console summary when asked for, else nothing. */
export const telemetryModeOf = (config: Config): TelemetryMode => {
  if (config.appInsightsConnectionString) return 'azure-monitor';
  if (config.otlpEndpoint) return 'otlp';
  return config.telemetryExporter;
};

let running: { mode: TelemetryMode; shutdown: () => Promise<void> } | undefined;

/**
 * The exporters of a mode, loaded only when that mode is on: the Azure Monitor distro alone is half of a
 * worker's start-up CPU (about 0.5 s), which a host without Application Insights (local, tests) never needs.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const azureMonitor = (): typeof AzureMonitorTelemetry =>
  require('./azure-monitor-telemetry') as typeof AzureMonitorTelemetry;
const otlp = (): typeof OtlpTelemetry => require('./otlp-telemetry') as typeof OtlpTelemetry;
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Starts OpenTelemetry once per process. `azure-monitor`: the Azure Monitor distro exports traces, metrics
 * and logs to Application Insights (lib/telemetry/azure-monitor-telemetry.ts). `otlp`: traces and metrics
 * (every 10 s) to an OTLP/HTTP collector such as a local Jaeger or the OpenTelemetry Collector. `console`: a
 * one-line metrics summary every 10 s on stdout. `off` (tests, default): nothing.
 */
export const startTelemetry = (
  config: Config,
  print: (line: string) => void = console.log,
): TelemetryMode => {
  if (running) return running.mode;
  const mode = telemetryModeOf(config);
  if (mode === 'off') {
    running = { mode, shutdown: async () => {} };
    return mode;
  }
  const shutdown =
    mode === 'azure-monitor'
      ? azureMonitor().startAzureMonitor(config)
      : mode === 'otlp'
        ? otlp().startOtlp(config.otlpEndpoint!)
        : otlp().startConsoleSummary(print);
  running = { mode, shutdown };
  useTelemetryProviders(undefined);
  return mode;
};

/** Flushes and stops telemetry (on the host's shutdown), so the last interval is not lost. */
export const shutdownTelemetry = async (): Promise<void> => {
  const stopping = running;
  running = undefined;
  await stopping?.shutdown();
};
