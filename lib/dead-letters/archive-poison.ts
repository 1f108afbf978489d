import type { QueueClient } from '@azure/storage-queue';
import type { CosmosContainers } from '../cosmos/cosmos-client';
import { describeError, isTransient, ValidationError } from '../errors';
import type { QueueDelivery } from '../ingest/ingest-queue-message';
import { backoffSeconds, type RetryPolicy } from '../ingest/requeue-delayed';
import { decodeBody, rawBodyBytes, rawBodyOf, type RawBody } from '../message/decode-body';
import { parseQueueMessage } from '../message/parse-queue-message';
import { neverExpires, type StatusQueues } from '../queue/queue-client';
import { classifyQueueError } from '../queue/queue-errors';
import { buildDeadLetter, storeDeadLetters, type DeadLetter, type DeadLetterSource } from './dead-letter';
import { forgetLastFailure, readLastFailure, type FailureNote } from './last-failure';

export interface ArchiveDeps {
  readonly containers: CosmosContainers;
  readonly queues: StatusQueues;
  readonly now: () => Date;
  /** Backoff of the hand-backs, and the host's maxDequeueCount (a crash loop is handed back before it runs). */
  readonly retry: RetryPolicy;
}

export type ArchiveOutcome =
  | {
      readonly result: 'archived';
      readonly deadLetterId: string;
      readonly lastErrorKnown: boolean;
      /** True when archived as it is after `archiveAttemptLimit` failed attempts (reason `archive-failed`). */
      readonly asIs: boolean;
    }
  | {
      readonly result: 'handed-back';
      readonly attempt: number;
      readonly delaySeconds: number;
      readonly error: string;
    };

/**
 * Attempts after which a poison message is archived as it is (no note lookup, no parsing), with the reason
 * `archive-failed` and the last error. While Cosmos is down even that fails, and it is handed back again.
 */
export const archiveAttemptLimit = 5;

/** The body of a hand-back: the poisoned body kept verbatim, with the attempt count and the last error. */
export const archiveRetrySchema = 'statmgr/archive-retry/v1';

interface ArchiveRetry {
  readonly schema: typeof archiveRetrySchema;
  readonly attempt: number;
  readonly raw: string;
  /** Set when the poisoned bytes are not UTF-8 (see RawBody). */
  readonly rawBase64?: string;
  readonly lastError: string;
  /** The id of the poison message the host wrote: the dead letter's id derives from it, hand-back or not. */
  readonly poisonMessageId: string;
}

/** A hand-back is JSON text (bytes for a `dataType: 'binary'` trigger); anything else is no hand-back. */
const archiveRetryOf = (payload: unknown): ArchiveRetry | undefined => {
  let value: unknown;
  try {
    value = decodeBody(payload);
  } catch {
    return undefined;
  }
  return isArchiveRetry(value) ? value : undefined;
};

const isArchiveRetry = (payload: unknown): payload is ArchiveRetry => {
  const value = payload as Partial<ArchiveRetry> | null;
  return (
    typeof value === 'object' &&
    value !== null &&
    value.schema === archiveRetrySchema &&
    typeof value.raw === 'string' &&
    (value.rawBase64 === undefined || typeof value.rawBase64 === 'string') &&
    typeof value.attempt === 'number' &&
    typeof value.poisonMessageId === 'string'
  );
};

const noRecordedError =
  'poison-queue: the Functions host gave up on this message after maxDequeueCount attempts and no error was ' +
  'recorded (the worker may have crashed or been stopped while processing it, or Cosmos was down); ' +
  'check the ingest-status logs around deadLetteredAt, fix the cause, then replay';

/** The dead letter with the last recorded error and the body's own validation reasons. */
const fullLetter = async (
  body: RawBody,
  poisonMessageId: string,
  delivery: QueueDelivery,
  deps: ArchiveDeps,
): Promise<{ letter: DeadLetter; note: FailureNote | undefined }> => {
  // The bytes, as the ingest function hashed and parsed them (a body that is not UTF-8 says so).
  const bytes = rawBodyBytes(body);
  const note = await readLastFailure(deps.containers.deadletters, bytes);
  let batchId: string | undefined;
  let invalid: readonly string[] = [];
  try {
    const parsed = parseQueueMessage(bytes);
    batchId = parsed.batchId;
    invalid = parsed.items.flatMap((item) => (item.ok ? [] : item.reasons));
  } catch (error) {
    invalid = error instanceof ValidationError ? error.reasons : [`body: ${describeError(error)}`];
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
    ...body,
    position: -1,
    batchId,
    queueMessageId: note?.queueMessageId ?? delivery.queueMessageId,
    dequeueCount: note?.dequeueCount ?? delivery.dequeueCount,
    enqueuedAt: delivery.insertionTime,
    now: deps.now().toISOString(),
    lastError: note?.error,
    idKey: `poison:${poisonMessageId}`,
  });
  return { letter, note };
};

/** The body as it is, with the reason `archive-failed`: what is left when the full archive keeps failing. */
const asIsLetter = (
  kind: PoisonKind,
  body: RawBody,
  poisonMessageId: string,
  delivery: QueueDelivery,
  attempts: number,
  lastError: string,
  now: Date,
) =>
  buildDeadLetter({
    source: kind.source,
    reasons: [
      `archive-failed: archiving this poison message failed ${attempts} time(s), the last with: ${lastError}; ` +
        'it is kept as it is: check the body, then replay',
    ],
    ...body,
    position: -1,
    batchId: undefined,
    queueMessageId: delivery.queueMessageId,
    dequeueCount: delivery.dequeueCount,
    enqueuedAt: delivery.insertionTime,
    now: now.toISOString(),
    lastError,
    idKey: `${kind.idPrefix}:${poisonMessageId}`,
  });

/** Puts the body back on the poison queue as a never-expiring copy that counts the attempt. */
const handBack = async (
  kind: PoisonKind,
  body: RawBody,
  poisonMessageId: string,
  attempt: number,
  error: unknown,
  deps: ArchiveDeps,
): Promise<ArchiveOutcome> => {
  const lastError = describeError(error).slice(0, 2000);
  const copy: ArchiveRetry = { schema: archiveRetrySchema, attempt, ...body, lastError, poisonMessageId };
  const retryAfterMs = isTransient(error) ? error.retryAfterMs : undefined;
  const delaySeconds = backoffSeconds(attempt, deps.retry, retryAfterMs);
  try {
    await kind.queue(deps.queues).sendMessage(JSON.stringify(copy), {
      ...neverExpires,
      visibilityTimeout: delaySeconds,
    });
  } catch (sendError) {
    // Storage refused the copy too: only now does the invocation fail (the host then keeps the message).
    throw classifyQueueError(sendError, `handing poison message back after: ${lastError}`);
  }
  return { result: 'handed-back', attempt, delaySeconds, error: lastError };
};

/** What differs between the poison queues statmgr archives: where to hand back, and the full letter. */
export interface PoisonKind {
  readonly source: DeadLetterSource;
  /** Prefix of the dead letter's id key: `<prefix>:<poison message id>`. */
  readonly idPrefix: string;
  readonly queue: (queues: StatusQueues) => QueueClient;
  readonly letter: (
    body: RawBody,
    poisonMessageId: string,
    delivery: QueueDelivery,
    deps: ArchiveDeps,
  ) => Promise<{ letter: DeadLetter; note: FailureNote | undefined }>;
}

/**
 * Moves one message of a poison queue into `deadletters`. The Functions host gives a `-poison` queue no
 * poison queue: a failed invocation here would stay hidden for the 10-minute lock and, past maxDequeueCount,
 * never run again until the message expires. So this never fails a message: every path ends with the body in
 * `deadletters`, or handed back to the poison queue as a never-expiring copy with an attempt count (Cosmos
 * down or refusing, or earlier deliveries crashed). After `archiveAttemptLimit` attempts the body is archived
 * as it is with the reason `archive-failed`. Only when Storage refuses the hand-back too does it throw.
 */
export const archivePoison = async (
  kind: PoisonKind,
  payload: unknown,
  delivery: QueueDelivery,
  deps: ArchiveDeps,
): Promise<ArchiveOutcome> => {
  const retried = archiveRetryOf(payload);
  // The body verbatim: a hand-back carries it as it came (its text, and its bytes when they are not UTF-8).
  const body: RawBody = retried
    ? { raw: retried.raw, ...(retried.rawBase64 === undefined ? {} : { rawBase64: retried.rawBase64 }) }
    : rawBodyOf(payload);
  const attempts = retried?.attempt ?? 0;
  const poisonMessageId = retried?.poisonMessageId ?? delivery.queueMessageId;
  const exhausted = attempts >= archiveAttemptLimit;
  if (!exhausted && deps.retry.maxDequeueCount >= 2 && delivery.dequeueCount >= deps.retry.maxDequeueCount) {
    // Earlier deliveries crashed their worker: one more and the host would never run it again.
    const crashed = new Error(`delivered ${delivery.dequeueCount} times without completing`);
    return handBack(kind, body, poisonMessageId, attempts + 1, crashed, deps);
  }
  try {
    if (exhausted) {
      const lastError = retried?.lastError ?? 'unknown';
      const letter = asIsLetter(kind, body, poisonMessageId, delivery, attempts, lastError, deps.now());
      await storeDeadLetters(deps.containers.deadletters, [letter]);
      return { result: 'archived', deadLetterId: letter.id, lastErrorKnown: false, asIs: true };
    }
    const { letter, note } = await kind.letter(body, poisonMessageId, delivery, deps);
    await storeDeadLetters(deps.containers.deadletters, [letter]);
    if (note) await forgetLastFailure(deps.containers.deadletters, note).catch(() => undefined);
    return { result: 'archived', deadLetterId: letter.id, lastErrorKnown: note !== undefined, asIs: false };
  } catch (error) {
    return handBack(kind, body, poisonMessageId, attempts + 1, error, deps);
  }
};

/** `status-messages-poison`: the letter carries the last error the ingest function recorded for the body. */
const statusPoison: PoisonKind = {
  source: 'poison-queue',
  idPrefix: 'poison',
  queue: (queues) => queues.poison,
  letter: fullLetter,
};

/** Moves one message of `status-messages-poison` into `deadletters` (see archivePoison). */
export const archivePoisonMessage = (
  payload: unknown,
  delivery: QueueDelivery,
  deps: ArchiveDeps,
): Promise<ArchiveOutcome> => archivePoison(statusPoison, payload, delivery, deps);
