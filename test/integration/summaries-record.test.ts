import { randomUUID } from 'node:crypto';
import { storeDocuments } from '../../lib/cosmos/store-documents';
import {
  ingestQueueMessage,
  type IngestDeps,
  type QueueDelivery,
} from '../../lib/ingest/ingest-queue-message';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { createRulesCache } from '../../lib/rules/rules-cache';
import type { StatusFilterRule } from '../../lib/rules/rule-types';
import { toDocument } from '../../lib/message/to-document';
import type { StoredStatusMessage } from '../../lib/message/types';
import { readSiteComponents, readSiteMachines, readSites } from '../../lib/summaries/read-summaries';
import { resetComponent } from '../../lib/summaries/reset-component';
import { noOverrides } from '../../lib/summaries/thresholds';
import { useEmulators } from '../helpers/emulators';
import { anEnvelope, aStatusMessage } from '../helpers/factories';
import { summaryMismatches } from '../helpers/summary-check';

/**
 * The summaries on the Cosmos emulator through the real ingest: each stored message counted once whatever
 * happens between the write and the queue message's deletion. Each test uses its own site.
 */
describe('summaries on ingest (Cosmos emulator)', () => {
  const stack = useEmulators();
  const now = new Date('2026-11-25T18:00:00.000Z');
  const settings = { periodStartHour: 0, silentMinutes: 60, thresholds: noOverrides };
  const deps = (summaries = true): IngestDeps => ({
    containers: stack().containers,
    now: () => now,
    config: { summaries: { enabled: summaries } },
  });
  const delivery = (dequeueCount = 1): QueueDelivery => ({
    queueMessageId: randomUUID(),
    dequeueCount,
    insertionTime: now.toISOString(),
  });
  const countsOf = async (site: string): Promise<Record<string, unknown>> => {
    const summary = await readSiteComponents(stack().containers, settings, site, now);
    return Object.fromEntries(summary.items.map((item) => [item.component, item.counts]));
  };
  const message = (severity: string, component = 'SMS_A', time = '2026-11-25T13:37:00.000Z') => {
    const { site: _s, machine: _m, ...rest } = aStatusMessage({ severity, component, time });
    return rest;
  };
  const envelopeOf = (
    site: string,
    messages: Record<string, unknown>[],
    extra: Record<string, unknown> = {},
  ) => ({
    ...anEnvelope(0, { site }),
    messages,
    ...extra,
  });

  it('counts an envelope once, however often it is delivered', async () => {
    const site = 'S-REDELIVER';
    const body = envelopeOf(site, [
      message('info'),
      message('warning'),
      message('error'),
      message('error', 'SMS_B'),
    ]);
    await ingestQueueMessage(body, delivery(), deps());
    await ingestQueueMessage(body, delivery(2), deps());
    await ingestQueueMessage(JSON.stringify(body), delivery(3), deps());
    expect(await countsOf(site)).toEqual({
      SMS_A: { info: 1, warning: 1, error: 1 },
      SMS_B: { info: 0, warning: 0, error: 1 },
    });
  });

  it('counts messages stored by a delivery that crashed before counting, when the redelivery finds them stored', async () => {
    const site = 'S-CRASH';
    const body = envelopeOf(site, [message('info'), message('error'), message('error')]);
    // The first delivery stores and "crashes" before the summaries (they are switched off for it).
    await ingestQueueMessage(body, delivery(), deps(false));
    expect(await countsOf(site)).toEqual({});
    await ingestQueueMessage(body, delivery(2), deps());
    expect(await countsOf(site)).toEqual({ SMS_A: { info: 1, warning: 0, error: 2 } });
  });

  it('counts a partly stored envelope once (a crash in the middle of the write)', async () => {
    const site = 'S-PARTIAL';
    const body = envelopeOf(site, [message('info'), message('warning'), message('error')]);
    const parsed = parseQueueMessage(body);
    const info = { batchId: body.batchId, seq: undefined, queueMessageId: 'q', enqueuedAt: '', storedAt: '' };
    const docs = parsed.items.flatMap((item) =>
      item.ok ? [toDocument(item.message, item.position, info)] : [],
    );
    await storeDocuments(stack().containers.messages, [docs[1]!], (d: StoredStatusMessage) => [
      d.site,
      d.machine,
    ]);
    await ingestQueueMessage(body, delivery(2), deps());
    expect(await countsOf(site)).toEqual({ SMS_A: { info: 1, warning: 1, error: 1 } });
  });

  it("counts a sender's id once when two envelopes carry it", async () => {
    const site = 'S-SENDER-ID';
    const id = randomUUID();
    await ingestQueueMessage(envelopeOf(site, [{ ...message('error'), id }]), delivery(), deps());
    await ingestQueueMessage(
      envelopeOf(site, [{ ...message('error'), id }, message('info')]),
      delivery(),
      deps(),
    );
    expect(await countsOf(site)).toEqual({ SMS_A: { info: 1, warning: 0, error: 1 } });
  });

  it("counts a sender's id once when one envelope carries it twice", async () => {
    const site = 'S-SENDER-ID-TWICE';
    const id = randomUUID();
    const body = envelopeOf(site, [
      { ...message('error'), id },
      message('info'),
      { ...message('error'), id },
    ]);
    await ingestQueueMessage(body, delivery(), deps());
    await ingestQueueMessage(body, delivery(2), deps());
    expect(await countsOf(site)).toEqual({ SMS_A: { info: 1, warning: 0, error: 1 } });
  });

  it('does not count stored documents a rule excluded (summarize: false)', async () => {
    const site = 'S-RULES';
    const body = envelopeOf(site, [message('error'), message('error')]);
    const parsed = parseQueueMessage(body);
    const info = { batchId: body.batchId, seq: undefined, queueMessageId: 'q', enqueuedAt: '', storedAt: '' };
    const docs = parsed.items.flatMap((item) =>
      item.ok ? [toDocument(item.message, item.position, info)] : [],
    );
    // As the rules (issue 15) store it: the first message excluded from summaries.
    await storeDocuments(stack().containers.messages, [{ ...docs[0]!, summarize: false }, docs[1]!], (d) => [
      d.site,
      d.machine,
    ]);
    await ingestQueueMessage(body, delivery(2), deps());
    expect(await countsOf(site)).toEqual({ SMS_A: { info: 0, warning: 0, error: 1 } });
  });

  it('honours the status filter rules: discarded messages and summarize: false are not counted, even when the rules change between deliveries', async () => {
    const site = 'S-REAL-RULES';
    const rulesOf = (rules: StatusFilterRule[]) => createRulesCache(() => Promise.resolve(rules), 0);
    const first = rulesOf([
      { name: 'quiet', match: { component: 'SMS_QUIET' }, actions: { summarize: false } },
      { name: 'noisy', match: { component: 'SMS_NOISY', severity: 'info' }, actions: { store: false } },
    ]);
    const body = envelopeOf(site, [
      message('error', 'SMS_QUIET'),
      message('info', 'SMS_NOISY'),
      message('warning', 'SMS_NOISY'),
      message('error', 'SMS_A'),
    ]);
    // The first delivery stores under the first rules and "crashes" before counting.
    await ingestQueueMessage(body, delivery(), { ...deps(false), rules: first });
    // The redelivery runs under other rules (no more exclusions): what is stored is what counts. The quiet
    // error stays stored with summarize: false; the noisy info, discarded before, is stored now and counts.
    await ingestQueueMessage(body, delivery(2), { ...deps(), rules: rulesOf([]) });
    expect(await countsOf(site)).toEqual({
      SMS_NOISY: { info: 1, warning: 1, error: 0 },
      SMS_A: { info: 0, warning: 0, error: 1 },
    });
    // Under the first rules from the start: the discarded and the excluded message do not count.
    const again = envelopeOf('S-REAL-RULES-2', body.messages);
    await ingestQueueMessage(again, delivery(), { ...deps(), rules: first });
    await ingestQueueMessage(again, delivery(2), { ...deps(), rules: first });
    expect(await countsOf('S-REAL-RULES-2')).toEqual({
      SMS_NOISY: { info: 0, warning: 1, error: 0 },
      SMS_A: { info: 0, warning: 0, error: 1 },
    });
  });

  it('counts a replayed item of a batch (same batch id, its own position) once, and its siblings once', async () => {
    const site = 'S-REPLAY';
    const body = envelopeOf(site, [
      message('info'),
      { ...message('error'), severity: 'fatal' },
      message('info'),
    ]);
    const outcome = await ingestQueueMessage(body, delivery(), deps());
    expect(outcome.deadLettered).toBe(1);
    // The corrected item goes back as the replay does it: same batch id, offset = its position.
    const replay = { ...body, offset: 1, messages: [message('error')] };
    await ingestQueueMessage(replay, delivery(), deps());
    await ingestQueueMessage(replay, delivery(2), deps());
    await ingestQueueMessage(body, delivery(2), deps());
    expect(await countsOf(site)).toEqual({ SMS_A: { info: 2, warning: 0, error: 1 } });
  });

  it('counts per machine, with the last message time, and lists machines gone silent', async () => {
    const site = 'S-MACHINES';
    const a = { ...envelopeOf(site, [message('error', 'SMS_A', '2026-11-25T10:00:00Z')]), machine: 'WS-1' };
    const b = { ...envelopeOf(site, [message('info', 'SMS_A', '2026-11-25T11:00:00Z')]), machine: 'WS-2' };
    const old = new Date(now.getTime() - 2 * 3600_000);
    await ingestQueueMessage(a, delivery(), { ...deps(), now: () => old });
    await ingestQueueMessage(b, delivery(), deps());
    const machines = await readSiteMachines(stack().containers, settings, site, now);
    expect(machines.items).toEqual([
      expect.objectContaining({
        machine: 'WS-1',
        counts: { info: 0, warning: 0, error: 1 },
        status: 'warning',
        lastMessageAt: '2026-11-25T10:00:00.000Z', // stored times are UTC with milliseconds
      }),
      expect.objectContaining({ machine: 'WS-2', counts: { info: 1, warning: 0, error: 0 }, status: 'ok' }),
    ]);
    expect(machines.silent).toEqual([
      { machine: 'WS-1', lastReportAt: old.toISOString(), silentSeconds: 7200 },
    ]);
  });

  it('lists every component and machine that reported, also with no counts in the current period', async () => {
    const site = 'S-PRESENCE';
    const yesterday = new Date(now.getTime() - 24 * 3600_000);
    const body = {
      ...envelopeOf(site, [
        message('info', 'SMS_A', yesterday.toISOString()),
        message('error', 'SMS_B', yesterday.toISOString()),
        message('info', 'SMS_A', yesterday.toISOString()),
        message('warning', 'SMS_C', yesterday.toISOString()),
      ]),
      machine: 'WS-P1',
    };
    await ingestQueueMessage(body, delivery(), { ...deps(), now: () => yesterday });
    const components = await readSiteComponents(stack().containers, settings, site, now);
    expect(components.items.map((item) => [item.component, item.counts])).toEqual([
      ['SMS_A', { info: 0, warning: 0, error: 0 }],
      ['SMS_B', { info: 0, warning: 0, error: 0 }],
      ['SMS_C', { info: 0, warning: 0, error: 0 }],
    ]);
    const machines = await readSiteMachines(stack().containers, settings, site, now);
    expect(machines.silent.map((machine) => machine.machine)).toEqual(['WS-P1']);
    expect((await readSites(stack().containers, settings, now)).items.map((item) => item.site)).toContain(
      site,
    );
  });

  it('counts only messages of the current period; a reset starts it at the reset, to the millisecond', async () => {
    const site = 'S-RESET';
    const times = [
      '2026-11-24T23:59:59.999Z',
      '2026-11-25T09:00:00Z',
      '2026-11-25T10:14:59.999Z',
      '2026-11-25T10:15:00Z',
      '2026-11-25T12:00:00+02:00',
      '2026-11-25T11:30:00Z',
    ];
    await ingestQueueMessage(
      envelopeOf(
        site,
        times.map((t) => message('error', 'SMS_A', t)),
      ),
      delivery(),
      deps(),
    );
    await ingestQueueMessage(
      envelopeOf(
        site,
        times.map((t) => message('error', 'SMS_B', t)),
      ),
      delivery(),
      deps(),
    );
    expect(await countsOf(site)).toEqual({
      SMS_A: { info: 0, warning: 0, error: 5 },
      SMS_B: { info: 0, warning: 0, error: 5 },
    });
    await resetComponent(stack().containers.summaries, site, 'SMS_A', new Date('2026-11-25T10:15:00Z'));
    const summary = await readSiteComponents(stack().containers, settings, site, now);
    expect(summary.items).toEqual([
      expect.objectContaining({
        component: 'SMS_A',
        counts: { info: 0, warning: 0, error: 2 },
        status: 'warning',
        resetAt: '2026-11-25T10:15:00.000Z',
        lastMessageAt: '2026-11-25T11:30:00.000Z',
      }),
      expect.objectContaining({
        component: 'SMS_B',
        counts: { info: 0, warning: 0, error: 5 },
        resetAt: null,
      }),
    ]);
  });

  it('counts the envelopes of one site ingested together once each, their summary writes sharing requests', async () => {
    const site = 'S-TOGETHER';
    const bodies = Array.from({ length: 6 }, (_, i) =>
      envelopeOf(site, [message('info'), message('error', `SMS_${i}`)], { machine: `WS-${i}` }),
    );
    const front = stack().cosmosFront;
    const isSummaryWrite = (request: { method: string; path: string; headers: Record<string, unknown> }) =>
      request.method === 'POST' &&
      request.path.includes('/colls/summaries/docs') &&
      !String(request.headers['content-type']).includes('query');
    const from = front.log.length;
    // The first summary write is held: the other envelopes' writes arrive while it is in flight.
    front.setFault({ kind: 'slow', delayMs: 500, times: 1, match: isSummaryWrite });
    try {
      await Promise.all(bodies.map((body) => ingestQueueMessage(body, delivery(), deps())));
    } finally {
      front.setFault(undefined);
    }
    // 6 deltas and at least 6 + 7 presence writes (each machine, SMS_A and SMS_0..5), one request each
    // without coalescing: here the held one, then batches.
    const writes = front.log.slice(from).filter(isSummaryWrite);
    expect(writes.length).toBeLessThanOrEqual(4);
    expect(writes.reduce((sum, write) => sum + (write.operations ?? 1), 0)).toBeGreaterThanOrEqual(19);
    expect(await countsOf(site)).toEqual({
      SMS_A: { info: 6, warning: 0, error: 0 },
      ...Object.fromEntries(bodies.map((_, i) => [`SMS_${i}`, { info: 0, warning: 0, error: 1 }])),
    });
  });

  it('leaves every summary equal to the recount from the stored documents (all the cases above)', async () => {
    expect(await summaryMismatches(stack().containers)).toEqual([]);
  });
});
