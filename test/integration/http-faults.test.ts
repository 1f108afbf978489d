import { randomUUID } from 'node:crypto';
import type { DeadLetter } from '../../lib/dead-letters/dead-letter';
import { statusMessageId } from '../../lib/message/ids';
import type { StoredStatusMessage } from '../../lib/message/types';
import { waitUntil } from '../../lib/util/wait-until';
import { readAll } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';
import { anEnvelope } from '../helpers/factories';
import { startHostProcess, type HostProcess } from '../helpers/host-process';
import type { ProxiedRequest } from '../helpers/http-fault-proxy';

/** A write of status messages (a create, a transactional batch or a bulk request), not a read or a query. */
const writesMessages = (request: Omit<ProxiedRequest, 'body'>): boolean =>
  request.method === 'POST' &&
  request.path.includes('/colls/status-messages/docs') &&
  !String(request.headers['content-type']).startsWith('application/query+json');

describe('HTTP-level faults from Cosmos (429, 503) with the local host process', () => {
  const stack = useEmulators();
  let host: HostProcess;

  beforeAll(async () => {
    host = await startHostProcess(stack().env, {
      STATMGR_RETRY_MIN_SECONDS: '1',
      STATMGR_RETRY_MAX_SECONDS: '2',
    });
  });
  afterEach(() => stack().cosmosFront.setFault(undefined));
  afterAll(async () => {
    await host?.stop();
  });

  const storedOf = async (batchId: string): Promise<StoredStatusMessage[]> =>
    (await readAll<StoredStatusMessage>(stack().containers.messages)).filter(
      (doc) => doc.batchId === batchId,
    );

  const queueIsEmpty = async (): Promise<boolean> =>
    ((await stack().queues.main.getProperties()).approximateMessagesCount ?? 0) === 0;

  it('stores every message of an envelope once while Cosmos throttles, retrying no sooner than x-ms-retry-after-ms', async () => {
    const { cosmosFront, queues } = stack();
    const retryAfterMs = 700;
    cosmosFront.setFault({
      kind: 'http',
      status: 429,
      headers: { 'x-ms-retry-after-ms': String(retryAfterMs), 'x-ms-substatus': '3200' },
      match: writesMessages,
      times: 3,
    });
    const envelope = anEnvelope(5, { machine: `WS-${randomUUID().slice(0, 6)}` });
    const firstLogged = cosmosFront.log.length;
    await queues.main.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 });
    await waitUntil(async () => (await storedOf(envelope.batchId)).length === 5, '5 documents', 60_000);
    await waitUntil(queueIsEmpty, 'queue drained', 30_000);

    const stored = await storedOf(envelope.batchId);
    expect(stored.map((doc) => doc.id).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => statusMessageId(undefined, envelope.batchId, i)).sort(),
    );
    const writes = cosmosFront.log.slice(firstLogged).filter((entry) => writesMessages(entry));
    const throttled = writes.filter((entry) => entry.answeredBy === 'fault');
    expect(throttled.map((entry) => entry.status)).toEqual([429, 429, 429]);
    // Each throttled write is followed by the next one no sooner than the retry-after the 429 asked for.
    for (const entry of throttled) {
      const next = writes[writes.indexOf(entry) + 1];
      expect(next).toBeDefined();
      expect(next!.at - entry.at).toBeGreaterThanOrEqual(retryAfterMs - 20);
    }
    expect(
      (await readAll<DeadLetter>(stack().containers.deadletters)).filter(
        (l) => l.batchId === envelope.batchId,
      ),
    ).toEqual([]);
  });

  it('hands the envelope back when throttling outlasts the SDK retries, and stores it once later', async () => {
    const { cosmosFront, queues } = stack();
    // The SDK retries a 429 up to 9 times (the batch, then each bulk operation): 40 throttled answers reach
    // the product as a transient error, and it hands the message back as a delayed copy.
    cosmosFront.setFault({
      kind: 'http',
      status: 429,
      headers: { 'x-ms-retry-after-ms': '50' },
      match: writesMessages,
      times: 40,
    });
    const firstLogged = cosmosFront.log.length;
    const firstOutput = host.output.length;
    const envelope = anEnvelope(4, { machine: `WS-${randomUUID().slice(0, 6)}` });
    await queues.main.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 });
    await waitUntil(async () => (await storedOf(envelope.batchId)).length === 4, '4 documents', 60_000);
    await waitUntil(queueIsEmpty, 'queue drained', 30_000);
    expect(cosmosFront.log.slice(firstLogged).filter((entry) => entry.answeredBy === 'fault')).toHaveLength(
      40,
    );
    const handBacks = host.output
      .slice(firstOutput)
      .filter((line) => line.includes('handed back as a delayed copy'));
    expect(handBacks.length).toBeGreaterThan(0);
    for (const line of handBacks)
      expect(line).toMatch(/"why":"transient-failure".*Cosmos DB unavailable \(429\)/);
    expect((await storedOf(envelope.batchId)).map((doc) => doc.position).sort()).toEqual([0, 1, 2, 3]);
  });

  it('never has more than batchSize + newBatchThreshold (16 + 8) messages in flight, with Cosmos slow', async () => {
    const { cosmosFront, queues } = stack();
    // Each message is one envelope, so one write in flight at the front per invocation in flight.
    // Answers spread over 0.2 to 2.2 s, so that invocations finish one by one and the host fetches more.
    cosmosFront.setFault({ kind: 'slow', delayMs: () => 200 + Math.random() * 2000, match: writesMessages });
    cosmosFront.countInFlight(writesMessages);
    const machine = `WS-${randomUUID().slice(0, 6)}`;
    const envelopes = Array.from({ length: 60 }, () => anEnvelope(1, { machine }));
    await Promise.all(
      envelopes.map((envelope) =>
        queues.main.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 }),
      ),
    );
    await waitUntil(
      async () =>
        (await readAll<StoredStatusMessage>(stack().containers.messages)).filter(
          (doc) => doc.machine === machine,
        ).length === 60,
      '60 documents',
      90_000,
    );
    // The limit holds, and the load was enough to reach past one batch (so the check could fail).
    expect(cosmosFront.maxInFlight).toBeLessThanOrEqual(24);
    expect(cosmosFront.maxInFlight).toBeGreaterThan(16);
  });

  it('answers the HTTP API with 503 and retry-after, and /api/health with 503, while Cosmos answers 503', async () => {
    const { cosmosFront } = stack();
    cosmosFront.setFault({ kind: 'http', status: 503 });
    const list = await fetch(`${host.baseUrl}/deadletters`, { headers: { 'x-functions-key': host.apiKey } });
    expect(list.status).toBe(503);
    expect(Number(list.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await list.json()) as { error: string }).error).toMatch(/unavailable/);

    const agent = await fetch(`${host.baseUrl}/agents/P01/WS-0042`, {
      headers: { 'x-functions-key': host.apiKey },
    });
    expect(agent.status).toBe(503);
    expect(agent.headers.get('retry-after')).toMatch(/^\d+$/);

    const health = await fetch(`${host.baseUrl}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'degraded' });
    const details = await fetch(`${host.baseUrl}/health/details`, {
      headers: { 'x-functions-key': host.apiKey },
    });
    expect(details.status).toBe(503);
    const report = (await details.json()) as { parts: Record<string, { ok: boolean }> };
    expect(report.parts.cosmosMessages?.ok).toBe(false);
    expect(report.parts.queue?.ok).toBe(true);

    cosmosFront.setFault(undefined);
    await waitUntil(
      async () => (await fetch(`${host.baseUrl}/health`)).status === 200,
      'health back',
      30_000,
    );
  });
});
