import { createHmac } from 'node:crypto';
import type { QueueClient } from '@azure/storage-queue';
import { TooLargeError, ValidationError } from '../errors';
import { decodeBody } from '../message/decode-body';
import type { StoredStatusMessage } from '../message/types';
import { limits } from '../names';
import { neverExpires } from '../queue/queue-client';
import { classifyQueueError } from '../queue/queue-errors';

/** One webhook delivery, as it waits in the `status-notifications` queue. */
export interface Notification {
  readonly kind: 'statmgr-notification';
  /** The name of the rule whose `notify` asked for it. */
  readonly rule: string;
  readonly url: string;
  /** The `Idempotency-Key` header: the same for every attempt and every redelivery of this rule and message. */
  readonly key: string;
  /** The status message as stored (or as it would have been, for a discarded one), with its id. */
  readonly message: StoredStatusMessage;
  /** Deliveries tried so far (0 for a new one); each failed one hands back a delayed copy with attempt + 1. */
  readonly attempt: number;
  /** The error of the last failed attempt, kept for the dead letter if it ends in the poison queue. */
  readonly lastError?: string;
}

/** `Idempotency-Key`: the rule name (URL-encoded, so any name fits in a header) and the message id. */
export const notificationKey = (rule: string, messageId: string): string =>
  `${encodeURIComponent(rule)}:${messageId}`;

/** The JSON body POSTed to the webhook: exactly these bytes are signed. */
export const notificationBody = (notification: Notification): string =>
  JSON.stringify({ rule: notification.rule, message: notification.message });

/** `X-Statmgr-Signature`: `sha256=` and the hex HMAC-SHA256 of the body under the secret. */
export const signatureOf = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a queued notification; anything else is a ValidationError naming what is wrong. */
export const parseNotification = (payload: unknown): Notification => {
  const value = decodeBody(payload);
  const reasons: string[] = [];
  if (!isRecord(value)) throw new ValidationError(['body: must be a notification object']);
  if (value.kind !== 'statmgr-notification') reasons.push('kind: must be "statmgr-notification"');
  for (const field of ['rule', 'url', 'key'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '')
      reasons.push(`${field}: must be a non-empty string`);
  }
  if (!isRecord(value.message) || typeof value.message.id !== 'string') {
    reasons.push('message: must be a status message with its id');
  }
  if (
    value.attempt !== undefined &&
    (typeof value.attempt !== 'number' || !Number.isInteger(value.attempt))
  ) {
    reasons.push('attempt: must be a whole number');
  }
  if (reasons.length > 0) throw new ValidationError(reasons);
  return { ...(value as unknown as Notification), attempt: (value.attempt as number | undefined) ?? 0 };
};

/** What a notification keeps of a status message too large to fit in a queue message with it. */
const identifyingFields = [
  'id',
  'time',
  'severity',
  'messageId',
  'component',
  'site',
  'machine',
  'messageType',
  'batchId',
  'position',
  'seq',
] as const;

/**
 * The queue message text of a notification. A status message near the 64 KiB limit does not fit with the
 * notification around it: it then keeps only its identifying fields and `truncated: true` (the stored
 * document has the rest), so that a large message can never stop its batch from completing.
 */
export const notificationQueueText = (notification: Notification): string => {
  const text = JSON.stringify(notification);
  if (Buffer.byteLength(text, 'utf8') <= limits.queueMessageBytes) return text;
  const source = notification.message as unknown as Record<string, unknown>;
  const message = Object.fromEntries(identifyingFields.filter((k) => k in source).map((k) => [k, source[k]]));
  const trimmed = JSON.stringify({ ...notification, message: { ...message, truncated: true } });
  if (Buffer.byteLength(trimmed, 'utf8') > limits.queueMessageBytes) {
    throw new TooLargeError([`notification ${notification.key}: does not fit in a queue message`]);
  }
  return trimmed;
};

/**
 * Hands notifications to the `status-notifications` queue (TTL -1) and resolves once the queue accepted
 * every one. The ingest calls it after the write and before its queue message completes, so a crash in
 * between redelivers the status messages and enqueues them again: at least once, deduplicated by key.
 */
export const enqueueNotifications = async (
  queue: QueueClient,
  notifications: readonly Notification[],
): Promise<void> => {
  const texts = notifications.map(notificationQueueText);
  try {
    for (let i = 0; i < texts.length; i += 16) {
      await Promise.all(texts.slice(i, i + 16).map((text) => queue.sendMessage(text, neverExpires)));
    }
  } catch (error) {
    throw classifyQueueError(error, `enqueueing ${texts.length} notification(s)`);
  }
};

/** The text a replay of a poisoned notification enqueues: the (corrected) notification, attempts reset. */
export const replayNotificationText = (raw: string, corrected?: unknown): string => {
  const value =
    corrected === undefined ? raw : typeof corrected === 'string' ? corrected : JSON.stringify(corrected);
  const { lastError: _, ...notification } = parseNotification(value);
  return notificationQueueText({ ...notification, attempt: 0 });
};
