import { metrics, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SummaryMetricExporter } from './summary-exporter';

/** How often metrics are exported (OTLP) or the local summary line is printed (console). */
export const consoleIntervalMs = 10_000;

/**
 * Traces and metrics (every 10 s) to an OTLP/HTTP collector such as a local Jaeger or the OpenTelemetry
 * Collector. Returns the shutdown.
 */
export const startOtlp = (endpoint: string): (() => Promise<void>) => {
  const base = endpoint.replace(/\/$/, '');
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
  return async () => {
    await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
  };
};

/** A one-line metrics summary every 10 s through `print` (npm start). Returns the shutdown. */
export const startConsoleSummary = (print: (line: string) => void): (() => Promise<void>) => {
  const provider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new SummaryMetricExporter(print),
        exportIntervalMillis: consoleIntervalMs,
      }),
    ],
  });
  metrics.setGlobalMeterProvider(provider);
  return () => provider.shutdown();
};
