import type { QueueClient } from '@azure/storage-queue';
import type { RetrySettings } from '../config';
import { describeError, PermanentError, ValidationError } from '../errors';
import { backoffSeconds } from '../ingest/requeue-delayed';
import { neverExpires } from '../queue/queue-client';
import { classifyQueueError } from '../queue/queue-errors';
import { notifyUrlProblem } from '../rules/validate-rules';
import { notificationBody, parseNotification, signatureOf, type Notification } from './notification';

export interface DeliverDeps {
  /** `status-notifications`: a failed attempt hands back a delayed copy here. */
  readonly queue: QueueClient;
  readonly retry: RetrySettings;
  readonly secret: string | undefined;
  readonly allowedHosts: readonly string[];
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
}

export type DeliverOutcome =
  | { readonly result: 'delivered'; readonly key: string; readonly status: number; readonly attempt: number }
  | {
      readonly result: 'retry-later';
      readonly key: string;
      readonly attempt: number;
      readonly delaySeconds: number;
      readonly error: string;
    };

/** POSTs `{ rule, message }` signed; resolves with the status on 2xx, throws with what went wrong otherwise. */
export const postNotification = async (notification: Notification, deps: DeliverDeps): Promise<number> => {
  if (!deps.secret)
    throw new PermanentError('STATMGR_NOTIFY_SECRET is not set: notifications cannot be signed');
  const problem = notifyUrlProblem(notification.url, deps.allowedHosts);
  if (problem) throw new PermanentError(`notify url ${notification.url}: ${problem}`);
  const body = notificationBody(notification);
  const response = await (deps.fetch ?? fetch)(notification.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'idempotency-key': notification.key,
      'x-statmgr-signature': signatureOf(deps.secret, body),
      'x-statmgr-attempt': String(notification.attempt + 1),
    },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(deps.timeoutMs),
  });
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`${notification.url} answered ${response.status}`);
  }
  return response.status;
};

/**
 * Delivers one queued notification. A failed attempt hands back a delayed copy (attempt + 1, exponential
 * backoff with jitter, TTL -1, the error kept in `lastError`) and completes, so a receiver that is down for
 * hours is waited out without the host's fixed retry walking the message into the poison queue. After
 * `maxAttempts` (or for a body that is not a notification) it throws: the host retries it and then moves it
 * to `status-notifications-poison`, whose archiver keeps it in `deadletters` for a replay.
 */
export const deliverNotification = async (payload: unknown, deps: DeliverDeps): Promise<DeliverOutcome> => {
  const notification = parseNotification(payload);
  try {
    const status = await postNotification(notification, deps);
    return { result: 'delivered', key: notification.key, status, attempt: notification.attempt + 1 };
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    const attempt = notification.attempt + 1;
    const message = describeError(error);
    if (attempt >= deps.maxAttempts) {
      throw new PermanentError(
        `notification ${notification.key}: ${attempt} attempt(s) failed, the last: ${message}`,
        {
          cause: error,
        },
      );
    }
    const delaySeconds = backoffSeconds(attempt, deps.retry, undefined, deps.random);
    const copy: Notification = { ...notification, attempt, lastError: message };
    try {
      await deps.queue.sendMessage(JSON.stringify(copy), {
        ...neverExpires,
        visibilityTimeout: delaySeconds,
      });
    } catch (sendError) {
      throw classifyQueueError(sendError, `handing back notification ${notification.key}`);
    }
    return { result: 'retry-later', key: notification.key, attempt, delaySeconds, error: message };
  }
};
