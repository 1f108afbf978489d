import type { InvocationContext } from '@azure/functions';
import { archivePoisonMessage } from '../lib/dead-letters/archive-poison';
import { names } from '../lib/names';
import { getRuntime } from '../lib/runtime';
import { recordPoisonArchived } from '../lib/telemetry/ingest-telemetry';
import { queueDeliveryOf } from './shared/queue-delivery';
import { registerQueueFunction, type QueueFunctionDefinition } from './shared/register';

/**
 * Queue trigger on `status-messages-poison`: moves what the host poisoned into Cosmos `deadletters`, with the
 * last error the ingest function recorded for it, so that the poison queue drains. While Cosmos is down it
 * puts the message back with a delay instead of failing.
 */
export const archivePoisonFunction: QueueFunctionDefinition = {
  kind: 'queue',
  name: 'archive-poison',
  queueName: names.poisonQueue,
  connection: names.storageConnection,
  handler: async (payload: unknown, context: InvocationContext): Promise<void> => {
    const delivery = queueDeliveryOf(context);
    const outcome = await archivePoisonMessage(payload, delivery, getRuntime());
    const fields = JSON.stringify({
      queueMessageId: delivery.queueMessageId,
      dequeueCount: delivery.dequeueCount,
      ...outcome,
    });
    if (outcome.result === 'archived') {
      recordPoisonArchived();
      context.warn('poison message archived as a dead letter', fields);
    } else context.warn('poison message put back, Cosmos unavailable', fields);
  },
};

registerQueueFunction(archivePoisonFunction);
