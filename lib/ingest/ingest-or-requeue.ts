import type { QueueClient } from '@azure/storage-queue';
import type { IngestBreak } from '../config';
import { describeError, isTransient, TransientError } from '../errors';
import {
  ingestQueueMessage,
  type IngestDeps,
  type IngestOutcome,
  type QueueDelivery,
} from './ingest-queue-message';
import { handBacksOf, requeueDelayed, type RequeuedCopy, type RetryPolicy } from './requeue-delayed';

export interface IngestOrRequeueDeps extends IngestDeps {
  /** The queue the trigger reads: delayed copies go back to it. */
  readonly queue: QueueClient;
  readonly retry: RetryPolicy;
  readonly random?: () => number;
  /** The ingest step itself (default: ingestQueueMessage); the function wraps it in its telemetry span. */
  readonly ingest?: typeof ingestQueueMessage;
  /** Test only (STATMGR_TEST_BREAK_INGEST): a deliberately broken ingest for the chaos negative control. */
  readonly testBreak?: IngestBreak;
}

export type IngestResult =
  | { readonly kind: 'ingested'; readonly outcome: IngestOutcome }
  | {
      readonly kind: 'requeued';
      readonly why: 'transient-failure' | 'repeated-delivery';
      readonly reason: string;
      readonly copy: RequeuedCopy;
    };

/** True when this delivery is the last but one the host allows: earlier ones crashed or failed their worker. */
const nearPoison = (payload: unknown, delivery: QueueDelivery, retry: RetryPolicy): boolean =>
  retry.maxDequeueCount >= 3 &&
  delivery.dequeueCount >= retry.maxDequeueCount - 1 &&
  handBacksOf(payload) < retry.crashHandBackLimit;

/**
 * Ingests one queue message, and waits out outages instead of failing them (DESIGN.md invariant 3): on a
 * transient failure the message is handed back to the queue as a delayed copy (exponential backoff, TTL -1,
 * same ids) and the result says so; the caller completes the original only then. A message delivered for the
 * last but one allowed time (its workers kept crashing, e.g. restarts during an outage) is handed back before
 * it runs. Throws when neither worked: a non-transient error, a body with no identity to keep, or a queue
 * that refused the copy. The host then retries the original, so nothing is lost.
 */
export const ingestOrRequeue = async (
  payload: unknown,
  delivery: QueueDelivery,
  deps: IngestOrRequeueDeps,
): Promise<IngestResult> => {
  if (nearPoison(payload, delivery, deps.retry)) {
    const reason = `delivered ${delivery.dequeueCount} times without completing`;
    // If the queue does not take the copy, storing the message right away is still the best next step.
    const copy = await requeueDelayed(
      deps.queue,
      payload,
      delivery,
      deps.retry,
      undefined,
      deps.random,
    ).catch(() => undefined);
    if (copy) return { kind: 'requeued', why: 'repeated-delivery', reason, copy };
  }
  try {
    const ingest = deps.ingest ?? ingestQueueMessage;
    return { kind: 'ingested', outcome: await ingest(payload, delivery, deps) };
  } catch (error) {
    if (!isTransient(error)) throw error;
    if (deps.testBreak === 'drop-on-transient-failure') {
      // Deliberately wrong: the caller completes the message although nothing was written.
      const dropped = { batchId: delivery.queueMessageId, stored: 0, duplicates: 0, deadLettered: 0 };
      return { kind: 'ingested', outcome: { ...dropped, requestCharge: 0 } };
    }
    let copy: RequeuedCopy | undefined;
    try {
      copy = await requeueDelayed(deps.queue, payload, delivery, deps.retry, error.retryAfterMs, deps.random);
    } catch (requeueError) {
      throw new TransientError(
        `${error.message}; handing it back also failed: ${describeError(requeueError)}`,
        { cause: requeueError, retryAfterMs: error.retryAfterMs },
      );
    }
    if (!copy) throw error;
    return { kind: 'requeued', why: 'transient-failure', reason: error.message, copy };
  }
};
