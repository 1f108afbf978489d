import type { InvocationContext } from '@azure/functions';
import { recordLastFailure } from '../lib/deadletters/last-failure';
import { describeError } from '../lib/errors';
import { ingestQueueMessage } from '../lib/ingest/ingest-queue-message';
import { names } from '../lib/names';
import { getRuntime } from '../lib/runtime';
import { traceIngest } from '../lib/telemetry/ingest-telemetry';
import { queueDeliveryOf } from './shared/queue-delivery';
import { registerQueueFunction, type QueueFunctionDefinition } from './shared/register';

/**
 * Queue trigger on `status-messages`: validates the message, stores its status messages in Cosmos with
 * deterministic ids and dead-letters what is invalid. It returns only after the write is committed; on a
 * dependency error it throws, so the host makes the message visible again and retries it.
 */
export const ingestStatus: QueueFunctionDefinition = {
  kind: 'queue',
  name: 'ingest-status',
  queueName: names.queue,
  connection: names.storageConnection,
  handler: async (payload: unknown, context: InvocationContext): Promise<void> => {
    const delivery = queueDeliveryOf(context);
    const fields = {
      invocationId: context.invocationId,
      queueMessageId: delivery.queueMessageId,
      dequeueCount: delivery.dequeueCount,
    };
    try {
      const outcome = await traceIngest(
        {
          payload,
          delivery,
          invocationId: context.invocationId,
          hostTraceparent: context.traceContext?.traceParent,
        },
        () => ingestQueueMessage(payload, delivery, getRuntime()),
      );
      context.log('ingested', JSON.stringify({ ...fields, ...outcome }));
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
  },
};

registerQueueFunction(ingestStatus);
