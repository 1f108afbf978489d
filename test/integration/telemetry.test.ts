import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { SpanStatusCode } from '@opentelemetry/api';
import { disposeRuntime } from '../../lib/runtime';
import { sampleQueue, sampleStatusQueues } from '../../lib/telemetry/sample-queues';
import { ingestSpanName, metricNames } from '../../lib/telemetry/metric-names';
import { useEmulators } from '../helpers/emulators';
import { aStatusMessage, anEnvelope } from '../helpers/factories';
import { ingestSpans, useInMemoryTelemetry } from '../helpers/telemetry';

const agentTraceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const hostTraceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('ingest telemetry (the ingest-status function on Azurite + Cosmos emulator, in-memory exporters)', () => {
  const stack = useEmulators();
  const telemetry = useInMemoryTelemetry();
  let ingestStatus: typeof import('../../functions/ingest-status').ingestStatusFunction;
  const saved = { ...process.env };

  beforeAll(() => {
    // The function reads its settings (and creates its clients) on first use: point them at the emulators.
    Object.assign(process.env, stack().env, { STATMGR_TELEMETRY: 'off' });
    type FunctionFile = typeof import('../../functions/ingest-status');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const file = require('../../functions/ingest-status') as FunctionFile;
    ingestStatus = file.ingestStatusFunction;
  });
  afterAll(() => {
    disposeRuntime();
    process.env = saved;
  });

  const deliver = async (
    payload: unknown,
    dequeueCount = 1,
    insertedMsAgo = 1500,
  ): Promise<InvocationContext> => {
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: 'ingest-status',
      triggerMetadata: {
        id: randomUUID(),
        dequeueCount,
        insertionTime: new Date(Date.now() - insertedMsAgo).toISOString(),
      },
      traceContext: { traceParent: hostTraceparent },
      logHandler: () => undefined,
    });
    await ingestStatus(payload, context);
    return context;
  };

  it('counts a processed batch and emits one span linked to the agent trace', async () => {
    await telemetry.collect();
    telemetry.spans();
    const envelope = { ...anEnvelope(5, { site: 'P07' }), traceparent: agentTraceparent };
    const context = await deliver(envelope, 2);

    const metrics = await telemetry.collect();
    expect(metrics.sum(metricNames.stored, { site: 'P07' })).toBe(5);
    expect(metrics.sum(metricNames.duplicates)).toBe(0);
    expect(metrics.sum(metricNames.deadLettered)).toBe(0);
    expect(metrics.histogram(metricNames.batchSize)).toMatchObject({ count: 1, sum: 5 });
    const lag = metrics.histogram(metricNames.lag);
    expect(lag.count).toBe(1);
    expect(lag.min).toBeGreaterThanOrEqual(1500);
    const ru = metrics.histogram(metricNames.requestChargePerMessage);
    expect(ru.count).toBe(1);
    // The emulator charges 1 RU per operation of the transactional batch: 5 RU over 5 messages.
    expect(ru.sum).toBe(1);

    const [span, ...others] = ingestSpans(telemetry.spans());
    expect(others).toHaveLength(0);
    expect(span!.name).toBe(ingestSpanName);
    expect(span!.spanContext().traceId).toBe(hostTraceparent.split('-')[1]);
    expect(span!.parentSpanContext?.spanId).toBe(hostTraceparent.split('-')[2]);
    expect(span!.links.map((link) => link.context.traceId)).toEqual([agentTraceparent.split('-')[1]]);
    expect(span!.links[0]!.context.spanId).toBe(agentTraceparent.split('-')[2]);
    expect(span!.attributes).toMatchObject({
      'messaging.message.id': context.triggerMetadata!.id,
      'statmgr.invocation_id': context.invocationId,
      'statmgr.dequeue_count': 2,
      'statmgr.batch_id': envelope.batchId,
      'statmgr.stored': 5,
      'statmgr.site': 'P07',
    });
    expect(span!.status.code).not.toBe(SpanStatusCode.ERROR);
    // Never the payload: no attribute carries message content.
    expect(JSON.stringify(span!.attributes)).not.toContain('SMS_STATUS_MANAGER');
  });

  it('counts a redelivered batch as duplicates, not as stored', async () => {
    const envelope = anEnvelope(3);
    await deliver(envelope);
    await telemetry.collect();
    telemetry.spans();

    await deliver(envelope, 2);
    const metrics = await telemetry.collect();
    expect(metrics.sum(metricNames.stored)).toBe(0);
    expect(metrics.sum(metricNames.duplicates)).toBe(3);
    expect(metrics.histogram(metricNames.batchSize)).toMatchObject({ count: 1, sum: 3 });
    const [span] = ingestSpans(telemetry.spans());
    expect(span!.attributes).toMatchObject({ 'statmgr.stored': 0, 'statmgr.duplicates': 3 });
    // No agent trace context in this envelope: no link.
    expect(span!.links).toHaveLength(0);
  });

  it('counts dead letters by source: a bad item of an envelope and an unusable body', async () => {
    await telemetry.collect();
    telemetry.spans();
    const envelope = anEnvelope(2);
    envelope.messages.push({ ...aStatusMessage({ severity: 'catastrophic' }) });
    await deliver(envelope);
    await deliver('this is not json');

    const metrics = await telemetry.collect();
    expect(metrics.sum(metricNames.stored)).toBe(2);
    expect(metrics.sum(metricNames.deadLettered, { source: 'ingest-validation' })).toBe(2);
    expect(metrics.sum(metricNames.deadLettered)).toBe(2);
    expect(metrics.histogram(metricNames.batchSize)).toMatchObject({ count: 2, sum: 4 });
    const spans = ingestSpans(telemetry.spans());
    expect(spans.map((span) => span.attributes['statmgr.dead_lettered']).sort()).toEqual([1, 1]);
    expect(spans.find((span) => span.attributes['statmgr.stored'] === 0)!.attributes['statmgr.site']).toBe(
      'unknown',
    );
  });

  it('does not count the dead letter of a redelivered envelope again', async () => {
    const envelope = anEnvelope(1);
    envelope.messages.push({ ...aStatusMessage({ severity: 'catastrophic' }) });
    await deliver(envelope);
    await telemetry.collect();
    telemetry.spans();

    await deliver(envelope, 2);
    const metrics = await telemetry.collect();
    expect(metrics.sum(metricNames.deadLettered)).toBe(0);
    expect(metrics.sum(metricNames.duplicates)).toBe(1);
    const [span] = ingestSpans(telemetry.spans());
    expect(span!.attributes).toMatchObject({ 'statmgr.dead_lettered': 0, 'statmgr.duplicates': 1 });
  });

  it('counts a message the ingest function hands back, and a message the archiver moves to deadletters', async () => {
    await telemetry.collect();
    // Cosmos refuses writes (503): the ingest function hands the envelope back as a delayed copy.
    stack().cosmosFront.setFault({
      kind: 'http',
      status: 503,
      match: (request) =>
        request.method === 'POST' &&
        request.path.includes('/colls/status-messages/') &&
        !String(request.headers['content-type']).includes('query'),
    });
    try {
      await deliver(anEnvelope(2, { site: 'P09' }));
    } finally {
      stack().cosmosFront.setFault(undefined);
    }
    type PoisonFile = typeof import('../../functions/archive-poison');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const archive = (require('../../functions/archive-poison') as PoisonFile).archivePoisonFunction;
    await archive(
      JSON.stringify(anEnvelope(1)),
      new InvocationContext({
        invocationId: randomUUID(),
        functionName: 'archive-poison',
        triggerMetadata: { id: randomUUID(), dequeueCount: 1, insertionTime: new Date().toISOString() },
        logHandler: () => undefined,
      }),
    );
    const metrics = await telemetry.collect();
    expect(metrics.sum(metricNames.requeued)).toBe(1);
    expect(metrics.sum(metricNames.stored, { site: 'P09' })).toBe(0);
    expect(metrics.sum(metricNames.poisonArchived)).toBe(1);
    expect(metrics.sum(metricNames.deadLettered, { source: 'poison-queue' })).toBe(1);
  });

  it('samples queue depth and the age of the oldest waiting message into the queue gauges', async () => {
    const { queues } = stack();
    const probe = queues.service.getQueueClient(`probe-${randomUUID().slice(0, 8)}`);
    await probe.create();
    expect(await sampleQueue(probe, new Date())).toEqual({
      queue: probe.name,
      depth: 0,
      oldestAgeSeconds: 0,
    });
    await probe.sendMessage('first', { messageTimeToLive: -1 });
    await probe.sendMessage('second', { messageTimeToLive: -1 });
    const later = new Date(Date.now() + 90_000);
    const sample = await sampleQueue(probe, later);
    expect(sample.depth).toBe(2);
    expect(sample.oldestAgeSeconds).toBeGreaterThanOrEqual(89);
    await probe.delete();

    await telemetry.collect();
    const samples = await sampleStatusQueues(queues, new Date());
    const metrics = await telemetry.collect();
    expect(samples.map((s) => s.queue)).toEqual(['status-messages', 'status-messages-poison']);
    for (const s of samples) {
      expect(metrics.gauge(metricNames.queueDepth, { queue: s.queue })).toBe(s.depth);
      expect(metrics.gauge(metricNames.oldestMessageAge, { queue: s.queue })).toBe(s.oldestAgeSeconds);
    }
  });
});
