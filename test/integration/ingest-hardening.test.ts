import { randomUUID } from 'node:crypto';
import { summarize } from '../../lib/agent-status/agent-status';
import {
  agentSummaryId,
  foldPending,
  maxRangesKept,
  pendingFoldAt,
  recordAgentRange,
  type AgentSummary,
} from '../../lib/agent-status/agent-summary';
import type { DeadLetter } from '../../lib/dead-letters/dead-letter';
import { ingestQueueMessage, type QueueDelivery } from '../../lib/ingest/ingest-queue-message';
import { contentHashOf } from '../../lib/message/content-hash';
import { statusMessageId } from '../../lib/message/ids';
import type { Envelope, StoredStatusMessage } from '../../lib/message/types';
import { readAll } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';
import { anEnvelope } from '../helpers/factories';

const delivery = (): QueueDelivery => ({
  queueMessageId: randomUUID(),
  dequeueCount: 1,
  insertionTime: new Date().toISOString(),
});

describe('id conflicts: a reused id never hides different data (Cosmos emulator)', () => {
  const stack = useEmulators();
  const ingest = (envelope: Envelope) =>
    ingestQueueMessage(JSON.stringify(envelope), delivery(), {
      containers: stack().containers,
      now: () => new Date(),
    });
  const lettersOf = async (batchId: string): Promise<DeadLetter[]> =>
    (await readAll<DeadLetter>(stack().containers.deadletters)).filter((l) => l.batchId === batchId);
  const storedSummaryOf = async (machine: string): Promise<AgentSummary | undefined> =>
    (
      await stack()
        .containers.agents.item(agentSummaryId('P01', machine), ['P01', machine])
        .read<AgentSummary>()
    ).resource;
  /** The summary as its readers see it: pending ranges folded in. */
  const summaryOf = async (machine: string): Promise<AgentSummary | undefined> => {
    const stored = await storedSummaryOf(machine);
    return stored && foldPending(stored);
  };

  it('counts a redelivery, and the same messages packed into another batch, as duplicates', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const first = anEnvelope(3, { machine: 'WS-DUP' });
    first.messages.forEach((m, i) => (m.id = ids[i]));
    expect(await ingest(first)).toMatchObject({ stored: 3, duplicates: 0, deadLettered: 0 });
    expect(await ingest(first)).toMatchObject({ stored: 0, duplicates: 3, deadLettered: 0 });
    // An agent re-sending after a crash: same messages (sender ids), new batch, other order and key order.
    const repacked = anEnvelope(0, { machine: 'WS-DUP', seq: 7 });
    repacked.messages = [...first.messages]
      .reverse()
      .map((m) => Object.fromEntries(Object.entries(m).reverse()));
    expect(await ingest(repacked)).toMatchObject({ stored: 0, duplicates: 3, deadLettered: 0 });
  });

  it('dead-letters different content under a reused batch id with both hashes and the new body', async () => {
    const { containers } = stack();
    const batchId = randomUUID();
    const original = anEnvelope(3, { batchId, machine: 'WS-SNAP', seq: 10 });
    expect(await ingest(original)).toMatchObject({ stored: 3 });
    // An outbox restored from a snapshot: same batch id, new messages (position 1 differs, others new too).
    const reused = anEnvelope(3, { batchId, machine: 'WS-SNAP', seq: 40 });
    reused.messages[0] = { ...original.messages[0]! };
    reused.messages[1] = { ...original.messages[1]!, text: 'disk full on C:' };
    reused.messages[2] = { ...original.messages[2]!, severity: 'error' };
    const outcome = await ingest(reused);
    expect(outcome).toMatchObject({ stored: 0, duplicates: 1, deadLettered: 2 });
    expect(outcome.deadLetterSources).toEqual(['id-conflict', 'id-conflict']);

    const letters = (await lettersOf(batchId)).sort((a, b) => a.position - b.position);
    expect(letters.map((l) => [l.source, l.position])).toEqual([
      ['id-conflict', 1],
      ['id-conflict', 2],
    ]);
    const letter = letters[0]!;
    const docId = statusMessageId(undefined, batchId, 1);
    const stored = (await containers.messages.item(docId, ['P01', 'WS-SNAP']).read<StoredStatusMessage>())
      .resource!;
    expect(stored.text).toBeUndefined(); // the first version is kept as it was
    const body = JSON.parse(letter.raw) as Record<string, unknown>;
    expect(body).toMatchObject({
      text: 'disk full on C:',
      site: 'P01',
      machine: 'WS-SNAP',
      messageId: 10001,
    });
    expect(letter.conflict).toEqual({
      documentId: docId,
      storedHash: stored.contentHash,
      incomingHash: contentHashOf(body),
    });
    expect(letter.conflict!.storedHash).not.toBe(letter.conflict!.incomingHash);
    expect(letter.contentHash).toBe(letter.conflict!.incomingHash);
    expect(letter.reasons[0]).toMatch(/^id-conflict: id .* already stored with different content/);
    expect(letter.envelope).toMatchObject({ batchId, seq: 40 });

    // A redelivery of the conflicting envelope adds nothing more.
    expect(await ingest(reused)).toMatchObject({ stored: 0, duplicates: 1, deadLettered: 0 });
    expect(await lettersOf(batchId)).toHaveLength(2);

    // The agent summary credits 10-12 (stored) and 40 (a duplicate), not 41-42 (not stored).
    const summary = await summaryOf('WS-SNAP');
    expect(summary?.ranges.map((r) => [r.first, r.last])).toEqual([
      [10, 12],
      [40, 40],
    ]);
  });

  it('checks conflicts on the bulk path too (documents of several machines)', async () => {
    const ids = [randomUUID(), randomUUID()];
    const a = anEnvelope(2, { machine: 'WS-BULK' });
    a.messages.forEach((m, i) => (m.id = ids[i]));
    await ingest(a);
    const b = anEnvelope(3, { machine: 'WS-BULK' });
    b.messages[0] = { ...b.messages[0]!, machine: 'WS-OTHER' };
    b.messages[1] = { ...a.messages[1]!, text: 'changed' };
    const outcome = await ingest(b);
    expect(outcome).toMatchObject({ stored: 2, duplicates: 0, deadLettered: 1 });
  });

  it('ignores fields the server adds to a stored document (rules: ttl, summarize)', async () => {
    const { containers } = stack();
    const envelope = anEnvelope(1, { machine: 'WS-RULES' });
    await ingest(envelope);
    const id = statusMessageId(undefined, envelope.batchId, 0);
    const item = containers.messages.item(id, ['P01', 'WS-RULES']);
    const stored = (await item.read<StoredStatusMessage>()).resource!;
    await item.replace({ ...stored, summarize: false, ttl: 86_400, contentHash: undefined });
    expect(await ingest(envelope)).toMatchObject({ stored: 0, duplicates: 1, deadLettered: 0 });
  });

  it('stores the largest dead letters a 64 KiB queue message can provoke, each well under 2 MB', async () => {
    const { containers } = stack();
    const item = {
      time: '2026-11-25T13:37:00Z',
      severity: 'info',
      messageId: 1,
      component: 'C',
      insertionStrings: Array<number>(30_100).fill(0),
    };
    const bodies = {
      // One rule broken per array element: 30 101 reasons before bounding.
      manyReasons: JSON.stringify({ ...anEnvelope(0, { machine: 'WS-BIG' }), messages: [item] }),
      // Every character escapes to 6 bytes in JSON (\u0001): the largest raw a queue message can carry.
      controlCharacters: '\u0001'.repeat(64 * 1024),
    };
    for (const [name, body] of Object.entries(bodies)) {
      const received = delivery();
      const outcome = await ingestQueueMessage(body, received, { containers, now: () => new Date() });
      expect(outcome.deadLettered).toBe(1);
      const stored = (await readAll<DeadLetter>(containers.deadletters)).find(
        (l) => l.queueMessageId === received.queueMessageId,
      )!;
      const bytes = Buffer.byteLength(JSON.stringify(stored));
      process.stdout.write(`dead letter for ${name}: ${bytes} bytes, ${stored.reasons.length} reasons\n`);
      expect(stored.reasons.length).toBeLessThanOrEqual(21);
      expect(bytes).toBeLessThan(512 * 1024);
    }
  });

  it('keeps a dead letter whose id is taken by a different one under a new id', async () => {
    const batchId = randomUUID();
    const first = anEnvelope(2, { batchId, machine: 'WS-DL' });
    first.messages[1] = { ...first.messages[1]!, severity: 'fatal' };
    expect(await ingest(first)).toMatchObject({ stored: 1, deadLettered: 1 });
    const again = anEnvelope(2, { batchId, machine: 'WS-DL' });
    again.messages[0] = first.messages[0]!;
    again.messages[1] = { ...first.messages[1], severity: 'critical' };
    expect(await ingest(again)).toMatchObject({ stored: 0, duplicates: 1, deadLettered: 1 });
    const letters = await lettersOf(batchId);
    expect(letters).toHaveLength(2);
    const renamed = letters.find((l) => l.conflictsWith !== undefined)!;
    expect(renamed.raw).toContain('critical');
    expect(letters.map((l) => l.id)).toContain(renamed.conflictsWith);
    expect(await ingest(again)).toMatchObject({ deadLettered: 0 });
    expect(await lettersOf(batchId)).toHaveLength(2);
  });

  it('keeps an agent summary bounded: at most 1000 ranges, no credit for an absurd seq', async () => {
    const { agents } = stack().containers;
    const machine = 'WS-RANGES';
    const now = new Date().toISOString();
    // A sender that numbers every other message: one range each (seeded directly, then merged through). The
    // seeded document has no `pending` (as written before it existed): the first update folds it once.
    const ranges = Array.from({ length: maxRangesKept }, (_, i) => ({
      first: 2 * i + 1,
      last: 2 * i + 1,
      since: now,
    }));
    await agents.items.create({
      id: agentSummaryId('P01', machine),
      site: 'P01',
      machine,
      ranges,
      firstSeenAt: now,
      updatedAt: now,
    });
    for (const seq of [2001, 2003, 2005]) {
      await recordAgentRange(agents, { site: 'P01', machine, first: seq, last: seq }, now);
    }
    await recordAgentRange(agents, { site: 'P01', machine, first: 1e12, last: 1e12 + 5 }, now);
    const summary = (await summaryOf(machine))!;
    expect(summary.ranges).toHaveLength(maxRangesKept);
    expect(summary.forgottenBelow).toBe(7);
    expect(summary.refusedRanges).toBe(1);
    const status = summarize(summary, new Date(), 0);
    expect(status.highestSeen).toBe(2005);
    expect(status.gaps[0]).toMatchObject({ first: 8, last: 8 });
  });

  it('records each range with one patch and folds the pending ranges every pendingFoldAt of them', async () => {
    const { agents } = stack().containers;
    const machine = 'WS-FOLD';
    const now = new Date().toISOString();
    const requests = stack().cosmosFront.log.length;
    // Out of order and with a redelivery, as concurrent deliveries commit them: 1-10, 21-30, 11-20, 1-10, ...
    const order = [0, 2, 1, 0, ...Array.from({ length: pendingFoldAt + 3 }, (_, i) => i + 3)];
    for (const i of order) {
      await recordAgentRange(agents, { site: 'P01', machine, first: i * 10 + 1, last: i * 10 + 10 }, now);
    }
    const agentRequests = stack()
      .cosmosFront.log.slice(requests)
      .filter((entry) => entry.path.includes('/colls/agents/'));
    // One patch per range (the first answers 404 and the summary is created), one replace for the fold.
    expect(agentRequests.map((entry) => entry.method).sort()).toEqual(
      [...Array<string>(order.length).fill('PATCH'), 'POST', 'PUT'].sort(),
    );
    const stored = (await storedSummaryOf(machine))!;
    expect(stored.pending!.length).toBeLessThan(pendingFoldAt);
    const last = (pendingFoldAt + 5) * 10 + 10;
    expect(summarize(stored, new Date(), 0)).toMatchObject({
      highestContiguous: last,
      stored: last,
      gaps: [],
    });
  });

  it('never fails an envelope whose documents are committed because its summary update fails', async () => {
    const { containers } = stack();
    // A real Cosmos container that does not exist: every summary read and write fails.
    const broken = { ...containers, agents: containers.messages.database.container('no-such-container') };
    const envelope = anEnvelope(2, { machine: 'WS-NOSUM', seq: 1 });
    const outcome = await ingestQueueMessage(JSON.stringify(envelope), delivery(), {
      containers: broken,
      now: () => new Date(),
    });
    expect(outcome).toMatchObject({ stored: 2 });
    expect(outcome.summaryError).toMatch(/WS-NOSUM/);
  });
});
