import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueClient, StorageSharedKeyCredential } from '@azure/storage-queue';
import { azuriteAccount } from '../../lib/config';
import { createLogger } from '../../lib/log';
import type { QueueHostSettings } from '../../lib/local/host-settings';
import {
  poisonQueueNameOf,
  QueueListener,
  type QueueListenerOptions,
  type TriggerMetadata,
} from '../../lib/local/queue-listener';
import { waitUntil } from '../../lib/util/wait-until';
import { useEmulators } from '../helpers/emulators';

const settings: QueueHostSettings = {
  batchSize: 4,
  newBatchThreshold: 2,
  maxPollingIntervalMs: 200,
  visibilityTimeoutMs: 0,
  maxDequeueCount: 3,
  messageEncoding: 'none',
  functionTimeoutMs: 60_000,
};

const quietLog = createLogger(() => undefined);

describe('QueueListener (real Azurite)', () => {
  const stack = useEmulators();
  let queue: QueueClient;
  let poison: QueueClient;
  let listener: QueueListener | undefined;
  let fatal: unknown[] = [];

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
    fatal = [];
  });

  const depth = async (client: QueueClient): Promise<number> =>
    (await client.getProperties()).approximateMessagesCount ?? 0;

  const listen = (
    invoke: (text: string, metadata: TriggerMetadata) => Promise<void>,
    lockSeconds = 2,
    overrides: Partial<QueueListenerOptions> = {},
  ): void => {
    listener = new QueueListener({
      queue,
      poisonQueue: poison,
      settings,
      lockSeconds,
      invoke: (body, metadata) => invoke(body.toString('utf8'), metadata),
      log: quietLog,
      onFatal: (error) => fatal.push(error),
      ...overrides,
    });
    listener.start();
  };

  it('passes the body text with trigger metadata, and deletes the message on success', async () => {
    const seen: { text: string; metadata: TriggerMetadata }[] = [];
    const sent = await queue.sendMessage('{"hello":"world"}');
    listen(async (text, metadata) => void seen.push({ text, metadata }));
    await waitUntil(async () => seen.length === 1 && (await depth(queue)) === 0, 'processed', 10_000);
    expect(seen[0]!.text).toBe('{"hello":"world"}');
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
    // Sent with no TTL, like the host's AddMessageAndCreateIfNotExistsAsync: the service default of 7 days.
    const ttlDays = (poisoned!.expiresOn.getTime() - poisoned!.insertedOn.getTime()) / 86_400_000;
    expect(ttlDays).toBeCloseTo(7, 2);
  });

  it('gives a -poison queue no poison queue: a failure stays hidden, and past maxDequeueCount it never runs', async () => {
    expect(poisonQueueNameOf(poison.name)).toBeUndefined();
    expect(poisonQueueNameOf(queue.name)).toBe(poison.name);
    const poisonOnly = stack().queues.service.getQueueClient(`${queue.name}-poison-poison`);
    const lines: string[] = [];
    const attempts: number[] = [];
    queue = poison; // listen on `<name>-poison` itself
    await queue.sendMessage('fails on the poison queue');
    listen(
      async (_text, metadata) => {
        attempts.push(metadata.dequeueCount);
        throw new Error('archiver failure');
      },
      2,
      { poisonQueue: undefined, log: createLogger((_level, line) => lines.push(line)) },
    );
    await waitUntil(async () => attempts.length === 1, 'first attempt', 10_000);
    // Not released (visibilityTimeout is 0 here): still hidden under its lock right after the failure.
    await waitUntil(
      async () => lines.some((line) => line.includes('stays hidden')),
      'failure handled',
      10_000,
    );
    expect((await queue.peekMessages()).peekedMessageItems).toHaveLength(0);
    await waitUntil(
      async () => lines.some((line) => line.includes('not run again') && line.includes('dequeueCount=4')),
      'fetched past maxDequeueCount',
      30_000,
    );
    expect(attempts).toEqual([1, 2, 3]);
    expect(await depth(queue)).toBe(1);
    expect(await poisonOnly.exists()).toBe(false);
  });

  it('fails an invocation that runs longer than functionTimeout, so a hung handler cannot hold its message', async () => {
    const attempts: number[] = [];
    await queue.sendMessage('hangs');
    listen(
      async (_text, metadata) => {
        attempts.push(metadata.dequeueCount);
        await new Promise(() => undefined);
      },
      2,
      { settings: { ...settings, functionTimeoutMs: 300 } },
    );
    await waitUntil(async () => (await depth(poison)) === 1, 'timed out into the poison queue', 20_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await depth(queue)).toBe(0);
  });

  it('stops on a Storage error the host treats as fatal (403 on fetch), instead of retrying forever', async () => {
    const wrongKey = new QueueClient(
      queue.url,
      new StorageSharedKeyCredential(azuriteAccount.name, Buffer.from('not the key').toString('base64')),
    );
    const lines: string[] = [];
    listen(async () => undefined, 2, {
      queue: wrongKey,
      log: createLogger((_level, line) => lines.push(line)),
    });
    await waitUntil(async () => fatal.length === 1, 'fatal error reported', 20_000);
    expect((fatal[0] as { statusCode?: number }).statusCode).toBe(403);
    expect(lines.join('\n')).toContain('fatal Storage error while fetching messages');
  });

  it('stops on a delete the host would not shrug off (403), and the message stays in the queue', async () => {
    // A plain HTTP proxy to Azurite that answers every DELETE with 403, as Storage does for a missing role.
    const target = new URL(queue.url);
    const proxy = createServer((request, response) => {
      if (request.method === 'DELETE') {
        request.resume();
        response.writeHead(403, { 'x-ms-error-code': 'AuthorizationPermissionMismatch' });
        return void response.end();
      }
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      request.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const viaProxy = new QueueClient(
        `http://127.0.0.1:${port}${target.pathname}`,
        new StorageSharedKeyCredential(azuriteAccount.name, azuriteAccount.key),
      );
      await queue.sendMessage('succeeds, but its delete is refused');
      let runs = 0;
      listen(async () => void (runs += 1), 2, { queue: viaProxy });
      await waitUntil(async () => fatal.length === 1, 'fatal error reported', 20_000);
      expect((fatal[0] as { statusCode?: number }).statusCode).toBe(403);
      expect(runs).toBe(1);
      expect(await depth(queue)).toBe(1);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
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
