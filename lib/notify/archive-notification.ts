import type { QueueDelivery } from '../ingest/ingest-queue-message';
import {
  archivePoison,
  type ArchiveDeps,
  type ArchiveOutcome,
  type PoisonKind,
} from '../dead-letters/archive-poison';
import { buildDeadLetter } from '../dead-letters/dead-letter';
import { ValidationError } from '../errors';
import { parseNotification } from './notification';

/** Why a poisoned notification was given up, from what its body carries. */
const reasonsOf = (payload: unknown): string[] => {
  try {
    const n = parseNotification(payload);
    return [
      `notify-poison: delivery of ${n.key} (rule ${JSON.stringify(n.rule)}) to ${n.url} failed ` +
        `${n.attempt} time(s) and then kept failing; last error: ${n.lastError ?? 'not recorded'}. ` +
        'Fix the receiver (or the rule), then replay',
    ];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return ['notify-poison: not a statmgr notification', ...error.reasons];
  }
};

const notificationPoison: PoisonKind = {
  source: 'notify-poison',
  idPrefix: 'notify-poison',
  queue: (queues) => queues.notificationsPoison,
  letter: async (body, poisonMessageId, delivery, deps) => {
    await Promise.resolve();
    const letter = buildDeadLetter({
      source: 'notify-poison',
      reasons: reasonsOf(body.raw),
      ...body,
      position: -1,
      batchId: undefined,
      queueMessageId: delivery.queueMessageId,
      dequeueCount: delivery.dequeueCount,
      enqueuedAt: delivery.insertionTime,
      now: deps.now().toISOString(),
      idKey: `notify-poison:${poisonMessageId}`,
    });
    return { letter, note: undefined };
  },
};

/**
 * Moves one message of `status-notifications-poison` into `deadletters` (source `notify-poison`), where
 * `npm run replay` and `POST /api/deadletters/replay` send it back to `status-notifications`. Like the status
 * poison archiver it never fails a message on its own `-poison` queue (see archivePoison): while Cosmos is
 * down or refusing it hands the body back with an attempt count, and in the end archives it as it is.
 */
export const archiveNotificationPoison = (
  payload: unknown,
  delivery: QueueDelivery,
  deps: ArchiveDeps,
): Promise<ArchiveOutcome> => archivePoison(notificationPoison, payload, delivery, deps);
