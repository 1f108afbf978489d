import { app, type InvocationContext } from '@azure/functions';
import { recordLastFailure } from '../lib/dead-letters/last-failure';
import { describeError } from '../lib/errors';
import { ingestOrRequeue } from '../lib/ingest/ingest-or-requeue';
import { names } from '../lib/names';
import { ingestQueueMessage } from '../lib/ingest/ingest-queue-message';
import { disposeRuntime, getRuntime } from '../lib/runtime';
import { recordRequeued, traceIngest } from '../lib/telemetry/ingest-telemetry';
import { queueDeliveryOf } from './shared/queue-delivery';
import { binaryQueueTrigger } from './shared/binary-queue-trigger';
import { failsWithError } from './shared/function-app';

/**
 * Queue trigger on `status-messages`: validates the message, stores its status messages in Cosmos with
 * deterministic ids and dead-letters what is invalid. It returns only after the write is committed, or, when
 * a dependency is down, after a delayed copy of the message (same ids, backoff, TTL -1) is in the queue; if
 * even that fails it throws, so the host makes the message visible again and retries it.
 */
export const ingestStatusFunction = async (payload: unknown, context: InvocationContext): Promise<void> => {
  const delivery = queueDeliveryOf(context);
  const fields = {
    invocationId: context.invocationId,
    queueMessageId: delivery.queueMessageId,
    dequeueCount: delivery.dequeueCount,
  };
  try {
    const runtime = getRuntime();
    const span = {
      payload,
      delivery,
      invocationId: context.invocationId,
      hostTraceparent: context.traceContext?.traceParent,
    };
    const result = await ingestOrRequeue(payload, delivery, {
      ...runtime,
      queue: runtime.queues.main,
      testBreak: runtime.config.testBreakIngest,
      ingest: (...args) => traceIngest(span, () => ingestQueueMessage(...args)),
    });
    if (result.kind === 'ingested') {
      // A failed agent summary update does not fail the committed envelope, but it must be seen.
      const line = JSON.stringify({ ...fields, ...result.outcome });
      if (result.outcome.summaryError === undefined) context.log('ingested', line);
      else context.warn('ingested; the agent summary was not updated', line);
    } else {
      const { why, reason, copy } = result;
      recordRequeued(1, { why });
      context.warn('handed back as a delayed copy', JSON.stringify({ ...fields, why, reason, ...copy }));
    }
  } catch (error) {
    // Best effort (at most 2 s): the poison archiver looks this up if the message ends up poisoned.
    await recordLastFailure(getRuntime().containers.deadletters, payload, {
      ...fields,
      error,
      now: new Date(),
    });
    context.warn(
      'ingest failed, message will be retried',
      JSON.stringify({ ...fields, error: describeError(error) }),
    );
    throw error;
  }
};

// The body as bytes: a dead letter keeps it byte for byte (docs/dead-letters.md).
app.generic('ingest-status', {
  trigger: binaryQueueTrigger(names.queue),
  handler: failsWithError(ingestStatusFunction),
});
// Drain (Functions host drain mode, or SIGTERM on the local host): close the Cosmos and queue connections.
// Correctness does not depend on it: nothing is deleted before it is committed or handed back.
app.hook.appTerminate(() => disposeRuntime());
