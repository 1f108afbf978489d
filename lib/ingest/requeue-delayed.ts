import type { QueueClient } from '@azure/storage-queue';
import { maxQueueDelaySeconds, type RetrySettings } from '../config';
import { ValidationError } from '../errors';
import { decodeBody } from '../message/decode-body';
import { isUuid, statusMessageId, uuidV5 } from '../message/ids';
import { parseQueueMessage } from '../message/parse-queue-message';
import type { Envelope } from '../message/types';
import { names } from '../names';
import { neverExpires } from '../queue/queue-client';
import { classifyQueueError } from '../queue/queue-errors';
import { exponentialDelay, jitterAround } from '../util/backoff';
import type { QueueDelivery } from './ingest-queue-message';

/** How transient failures are waited out: delayed copies with exponential backoff. */
export interface RetryPolicy extends RetrySettings {
  /**
   * The queue trigger's maxDequeueCount (host.json). A message delivered this often minus one has crashed or
   * failed its worker every time; it is handed back as a fresh copy before it runs, so that a crash loop during
   * an outage (or a run of restarts) cannot walk it into the poison queue.
   */
  readonly maxDequeueCount: number;
  /** Hand-backs after which a message that keeps reaching the last deliveries is left to the poison rules. */
  readonly crashHandBackLimit: number;
}

export const defaultCrashHandBackLimit = 20;

export interface RequeuedCopy {
  /** Queue message id of the copy. */
  readonly messageId: string;
  /** How many times this batch has now been handed back (the copy's `attempt`). */
  readonly attempt: number;
  /** The copy becomes visible after this many seconds. */
  readonly delaySeconds: number;
}

/**
 * The delay before hand-back number `attempt` (1, 2, ...): minDelay doubled per attempt up to maxDelay, with
 * ±20% jitter so that the backlog of an outage does not come back all at once, and never shorter than the
 * dependency's retry-after. Whole seconds (the queue's unit), at most 7 days (the queue's limit).
 */
export const backoffSeconds = (
  attempt: number,
  settings: RetrySettings,
  retryAfterMs: number | undefined = undefined,
  random: () => number = Math.random,
): number => {
  const base = exponentialDelay(Math.max(attempt, 1) - 1, settings.minDelaySeconds, settings.maxDelaySeconds);
  const jittered = jitterAround(base, random);
  const seconds = Math.ceil(Math.max(jittered, (retryAfterMs ?? 0) / 1000));
  return Math.min(Math.max(seconds, 1), maxQueueDelaySeconds);
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** How often the batch in this body was already handed back (0 for an agent's own message). */
export const handBacksOf = (payload: unknown): number => {
  try {
    const body = decodeBody(payload);
    return isRecord(body) && typeof body.attempt === 'number' ? body.attempt : 0;
  } catch {
    return 0;
  }
};

/**
 * The body of a delayed copy, or undefined when the payload is not a usable statmgr message (then there is no
 * identity to keep: the caller lets the host's retry and poison rules handle it). The ids of the copy's status
 * messages are the ids of the original's: an envelope keeps its batchId; a bare message, whose ids come from
 * its queue message id, is wrapped in an envelope whose batchId is that queue message id (when it is not a
 * UUID, the message gets its derived id explicitly).
 */
export const delayedCopyOf = (
  payload: unknown,
  queueMessageId: string,
  attempt: number,
): Envelope | undefined => {
  try {
    parseQueueMessage(payload);
  } catch (error) {
    if (error instanceof ValidationError) return undefined;
    throw error;
  }
  const body = decodeBody(payload) as Record<string, unknown>;
  if ('schema' in body || 'messages' in body) return { ...(body as unknown as Envelope), attempt };
  const batchId = isUuid(queueMessageId) ? queueMessageId : uuidV5(`bare:${queueMessageId}`);
  const message =
    batchId === queueMessageId || typeof body.id === 'string'
      ? body
      : { ...body, id: statusMessageId(undefined, queueMessageId, 0) };
  return { schema: names.schemaVersion, batchId, attempt, messages: [message] };
};

/**
 * Hands a message back to the queue as a delayed copy that never expires. Resolves once the queue accepted the
 * copy, so the caller may then complete (delete) the original; if the original is also delivered again (a
 * crash in between), both carry the same ids and the second write is a no-op. Resolves undefined when the
 * payload cannot be copied (see delayedCopyOf); throws a classified error when the queue refuses the copy.
 */
export const requeueDelayed = async (
  queue: QueueClient,
  payload: unknown,
  delivery: QueueDelivery,
  policy: RetrySettings,
  retryAfterMs?: number,
  random: () => number = Math.random,
): Promise<RequeuedCopy | undefined> => {
  const attempt = handBacksOf(payload) + 1;
  const copy = delayedCopyOf(payload, delivery.queueMessageId, attempt);
  if (!copy) return undefined;
  const delaySeconds = backoffSeconds(attempt, policy, retryAfterMs, random);
  try {
    const response = await queue.sendMessage(JSON.stringify(copy), {
      ...neverExpires,
      visibilityTimeout: delaySeconds,
    });
    return { messageId: response.messageId, attempt, delaySeconds };
  } catch (error) {
    throw classifyQueueError(error, `handing back ${copy.batchId} as a delayed copy`);
  }
};
