import type { QueueDelivery } from '../ingest/ingest-queue-message';
import { rawBodyText } from '../message/decode-body';
import { deferPoison, type ArchiveDeps, type ArchiveOutcome } from '../dead-letters/archive-poison';
import { buildDeadLetter, storeDeadLetters } from '../dead-letters/dead-letter';
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

/**
 * Moves one message of `status-notifications-poison` into `deadletters` (source `notify-poison`), where
 * `npm run replay` and `POST /api/deadletters/replay` send it back to `status-notifications`. While Cosmos
 * is down it is put back on the poison queue with a delay: the archiver never fails on its own queue.
 */
export const archiveNotificationPoison = async (
  payload: unknown,
  delivery: QueueDelivery,
  deps: ArchiveDeps,
): Promise<ArchiveOutcome> => {
  const raw = rawBodyText(payload);
  try {
    const letter = buildDeadLetter({
      source: 'notify-poison',
      reasons: reasonsOf(payload),
      raw,
      position: -1,
      batchId: undefined,
      queueMessageId: delivery.queueMessageId,
      dequeueCount: delivery.dequeueCount,
      enqueuedAt: delivery.insertionTime,
      now: deps.now().toISOString(),
      idKey: `notify-poison:${delivery.queueMessageId}`,
    });
    await storeDeadLetters(deps.containers.deadletters, [letter]);
    return { result: 'archived', deadLetterId: letter.id, lastErrorKnown: true };
  } catch (error) {
    return deferPoison(deps.queues.notificationsPoison, raw, error);
  }
};
