import type { QueueClient } from '@azure/storage-queue';
import type { CosmosContainers } from '../cosmos/cosmos-client';
import { describeError, isTransient, ValidationError } from '../errors';
import type { QueueDelivery } from '../ingest/ingest-queue-message';
import { rawBodyText } from '../message/decode-body';
import { parseQueueMessage } from '../message/parse-queue-message';
import { classifyQueueError } from '../queue/queue-errors';
import type { StatusQueues } from '../queue/queue-client';
import { buildDeadLetter, storeDeadLetters } from './dead-letter';
import { forgetLastFailure, readLastFailure } from './last-failure';

export interface ArchiveDeps {
  readonly containers: CosmosContainers;
  readonly queues: StatusQueues;
  readonly now: () => Date;
}

export type ArchiveOutcome =
  | { readonly result: 'archived'; readonly deadLetterId: string; readonly lastErrorKnown: boolean }
  | { readonly result: 'deferred'; readonly error: string };

/** How long a poison message waits before the archiver tries again while Cosmos is down. */
export const archiveRetryDelaySeconds = 30;

const noRecordedError =
  'poison-queue: the Functions host gave up on this message after maxDequeueCount attempts and no error was ' +
  'recorded (the worker may have crashed or been stopped while processing it, or Cosmos was down); ' +
  'check the ingest-status logs around deadLetteredAt, fix the cause, then replay';

/**
 * Moves one message of `status-messages-poison` into `deadletters` with the last error the ingest function
 * recorded for the same body (found by its hash), so that nothing sits in the poison queue until its TTL.
 * While Cosmos is down the message is put back on the poison queue with a delay (never expiring) and the
 * call succeeds: the archiver never poisons the poison queue.
 */
export const archivePoisonMessage = async (
  payload: unknown,
  delivery: QueueDelivery,
  deps: ArchiveDeps,
): Promise<ArchiveOutcome> => {
  const raw = rawBodyText(payload);
  try {
    const note = await readLastFailure(deps.containers.deadletters, payload);
    let batchId: string | undefined;
    let invalid: readonly string[] = [];
    try {
      const parsed = parseQueueMessage(payload);
      batchId = parsed.batchId;
      invalid = parsed.items.flatMap((item) => (item.ok ? [] : item.reasons));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      invalid = error.reasons;
    }
    const reasons = note
      ? [
          `poison-queue: failed ${note.dequeueCount} time(s), the last at ${note.failedAt}: ${note.error}`,
          ...invalid,
        ]
      : [noRecordedError, ...invalid];
    const letter = buildDeadLetter({
      source: 'poison-queue',
      reasons,
      raw,
      position: -1,
      batchId,
      queueMessageId: note?.queueMessageId ?? delivery.queueMessageId,
      dequeueCount: note?.dequeueCount ?? delivery.dequeueCount,
      enqueuedAt: delivery.insertionTime,
      now: deps.now().toISOString(),
      lastError: note?.error,
      idKey: `poison:${delivery.queueMessageId}`,
    });
    await storeDeadLetters(deps.containers.deadletters, [letter]);
    if (note) await forgetLastFailure(deps.containers.deadletters, note);
    return { result: 'archived', deadLetterId: letter.id, lastErrorKnown: note !== undefined };
  } catch (error) {
    return deferPoison(deps.queues.poison, raw, error);
  }
};

/**
 * While Cosmos is down a poison archiver puts the message back on its poison queue with a delay (never
 * expiring) and succeeds; any other error is rethrown.
 */
export const deferPoison = async (
  poisonQueue: QueueClient,
  raw: string,
  error: unknown,
): Promise<{ readonly result: 'deferred'; readonly error: string }> => {
  if (!isTransient(error)) throw error;
  try {
    await poisonQueue.sendMessage(raw, {
      messageTimeToLive: -1,
      visibilityTimeout: archiveRetryDelaySeconds,
    });
  } catch (sendError) {
    throw classifyQueueError(sendError, 'putting a poison message back for a later archive');
  }
  return { result: 'deferred', error: describeError(error) };
};
