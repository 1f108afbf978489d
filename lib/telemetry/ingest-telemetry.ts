import {
  SpanKind,
  SpanStatusCode,
  context as otelContext,
  metrics,
  trace,
  type Counter,
  type Gauge,
  type Histogram,
  type Link,
  type MeterProvider,
  type TracerProvider,
} from '@opentelemetry/api';
import { describeError } from '../errors';
import type { IngestOutcome, QueueDelivery } from '../ingest/ingest-queue-message';
import { ingestSpanName, metricNames } from './metric-names';
import { bodyFactsOf, spanContextOf } from './trace-context';

const scope = { name: 'statmgr', version: '0.1.0' } as const;

interface Instruments {
  readonly stored: Counter;
  readonly duplicates: Counter;
  readonly discarded: Counter;
  readonly notifications: Counter;
  readonly deadLettered: Counter;
  readonly requeued: Counter;
  readonly poisonArchived: Counter;
  readonly batchSize: Histogram;
  readonly lag: Histogram;
  readonly requestChargePerMessage: Histogram;
  readonly queueDepth: Gauge;
  readonly oldestMessageAge: Gauge;
  readonly tracerProvider: TracerProvider;
}

const createInstruments = (meterProvider: MeterProvider, tracerProvider: TracerProvider): Instruments => {
  const meter = meterProvider.getMeter(scope.name, scope.version);
  return {
    stored: meter.createCounter(metricNames.stored, {
      description: 'Status messages stored',
      unit: '{message}',
    }),
    duplicates: meter.createCounter(metricNames.duplicates, {
      description: 'Status messages already stored by an earlier delivery',
      unit: '{message}',
    }),
    discarded: meter.createCounter(metricNames.discarded, {
      description: 'Status messages discarded by a status filter rule (not written, not lost)',
      unit: '{message}',
    }),
    notifications: meter.createCounter(metricNames.notifications, {
      description: 'Webhook notifications of status filter rules, by result',
      unit: '{notification}',
    }),
    deadLettered: meter.createCounter(metricNames.deadLettered, {
      description: 'Items written to deadletters, by source',
      unit: '{message}',
    }),
    requeued: meter.createCounter(metricNames.requeued, {
      description: 'Queue messages requeued while a dependency was down',
      unit: '{message}',
    }),
    poisonArchived: meter.createCounter(metricNames.poisonArchived, {
      description: 'Poison-queue messages archived to deadletters',
      unit: '{message}',
    }),
    batchSize: meter.createHistogram(metricNames.batchSize, {
      description: 'Status messages per queue message',
      unit: '{message}',
      advice: { explicitBucketBoundaries: [1, 2, 5, 10, 25, 50, 75, 100] },
    }),
    lag: meter.createHistogram(metricNames.lag, {
      description: 'Queue insertion to commit in Cosmos',
      unit: 'ms',
      advice: {
        explicitBucketBoundaries: [100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 900000],
      },
    }),
    requestChargePerMessage: meter.createHistogram(metricNames.requestChargePerMessage, {
      description: 'Cosmos request units per status message',
      unit: '{RU}',
      advice: { explicitBucketBoundaries: [1, 2, 5, 7.5, 10, 15, 20, 50] },
    }),
    queueDepth: meter.createGauge(metricNames.queueDepth, {
      description: 'Approximate messages in the queue',
      unit: '{message}',
    }),
    oldestMessageAge: meter.createGauge(metricNames.oldestMessageAge, {
      description: 'Age of the message at the front of the queue',
      unit: 's',
    }),
    tracerProvider,
  };
};

let providers: { meterProvider: MeterProvider; tracerProvider: TracerProvider } | undefined;
let instruments: Instruments | undefined;

/**
 * Points statmgr's instruments at these providers (tests: in-memory readers and exporters), or back at the
 * global ones (undefined). The OpenTelemetry metrics API has no proxy: instruments made before a global
 * meter provider is registered stay no-ops, so they are (re)made on first use after this call.
 */
export const useTelemetryProviders = (
  given: { meterProvider: MeterProvider; tracerProvider: TracerProvider } | undefined,
): void => {
  providers = given;
  instruments = undefined;
};

const current = (): Instruments =>
  (instruments ??= createInstruments(
    providers?.meterProvider ?? metrics.getMeterProvider(),
    providers?.tracerProvider ?? trace.getTracerProvider(),
  ));

/** Counts one ingested queue message: stored, duplicates, dead letters by source, batch size, lag, RU. */
export const recordIngest = (
  outcome: IngestOutcome,
  delivery: QueueDelivery,
  site: string,
  now: Date = new Date(),
): void => {
  const m = current();
  if (outcome.stored > 0) m.stored.add(outcome.stored, { site });
  if (outcome.duplicates > 0) m.duplicates.add(outcome.duplicates, { site });
  const discarded = outcome.discarded ?? 0;
  if (discarded > 0) m.discarded.add(discarded, { site });
  if (outcome.notifications) m.notifications.add(outcome.notifications, { result: 'queued' });
  const sources = outcome.deadLetterSources ?? Array<string>(outcome.deadLettered).fill('unknown');
  const bySource = new Map<string, number>();
  for (const source of sources) bySource.set(source, (bySource.get(source) ?? 0) + 1);
  for (const [source, count] of bySource) m.deadLettered.add(count, { source });
  const committed = outcome.stored + outcome.duplicates;
  m.batchSize.record(committed + discarded + outcome.deadLettered);
  if (committed > 0) {
    const lagMs = now.getTime() - Date.parse(delivery.insertionTime);
    if (Number.isFinite(lagMs)) m.lag.record(Math.max(0, lagMs));
    if (outcome.requestCharge > 0) m.requestChargePerMessage.record(outcome.requestCharge / committed);
  }
};

/** For the notification sender: one attempt's result (`delivered` or `retry-later`). */
export const recordNotification = (result: 'delivered' | 'retry-later'): void =>
  current().notifications.add(1, { result });

/** For the requeue-on-outage path: `count` queue messages put back because a dependency was down. */
export const recordRequeued = (count = 1, attributes: Readonly<Record<string, string>> = {}): void =>
  current().requeued.add(count, attributes);

/** For the poison archiver: `count` poison-queue messages moved to `deadletters`. */
export const recordPoisonArchived = (count = 1, source = 'poison-queue'): void => {
  const m = current();
  m.poisonArchived.add(count);
  m.deadLettered.add(count, { source });
};

/** A queue sample: approximate depth and the age of its front message in seconds (0 when empty). */
export const recordQueueSample = (queue: string, depth: number, oldestAgeSeconds: number): void => {
  const m = current();
  m.queueDepth.record(depth, { queue });
  m.oldestMessageAge.record(oldestAgeSeconds, { queue });
};

export interface IngestSpanInput {
  readonly payload: unknown;
  readonly delivery: QueueDelivery;
  readonly invocationId: string;
  /** The Functions host's trace context of this invocation (`context.traceContext.traceParent`): the parent. */
  readonly hostTraceparent: string | undefined;
}

/**
 * Runs one queue message's ingest in a span `process status-messages`: a child of the host's invocation,
 * linked to the agent's trace (the envelope's `traceparent`), with the delivery's ids and the outcome as
 * attributes; records the metrics when it succeeds. Never reads or records the payload beyond the two facts.
 */
export const traceIngest = async (
  input: IngestSpanInput,
  run: () => Promise<IngestOutcome>,
): Promise<IngestOutcome> => {
  const facts = bodyFactsOf(input.payload);
  const agentContext = spanContextOf(facts.traceparent);
  const links: Link[] = agentContext
    ? [{ context: agentContext, attributes: { 'statmgr.link': 'agent' } }]
    : [];
  const hostContext = spanContextOf(input.hostTraceparent);
  const parent = hostContext ? trace.setSpanContext(otelContext.active(), hostContext) : otelContext.active();
  const tracer = current().tracerProvider.getTracer(scope.name, scope.version);
  const span = tracer.startSpan(
    ingestSpanName,
    {
      // Internal, not consumer: the Functions host already reports the invocation as a request; this span is
      // its inner work (an InProc dependency in Application Insights), so failures are not counted twice.
      kind: SpanKind.INTERNAL,
      links,
      attributes: {
        'messaging.system': 'azure_storage_queue',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'status-messages',
        'messaging.message.id': input.delivery.queueMessageId,
        'statmgr.dequeue_count': input.delivery.dequeueCount,
        'statmgr.invocation_id': input.invocationId,
        'statmgr.site': facts.site,
      },
    },
    parent,
  );
  try {
    const outcome = await otelContext.with(trace.setSpan(parent, span), run);
    span.setAttributes({
      'statmgr.batch_id': outcome.batchId,
      'statmgr.stored': outcome.stored,
      'statmgr.duplicates': outcome.duplicates,
      'statmgr.dead_lettered': outcome.deadLettered,
      'statmgr.discarded': outcome.discarded ?? 0,
      'statmgr.request_charge': outcome.requestCharge,
    });
    recordIngest(outcome, input.delivery, facts.site);
    return outcome;
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error) });
    if (error instanceof Error) span.recordException(error);
    throw error;
  } finally {
    span.end();
  }
};
