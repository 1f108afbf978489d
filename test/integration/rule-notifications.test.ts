import { randomUUID } from 'node:crypto';
import type { QueueClient } from '@azure/storage-queue';
import { replayDeadLetter } from '../../lib/dead-letters/replay-dead-letter';
import { ingestQueueMessage, type QueueDelivery } from '../../lib/ingest/ingest-queue-message';
import { statusMessageId } from '../../lib/message/ids';
import { archiveNotificationPoison } from '../../lib/notify/archive-notification';
import { deliverNotification } from '../../lib/notify/deliver-notification';
import { notificationKey, type Notification } from '../../lib/notify/notification';
import type { StatusFilterRule } from '../../lib/rules/rule-types';
import { createRulesCache } from '../../lib/rules/rules-cache';
import { PermanentError } from '../../lib/errors';
import { freePort } from '../../lib/local/free-port';
import { countDocuments } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';
import { anEnvelope } from '../helpers/factories';

const rule = 'notify on errors';
const rules: StatusFilterRule[] = [
  { name: rule, match: { severity: 'error' }, actions: { notify: { url: 'http://127.0.0.1:9/hook' } } },
];

const drain = async (queue: QueueClient): Promise<Notification[]> => {
  const found: Notification[] = [];
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    if (receivedMessageItems.length === 0) return found;
    for (const item of receivedMessageItems) {
      found.push(JSON.parse(item.messageText) as Notification);
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
};

const delivery = (): QueueDelivery => ({
  queueMessageId: randomUUID(),
  dequeueCount: 1,
  insertionTime: new Date().toISOString(),
});

describe('rule notifications (Azurite + Cosmos emulator, in process)', () => {
  const stack = useEmulators();

  it('a crash between storing and enqueueing still notifies: the redelivery enqueues again', async () => {
    const { containers, queues } = stack();
    const envelope = anEnvelope(4, { machine: 'WS-CRASH' });
    Object.assign(envelope.messages[1]!, { severity: 'error' });
    Object.assign(envelope.messages[3]!, { severity: 'error' });
    const deps = { containers, now: () => new Date(), rules: createRulesCache(async () => rules, 30_000) };
    const before = await countDocuments(containers.messages);
    // The notifications queue is unreachable (a queue that does not exist): the documents are written, the
    // hand-on fails, so the ingest throws and its queue message is not completed.
    const missing = { notifications: queues.service.getQueueClient(`missing-${Date.now()}`) };
    await expect(ingestQueueMessage(envelope, delivery(), { ...deps, queues: missing })).rejects.toThrow();
    expect(await countDocuments(containers.messages)).toBe(before + 4);
    expect(await drain(queues.notifications)).toEqual([]);

    const outcome = await ingestQueueMessage(envelope, delivery(), { ...deps, queues });
    expect(outcome).toMatchObject({ stored: 0, duplicates: 4, notifications: 2 });
    const keys = (await drain(queues.notifications)).map((n) => n.key).sort();
    expect(keys).toEqual(
      [1, 3].map((i) => notificationKey(rule, statusMessageId(undefined, envelope.batchId, i))).sort(),
    );
  });

  it('hands a failed delivery back with backoff, then gives up to the poison path, archived and replayed', async () => {
    const { containers, queues } = stack();
    const notification: Notification = {
      kind: 'statmgr-notification',
      rule,
      url: `http://127.0.0.1:${await freePort()}/down`,
      key: notificationKey(rule, randomUUID()),
      message: { id: randomUUID() } as Notification['message'],
      attempt: 0,
    };
    // Delayed copies go to a queue of their own here, so that they cannot mix with the replay below.
    const retryQueue = queues.service.getQueueClient(`notify-retry-${Date.now()}`);
    await retryQueue.create();
    const deps = {
      queue: retryQueue,
      random: () => 0.5,
      retry: { minDelaySeconds: 1, maxDelaySeconds: 1 },
      secret: 's',
      allowedHosts: [],
      maxAttempts: 3,
      timeoutMs: 2000,
    };
    const first = await deliverNotification(JSON.stringify(notification), deps);
    expect(first).toMatchObject({ result: 'retry-later', attempt: 1, delaySeconds: 1 });
    expect((await retryQueue.getProperties()).approximateMessagesCount).toBe(1);
    await expect(deliverNotification(JSON.stringify({ ...notification, attempt: 2 }), deps)).rejects.toThrow(
      PermanentError,
    );

    // What the host would move to status-notifications-poison: the last copy, with its last error.
    const poisoned = JSON.stringify({ ...notification, attempt: 2, lastError: 'connection refused' });
    const archived = await archiveNotificationPoison(poisoned, delivery(), {
      containers,
      queues,
      now: () => new Date(),
    });
    if (archived.result !== 'archived') throw new Error('not archived');
    const { resource: letter } = await containers.deadletters
      .item(archived.deadLetterId, archived.deadLetterId)
      .read<{ source: string; reasons: string[] }>();
    expect(letter?.source).toBe('notify-poison');
    expect(letter?.reasons[0]).toMatch(/connection refused/);

    await drain(queues.notifications);
    const replayDeps = { containers, queues, now: () => new Date() };
    expect(await replayDeadLetter(replayDeps, archived.deadLetterId)).toMatchObject({ result: 'replayed' });
    expect(await replayDeadLetter(replayDeps, archived.deadLetterId)).toMatchObject({
      result: 'already-replayed',
    });
    const replayed = await drain(queues.notifications);
    expect(replayed).toHaveLength(1);
    expect(replayed[0]).toMatchObject({ key: notification.key, attempt: 0 });
    expect(replayed[0]!.lastError).toBeUndefined();
  });
});
