import { randomUUID } from 'node:crypto';
import type { QueueClient } from '@azure/storage-queue';
import { createLogger } from '../../lib/log';
import type { QueueHostSettings } from '../../lib/local/host-settings';
import { QueueListener, type TriggerMetadata } from '../../lib/local/queue-listener';
import { waitUntil } from '../../lib/util/wait-until';
import { useEmulators } from '../helpers/emulators';

const settings: QueueHostSettings = {
  batchSize: 4,
  newBatchThreshold: 2,
  maxPollingIntervalMs: 200,
  visibilityTimeoutMs: 0,
  maxDequeueCount: 3,
  messageEncoding: 'none',
};

const quietLog = createLogger(() => undefined);

describe('QueueListener (real Azurite)', () => {
  const stack = useEmulators();
  let queue: QueueClient;
  let poison: QueueClient;
  let listener: QueueListener | undefined;

  beforeEach(async () => {
    const name = `listener-${randomUUID().slice(0, 8)}`;
    queue = stack().queues.service.getQueueClient(name);
    poison = stack().queues.service.getQueueClient(`${name}-poison`);
    await queue.create();
    await poison.create();
  });
  afterEach(async () => {
    await listener?.stop(5000);
    listener = undefined;
  });

  const depth = async (client: QueueClient): Promise<number> =>
    (await client.getProperties()).approximateMessagesCount ?? 0;

  const listen = (
    invoke: (payload: unknown, metadata: TriggerMetadata) => Promise<void>,
    lockSeconds = 2,
  ): void => {
    listener = new QueueListener({
      queue,
      poisonQueue: poison,
      settings,
      lockSeconds,
      invoke,
      log: quietLog,
    });
    listener.start();
  };

  it('passes JSON as an object with trigger metadata, and deletes the message on success', async () => {
    const seen: { payload: unknown; metadata: TriggerMetadata }[] = [];
    const sent = await queue.sendMessage('{"hello":"world"}');
    listen(async (payload, metadata) => void seen.push({ payload, metadata }));
    await waitUntil(async () => seen.length === 1 && (await depth(queue)) === 0, 'processed', 10_000);
    expect(seen[0]!.payload).toEqual({ hello: 'world' });
    expect(seen[0]!.metadata).toMatchObject({ id: sent.messageId, dequeueCount: 1 });
  });

  it('retries a failing message and moves its body to the poison queue after maxDequeueCount', async () => {
    const attempts: number[] = [];
    await queue.sendMessage('always fails');
    listen(async (_payload, metadata) => {
      attempts.push(metadata.dequeueCount);
      throw new Error('handler failure');
    });
    await waitUntil(async () => (await depth(poison)) === 1, 'poisoned', 20_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await depth(queue)).toBe(0);
    const [poisoned] = (await poison.receiveMessages()).receivedMessageItems;
    expect(poisoned?.messageText).toBe('always fails');
  });

  it('creates the poison queue when it does not exist yet, as the Functions host does', async () => {
    await poison.delete();
    await queue.sendMessage('fails, and nothing created its poison queue');
    listen(async () => {
      throw new Error('handler failure');
    });
    await waitUntil(
      async () => (await poison.exists()) && (await depth(poison)) === 1,
      'poison queue created and holding the message',
      20_000,
    );
    expect(await depth(queue)).toBe(0);
  });

  it('keeps a slow message locked by renewing it, so it runs once', async () => {
    let runs = 0;
    await queue.sendMessage('slow');
    listen(async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 3500));
    }, 2);
    await waitUntil(async () => runs >= 1 && (await depth(queue)) === 0, 'slow message done', 20_000);
    expect(runs).toBe(1);
  });

  it('counts a crash as a dequeue: a message whose lock ran out comes back with a higher dequeue count', async () => {
    await queue.sendMessage('crashed once');
    // An earlier worker fetched it and died: the message is hidden only for its lock (1 s).
    await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 1 });
    const counts: number[] = [];
    listen(async (_payload, metadata) => void counts.push(metadata.dequeueCount));
    await waitUntil(async () => counts.length === 1 && (await depth(queue)) === 0, 'redelivered', 10_000);
    expect(counts).toEqual([2]);
  });

  it('leaves unfinished work in the queue when stopped before it completes', async () => {
    await queue.sendMessage('unfinished');
    let started = false;
    let finish: (() => void) | undefined;
    listen(async () => {
      started = true;
      await new Promise<void>((resolve) => (finish = resolve));
      throw new Error('did not complete before the stop');
    }, 2);
    await waitUntil(async () => started, 'started', 10_000);
    const stopped = listener!;
    expect(await stopped.stop(200)).toBe(1);
    listener = undefined;
    // Its lock (2 s) runs out without renewal and it is visible again, not deleted.
    await waitUntil(
      async () => (await queue.peekMessages()).peekedMessageItems.length === 1,
      'visible again',
      10_000,
    );
    finish?.();
    await waitUntil(async () => stopped.inFlightCount === 0, 'handler settled', 10_000);
  });
});
