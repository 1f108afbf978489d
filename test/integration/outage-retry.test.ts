import { randomUUID } from 'node:crypto';
import type { QueueClient } from '@azure/storage-queue';
import { azuriteConnectionString, loadConfig } from '../../lib/config';
import { createCosmosClient, openContainers, type CosmosContainers } from '../../lib/cosmos/cosmos-client';
import { TransientError } from '../../lib/errors';
import {
  ingestOrRequeue,
  type IngestOrRequeueDeps,
  type IngestResult,
} from '../../lib/ingest/ingest-or-requeue';
import type { QueueDelivery } from '../../lib/ingest/ingest-queue-message';
import { waitUntil } from '../../lib/util/wait-until';
import { buildDeadLetter, storeDeadLetters } from '../../lib/dead-letters/dead-letter';
import { replayDeadLetter } from '../../lib/dead-letters/replay-dead-letter';
import { statusMessageId } from '../../lib/message/ids';
import type { StoredStatusMessage } from '../../lib/message/types';
import { createQueueServiceClient, openQueues } from '../../lib/queue/queue-client';
import { readAll } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';
import { aStatusMessage, anEnvelope } from '../helpers/factories';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';

const retry = { minDelaySeconds: 1, maxDelaySeconds: 4, maxDequeueCount: 5, crashHandBackLimit: 20 };

describe('ingestOrRequeue (real Azurite and Cosmos emulator behind fault proxies)', () => {
  const stack = useEmulators();
  let cosmosProxy: FaultProxy;
  let queueProxy: FaultProxy;
  let viaProxy: CosmosContainers;
  let queue: QueueClient;

  beforeAll(async () => {
    const { emulators } = stack();
    cosmosProxy = await startFaultProxy(stack().cosmosFront.port);
    queueProxy = await startFaultProxy(emulators.queuePort);
    const config = loadConfig({
      COSMOS_ENDPOINT: `https://127.0.0.1:${cosmosProxy.port}`,
      StatusStorage: azuriteConnectionString(queueProxy.port),
    });
    viaProxy = openContainers(createCosmosClient(config.cosmos), config.cosmos.database);
    queue = openQueues(createQueueServiceClient(config.storage)).main;
  });
  afterEach(async () => {
    await cosmosProxy.setMode('pass');
    await queueProxy.setMode('pass');
  });
  afterAll(async () => {
    viaProxy?.client.dispose();
    await cosmosProxy?.close();
    await queueProxy?.close();
  });

  const deps = (): IngestOrRequeueDeps => ({ containers: viaProxy, queue, retry, now: () => new Date() });
  const deliveryOf = (queueMessageId: string, dequeueCount = 1): QueueDelivery => ({
    queueMessageId,
    dequeueCount,
    insertionTime: new Date().toISOString(),
  });

  /** Receives the delayed copy (it becomes visible after its delay) and deletes it. */
  const receiveCopy = async (): Promise<{ payload: unknown; queueMessageId: string; expiresOn: Date }> => {
    let copy: { payload: unknown; queueMessageId: string; expiresOn: Date } | undefined;
    await waitUntil(
      async () => {
        const [item] = (await stack().queues.main.receiveMessages()).receivedMessageItems;
        if (!item) return false;
        await stack().queues.main.deleteMessage(item.messageId, item.popReceipt);
        copy = {
          payload: JSON.parse(item.messageText) as unknown,
          queueMessageId: item.messageId,
          expiresOn: item.expiresOn,
        };
        return true;
      },
      'the delayed copy',
      30_000,
    );
    return copy!;
  };

  const storedWithMachine = async (machine: string): Promise<StoredStatusMessage[]> =>
    (await readAll<StoredStatusMessage>(stack().containers.messages)).filter(
      (doc) => doc.machine === machine,
    );

  it('hands a bare message back while Cosmos refuses connections, and its copy stores it under the original id', async () => {
    const original = randomUUID();
    const machine = `WS-${randomUUID().slice(0, 6)}`;
    await cosmosProxy.setMode('refuse');
    const result = await ingestOrRequeue(aStatusMessage({ machine }), deliveryOf(original), deps());
    expect(result).toMatchObject({ kind: 'requeued', why: 'transient-failure', copy: { attempt: 1 } });

    await cosmosProxy.setMode('pass');
    const copy = await receiveCopy();
    expect(copy.payload).toMatchObject({ batchId: original, attempt: 1 });
    // Sent with time-to-live -1: a delayed copy never expires (the queue's default is 7 days).
    expect(copy.expiresOn.getUTCFullYear()).toBe(9999);
    const second = await ingestOrRequeue(copy.payload, deliveryOf(copy.queueMessageId), deps());
    expect(second).toMatchObject({ kind: 'ingested', outcome: { stored: 1 } });
    expect((await storedWithMachine(machine)).map((doc) => doc.id)).toEqual([
      statusMessageId(undefined, original, 0),
    ]);
  });

  it('gives up on a black-holed Cosmos after its request timeout and hands the envelope back', async () => {
    const envelope = anEnvelope(5, { machine: `WS-${randomUUID().slice(0, 6)}` });
    await cosmosProxy.setMode('blackhole');
    const result: IngestResult = await ingestOrRequeue(envelope, deliveryOf(randomUUID()), deps());
    expect(result).toMatchObject({ kind: 'requeued', copy: { attempt: 1 } });

    await cosmosProxy.setMode('pass');
    const copy = await receiveCopy();
    expect(copy.payload).toEqual({ ...envelope, attempt: 1 });
    expect(copy.expiresOn.getUTCFullYear()).toBe(9999);
    await ingestOrRequeue(copy.payload, deliveryOf(copy.queueMessageId), deps());
    expect((await storedWithMachine(envelope.machine!)).map((doc) => doc.id).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => statusMessageId(undefined, envelope.batchId, i)).sort(),
    );
  });

  it('throws, so the original is not completed, when the queue refuses the copy too', async () => {
    await cosmosProxy.setMode('refuse');
    await queueProxy.setMode('refuse');
    await expect(ingestOrRequeue(anEnvelope(1), deliveryOf(randomUUID()), deps())).rejects.toThrow(
      TransientError,
    );
  });

  it('hands a message back before running it when it comes for the last but one allowed time', async () => {
    const envelope = anEnvelope(1, { attempt: 2, machine: `WS-${randomUUID().slice(0, 6)}` });
    const result = await ingestOrRequeue(
      envelope,
      deliveryOf(randomUUID(), retry.maxDequeueCount - 1),
      deps(),
    );
    expect(result).toMatchObject({ kind: 'requeued', why: 'repeated-delivery', copy: { attempt: 3 } });
    expect(await storedWithMachine(envelope.machine!)).toEqual([]);
    expect((await receiveCopy()).payload).toEqual({ ...envelope, attempt: 3 });
  });

  it('stores a message on its last but one delivery right away when the queue will not take a copy', async () => {
    const envelope = anEnvelope(2, { machine: `WS-${randomUUID().slice(0, 6)}` });
    await queueProxy.setMode('refuse');
    const delivery = deliveryOf(randomUUID(), retry.maxDequeueCount - 1);
    const result = await ingestOrRequeue(envelope, delivery, deps());
    expect(result).toMatchObject({ kind: 'ingested', outcome: { stored: 2 } });
  });

  it('replays a dead letter as a queue message that never expires (time-to-live -1)', async () => {
    const { containers, queues } = stack();
    const letter = buildDeadLetter({
      source: 'ingest-validation',
      reasons: ['severity: test'],
      raw: JSON.stringify(aStatusMessage({ machine: `WS-${randomUUID().slice(0, 6)}` })),
      position: -1,
      batchId: undefined,
      queueMessageId: randomUUID(),
      dequeueCount: 1,
      enqueuedAt: new Date().toISOString(),
      now: new Date().toISOString(),
    });
    await storeDeadLetters(containers.deadletters, [letter]);
    const outcome = await replayDeadLetter({ containers, queues, now: () => new Date() }, letter.id);
    if (outcome.result !== 'replayed') throw new Error(`not replayed: ${JSON.stringify(outcome)}`);
    let expiresOn: Date | undefined;
    await waitUntil(
      async () => {
        const items = (await queues.main.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems;
        for (const item of items) {
          await queues.main.deleteMessage(item.messageId, item.popReceipt);
          if (item.messageId === outcome.queueMessageId) expiresOn = item.expiresOn;
        }
        return expiresOn !== undefined;
      },
      'the replayed message',
      30_000,
    );
    expect(expiresOn!.getUTCFullYear()).toBe(9999);
  });
});
