import { SpanKind } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { useTelemetryProviders } from '../../lib/telemetry/ingest-telemetry';
import { ingestSpanName } from '../../lib/telemetry/metric-names';

export interface CollectedMetrics {
  /** Sum of a counter's points (delta since the last collect), optionally only points with these attributes. */
  sum(name: string, attributes?: Readonly<Record<string, string>>): number;
  /** The histogram's points merged: count, sum, min and max. */
  histogram(name: string): { count: number; sum: number; min: number; max: number };
  /** The last value of a gauge with these attributes, or undefined. */
  gauge(name: string, attributes: Readonly<Record<string, string>>): number | undefined;
}

export interface TelemetryRecorder {
  /** Metrics recorded since the last call (delta temporality). */
  collect(): Promise<CollectedMetrics>;
  /** Spans ended since the last call. */
  spans(): readonly ReadableSpan[];
}

/**
 * Points statmgr's instruments at in-memory OpenTelemetry exporters for one test file (beforeAll) and back at
 * the globals afterwards.
 */
export const useInMemoryTelemetry = (): TelemetryRecorder => {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  beforeAll(() => useTelemetryProviders({ meterProvider, tracerProvider }));
  afterAll(async () => {
    useTelemetryProviders(undefined);
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  });
  return {
    collect: async () => {
      await reader.forceFlush();
      const exported = metricExporter.getMetrics();
      metricExporter.reset();
      const all = exported.flatMap((rm) => rm.scopeMetrics.flatMap((scope) => scope.metrics));
      const matches = (point: { attributes: Record<string, unknown> }, attributes = {}): boolean =>
        Object.entries(attributes).every(([key, value]) => point.attributes[key] === value);
      return {
        sum: (name, attributes) =>
          all
            .filter((m) => m.descriptor.name === name && m.dataPointType === DataPointType.SUM)
            .flatMap((m) => m.dataPoints as { value: number; attributes: Record<string, unknown> }[])
            .filter((point) => matches(point, attributes))
            .reduce((total, point) => total + point.value, 0),
        gauge: (name, attributes) =>
          all
            .filter((m) => m.descriptor.name === name && m.dataPointType === DataPointType.GAUGE)
            .flatMap((m) => m.dataPoints as { value: number; attributes: Record<string, unknown> }[])
            .filter((point) => matches(point, attributes))
            .at(-1)?.value,
        histogram: (name) => {
          const points = all
            .filter((m) => m.descriptor.name === name && m.dataPointType === DataPointType.HISTOGRAM)
            .flatMap((m) => m.dataPoints as { value: unknown }[])
            .map((point) => point.value as { count: number; sum?: number; min?: number; max?: number });
          return {
            count: points.reduce((n, p) => n + p.count, 0),
            sum: points.reduce((n, p) => n + (p.sum ?? 0), 0),
            min: Math.min(...points.map((p) => p.min ?? Infinity)),
            max: Math.max(...points.map((p) => p.max ?? -Infinity)),
          };
        },
      };
    },
    spans: () => {
      const ended = spanExporter.getFinishedSpans();
      spanExporter.reset();
      return ended;
    },
  };
};

/** The ingest spans among the ended spans. */
export const ingestSpans = (spans: readonly ReadableSpan[]): readonly ReadableSpan[] =>
  spans.filter((span) => span.kind === SpanKind.INTERNAL && span.name === ingestSpanName);
