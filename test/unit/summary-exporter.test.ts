import { trace } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { IngestOutcome } from '../../lib/ingest/ingest-queue-message';
import { recordIngest, recordQueueSample, useTelemetryProviders } from '../../lib/telemetry/ingest-telemetry';
import { SummaryMetricExporter } from '../../lib/telemetry/summary-exporter';

const outcome = (overrides: Partial<IngestOutcome>): IngestOutcome => ({
  batchId: 'b',
  stored: 0,
  duplicates: 0,
  deadLettered: 0,
  requestCharge: 0,
  ...overrides,
});

describe('SummaryMetricExporter', () => {
  const lines: string[] = [];
  const reader = new PeriodicExportingMetricReader({
    exporter: new SummaryMetricExporter((line) => lines.push(line)),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  beforeAll(() => useTelemetryProviders({ meterProvider, tracerProvider: trace.getTracerProvider() }));
  afterAll(async () => {
    useTelemetryProviders(undefined);
    await meterProvider.shutdown();
  });

  it('prints one readable line with running totals and what changed, and nothing for an idle interval', async () => {
    const delivery = { queueMessageId: 'q', dequeueCount: 1, insertionTime: '2026-11-25T12:00:00.000Z' };
    const now = new Date('2026-11-25T12:00:00.400Z');
    recordIngest(outcome({ stored: 100, requestCharge: 500 }), delivery, 'P01', now);
    recordIngest(
      outcome({ stored: 1, deadLettered: 1, deadLetterSources: ['ingest-validation'], requestCharge: 5 }),
      delivery,
      'P01',
      now,
    );
    recordQueueSample('status-messages', 3, 12);
    await reader.forceFlush();
    expect(lines).toEqual([
      'telemetry stored=101(+101) duplicates=0 deadLettered=1(+1) requeued=0 poisonArchived=0 ' +
        'deadLetterSources=ingest-validation:1 batchSize=51/max 100 lag=400ms/max 400ms ruPerMessage=5/max 5 ' +
        'queues status-messages=3 status-messages.oldest=12s',
    ]);

    recordQueueSample('status-messages', 0, 0);
    await reader.forceFlush();
    expect(lines).toHaveLength(1);

    recordQueueSample('status-messages', 7, 30);
    await reader.forceFlush();
    expect(lines[1]).toMatch(/queues status-messages=7 status-messages.oldest=30s$/);

    recordIngest(outcome({ duplicates: 4 }), delivery, 'P01', now);
    await reader.forceFlush();
    expect(lines[2]).toMatch(/^telemetry stored=101 duplicates=4\(\+4\) deadLettered=1 /);
  });

  it('shows the messages status filter rules discarded, once there are any', async () => {
    const delivery = { queueMessageId: 'q', dequeueCount: 1, insertionTime: '2026-11-25T12:00:00.000Z' };
    const before = lines.length;
    expect(lines.join('\n')).not.toContain('discarded=');
    recordIngest(outcome({ stored: 2, discarded: 3 }), delivery, 'P01', new Date('2026-11-25T12:00:01Z'));
    await reader.forceFlush();
    expect(lines[before]).toMatch(/ poisonArchived=0 discarded=3\(\+3\) batchSize=5\/max 5 /);
  });
});
