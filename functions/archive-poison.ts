import { app, type InvocationContext } from '@azure/functions';
import { archivePoisonMessage } from '../lib/dead-letters/archive-poison';
import { names } from '../lib/names';
import { getRuntime } from '../lib/runtime';
import { recordPoisonArchived } from '../lib/telemetry/ingest-telemetry';
import { queueDeliveryOf } from './shared/queue-delivery';
import { binaryQueueTrigger } from './shared/binary-queue-trigger';
import { failsWithError } from './shared/function-app';

/**
 * Queue trigger on `status-messages-poison`: moves what the host poisoned into Cosmos `deadletters`, with the
 * last error the ingest function recorded for it, so that the poison queue drains. It never fails a message
 * (a `-poison` queue has no poison queue): whatever goes wrong, it hands the body back with a delay and an
 * attempt count, and after a few attempts archives it as it is (reason `archive-failed`).
 */
export const archivePoisonFunction = async (payload: unknown, context: InvocationContext): Promise<void> => {
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
  } else context.warn('poison message handed back for a later archive', fields);
};

// The body as bytes: a dead letter keeps it byte for byte (docs/dead-letters.md).
app.generic('archive-poison', {
  trigger: binaryQueueTrigger(names.poisonQueue),
  handler: failsWithError(archivePoisonFunction),
});
