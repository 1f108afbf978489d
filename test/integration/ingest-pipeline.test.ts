import { randomUUID } from 'node:crypto';
import { statusMessageId } from '../../lib/message/ids';
import type { StoredStatusMessage } from '../../lib/message/types';
import { useEmulators } from '../helpers/emulators';
import { countDocuments, readAll, waitForCount } from '../helpers/cosmos';
import { aStatusMessage, anEnvelope } from '../helpers/factories';
import { startHostProcess, type HostProcess } from '../helpers/host-process';
import { waitUntil } from '../../lib/util/wait-until';

describe('ingest pipeline (Azurite + Cosmos emulator + local host process)', () => {
  const stack = useEmulators();
  let host: HostProcess;

  beforeAll(async () => {
    host = await startHostProcess(stack().env);
  });
  afterAll(async () => {
    await host?.stop();
  });

  /** A write of status messages reaching Cosmos (through the strict front), not a query. */
  const isWrite = (entry: { method: string; path: string; headers: Record<string, unknown> }): boolean =>
    entry.method === 'POST' &&
    entry.path.includes('/colls/status-messages/') &&
    !String(entry.headers['content-type']).includes('query');

  const queueIsEmpty = async (): Promise<boolean> =>
    ((await stack().queues.main.getProperties()).approximateMessagesCount ?? 0) === 0;

  /** Sends `envelope` and returns once its write has reached Cosmos (the write is then in flight). */
  const sendWithWriteInFlight = async (envelope: object): Promise<void> => {
    const { queues, cosmosFront } = stack();
    const from = cosmosFront.log.length;
    await queues.main.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 });
    await waitUntil(async () => cosmosFront.log.slice(from).some(isWrite), 'the write in flight', 30_000);
  };

  /** Stops a host (SIGTERM) and checks that it exited 0 and drained with `unfinished` invocations left. */
  const expectDrained = async (drained: HostProcess, unfinished: number): Promise<void> => {
    expect(await drained.stop()).toBe(0);
    expect(
      drained.output.some((line) => line.includes('stopped') && line.includes(`unfinished=${unfinished}`)),
    ).toBe(true);
  };

  /** The positions stored for a batch, sorted. */
  const storedPositions = async (batchId: string): Promise<number[]> =>
    (await readAll<StoredStatusMessage>(stack().containers.messages))
      .filter((doc) => doc.batchId === batchId)
      .map((doc) => doc.position)
      .sort();

  it('answers anonymous /api/health with ok only, and /api/health/details (key) with every part up', async () => {
    const anonymous = await fetch(`${host.baseUrl}/health`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${host.baseUrl}/health/details`)).status).toBe(401);
    const response = await fetch(`${host.baseUrl}/health/details`, {
      headers: { 'x-functions-key': host.apiKey },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { parts: Record<string, { ok: boolean }> };
    expect(Object.values(body.parts).every((part) => part.ok)).toBe(true);
    expect(Object.keys(body.parts).sort()).toEqual([
      'cosmosAgents',
      'cosmosDeadletters',
      'cosmosMessages',
      'cosmosSummaries',
      'poisonQueue',
      'queue',
    ]);
  });

  it('stores plain and base64 envelopes with their derived ids and fields', async () => {
    const { queues, containers } = stack();
    const before = await countDocuments(containers.messages);
    const plain = anEnvelope(3, { seq: 500 });
    const base64 = anEnvelope(2, { machine: 'WS-0099' });
    const sent = await queues.main.sendMessage(JSON.stringify(plain), { messageTimeToLive: -1 });
    await queues.main.sendMessage(Buffer.from(JSON.stringify(base64)).toString('base64'), {
      messageTimeToLive: -1,
    });
    await waitForCount(containers.messages, before + 5);

    const docs = await readAll<StoredStatusMessage>(containers.messages);
    const fromPlain = docs
      .filter((doc) => doc.batchId === plain.batchId)
      .sort((a, b) => a.position - b.position);
    expect(fromPlain.map((doc) => doc.id)).toEqual(
      [0, 1, 2].map((i) => statusMessageId(undefined, plain.batchId, i)),
    );
    expect(fromPlain.map((doc) => doc.seq)).toEqual([500, 501, 502]);
    const first = fromPlain[0]!;
    expect(first).toMatchObject({
      site: 'P01',
      machine: 'WS-0042',
      severity: 'info',
      messageId: 10000,
      component: 'SMS_STATUS_MANAGER',
      messageType: 'detail',
      queueMessageId: sent.messageId,
    });
    expect(Date.parse(first.enqueuedAt)).toBeLessThanOrEqual(Date.parse(first.storedAt));
    expect(docs.filter((doc) => doc.batchId === base64.batchId && doc.machine === 'WS-0099')).toHaveLength(2);
  });

  it('stores a message delivered twice only once', async () => {
    const { queues, containers } = stack();
    const envelope = anEnvelope(4);
    const before = await countDocuments(containers.messages);
    await queues.main.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 });
    await queues.main.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 });
    await waitForCount(containers.messages, before + 4);
    await waitUntil(queueIsEmpty, 'queue drained', 30_000);
    expect(
      host.output.some((line) => line.includes(envelope.batchId) && line.includes('"duplicates":4')),
    ).toBe(true);
    const docs = await readAll<StoredStatusMessage>(containers.messages);
    expect(docs.filter((doc) => doc.batchId === envelope.batchId)).toHaveLength(4);
    expect(await countDocuments(containers.messages)).toBe(before + 4);
  });

  it('gives a bare message the id derived from its queue message id, or keeps the sender id', async () => {
    const { queues, containers } = stack();
    const senderId = randomUUID();
    const before = await countDocuments(containers.messages);
    const bare = await queues.main.sendMessage(JSON.stringify(aStatusMessage({ machine: 'WS-BARE' })));
    await queues.main.sendMessage(JSON.stringify(aStatusMessage({ id: senderId, machine: 'WS-BARE' })));
    await waitForCount(containers.messages, before + 2);
    const ids = (await readAll<StoredStatusMessage>(containers.messages))
      .filter((doc) => doc.machine === 'WS-BARE')
      .map((doc) => doc.id)
      .sort();
    expect(ids).toEqual([statusMessageId(undefined, bare.messageId, 0), senderId].sort());
  });

  it('drains on SIGTERM with an invocation in flight: it completes, nothing is lost, and the host exits 0', async () => {
    const { cosmosFront } = stack();
    // Only the host under test may take the message.
    await host.stop();
    const second = await startHostProcess(stack().env);
    // Cosmos answers writes slowly (3 s, within the host's 10 s drain time).
    cosmosFront.setFault({ kind: 'slow', delayMs: 3000, match: isWrite });
    try {
      const envelope = anEnvelope(3, { machine: `WS-${randomUUID().slice(0, 6)}` });
      await sendWithWriteInFlight(envelope);
      await expectDrained(second, 0);
      expect(await storedPositions(envelope.batchId)).toEqual([0, 1, 2]);
      expect(await queueIsEmpty()).toBe(true);
    } finally {
      cosmosFront.setFault(undefined);
    }
  });

  it('drains on SIGTERM when the write outlasts the grace: the message stays queued and the next host stores it once', async () => {
    const { cosmosFront } = stack();
    await host.stop();
    // A grace of 1 s against a write that takes 6 s: the host must give up the message, not delete it.
    const draining = await startHostProcess(stack().env, { STATMGR_DRAIN_SECONDS: '1' });
    cosmosFront.setFault({ kind: 'slow', delayMs: 6000, match: isWrite });
    const envelope = anEnvelope(3, { machine: `WS-${randomUUID().slice(0, 6)}` });
    let next: HostProcess | undefined;
    try {
      await sendWithWriteInFlight(envelope);
      await expectDrained(draining, 1);
      // Not deleted: still in the queue (hidden until its lock runs out, then visible to the next host).
      expect(await queueIsEmpty()).toBe(false);
    } finally {
      cosmosFront.setFault(undefined);
    }
    try {
      next = await startHostProcess(stack().env);
      await waitUntil(
        async () => (await storedPositions(envelope.batchId)).length === 3 && (await queueIsEmpty()),
        'the envelope stored by the next host',
        60_000,
      );
      expect(await storedPositions(envelope.batchId)).toEqual([0, 1, 2]);
    } finally {
      await next?.stop();
    }
  });
});
