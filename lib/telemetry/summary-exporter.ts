import {
  AggregationTemporality,
  DataPointType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { metricNames } from './metric-names';

type ExportCallback = Parameters<PushMetricExporter['export']>[1];
/** ExportResultCode.SUCCESS of @opentelemetry/core. */
const success = 0;

const counterLabels: readonly (readonly [string, string])[] = [
  [metricNames.stored, 'stored'],
  [metricNames.duplicates, 'duplicates'],
  [metricNames.deadLettered, 'deadLettered'],
  [metricNames.requeued, 'requeued'],
  [metricNames.poisonArchived, 'poisonArchived'],
];

/** Counters shown only once they are non-zero (status filter rules: most stacks have none). */
const optionalCounterLabels: readonly (readonly [string, string])[] = [
  [metricNames.discarded, 'discarded'],
  [metricNames.notifications, 'notifications'],
];

const round = (value: number): string => (Math.round(value * 10) / 10).toString();

/**
 * A metric exporter a developer can read: one line per export interval in which something happened,
 * with running totals of the counters, what changed since the last line, and this interval's batch size,
 * lag, RU per message and queue samples. `npm start` turns it on (STATMGR_TELEMETRY=console).
 */
export class SummaryMetricExporter implements PushMetricExporter {
  private readonly totals = new Map<string, number>();

  constructor(private readonly print: (line: string) => void) {}

  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.DELTA;
  }

  export(resourceMetrics: ResourceMetrics, resultCallback: ExportCallback): void {
    const line = this.summarize(resourceMetrics);
    if (line) this.print(line);
    resultCallback({ code: success });
  }

  /** The summary line of one interval, or undefined when nothing was recorded in it. */
  summarize(resourceMetrics: ResourceMetrics): string | undefined {
    const delta = new Map<string, number>();
    const deadLetterSources = new Map<string, number>();
    const histograms = new Map<string, { sum: number; count: number; max: number }>();
    const queues: string[] = [];
    let queueBusy = false;
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const name = metric.descriptor.name;
        if (metric.dataPointType === DataPointType.SUM) {
          for (const point of metric.dataPoints) {
            delta.set(name, (delta.get(name) ?? 0) + point.value);
            const source = point.attributes.source;
            if (name === metricNames.deadLettered && typeof source === 'string') {
              deadLetterSources.set(source, (deadLetterSources.get(source) ?? 0) + point.value);
            }
          }
        } else if (metric.dataPointType === DataPointType.HISTOGRAM) {
          for (const point of metric.dataPoints) {
            const seen = histograms.get(name) ?? { sum: 0, count: 0, max: 0 };
            histograms.set(name, {
              sum: seen.sum + (point.value.sum ?? 0),
              count: seen.count + point.value.count,
              max: Math.max(seen.max, point.value.max ?? 0),
            });
          }
        } else if (metric.dataPointType === DataPointType.GAUGE && name === metricNames.queueDepth) {
          for (const point of metric.dataPoints) {
            queues.push(`${String(point.attributes.queue)}=${point.value}`);
            queueBusy ||= point.value > 0;
          }
        } else if (metric.dataPointType === DataPointType.GAUGE && name === metricNames.oldestMessageAge) {
          for (const point of metric.dataPoints)
            queues.push(`${String(point.attributes.queue)}.oldest=${round(point.value)}s`);
        }
      }
    }
    const changed = [...delta.values()].some((value) => value !== 0) || histograms.size > 0;
    // Idle (nothing processed, queues empty): no line, so a quiet stack stays quiet.
    if (!changed && !queueBusy) return undefined;
    const counter = ([name, label]: readonly [string, string]): string => {
      const total = (this.totals.get(name) ?? 0) + (delta.get(name) ?? 0);
      this.totals.set(name, total);
      const step = delta.get(name) ?? 0;
      return step > 0 ? `${label}=${total}(+${step})` : `${label}=${total}`;
    };
    const parts = counterLabels.map(counter);
    for (const entry of optionalCounterLabels) {
      const shown = counter(entry);
      if ((this.totals.get(entry[0]) ?? 0) > 0) parts.push(shown);
    }
    if (deadLetterSources.size > 0) {
      parts.push(
        `deadLetterSources=${[...deadLetterSources].map(([source, n]) => `${source}:${n}`).join(',')}`,
      );
    }
    const average = (name: string, label: string, unit = ''): void => {
      const h = histograms.get(name);
      if (h && h.count > 0)
        parts.push(`${label}=${round(h.sum / h.count)}${unit}/max ${round(h.max)}${unit}`);
    };
    average(metricNames.batchSize, 'batchSize');
    average(metricNames.lag, 'lag', 'ms');
    average(metricNames.requestChargePerMessage, 'ruPerMessage');
    if (queues.length > 0) parts.push(`queues ${queues.join(' ')}`);
    return `telemetry ${parts.join(' ')}`;
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
