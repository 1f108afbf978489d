import type { InvocationContext } from '@azure/functions';
import { names } from '../lib/names';
import { archiveNotificationPoison } from '../lib/notify/archive-notification';
import { getRuntime } from '../lib/runtime';
import { recordPoisonArchived } from '../lib/telemetry/ingest-telemetry';
import { queueDeliveryOf } from './shared/queue-delivery';
import { registerQueueFunction, type QueueFunctionDefinition } from './shared/register';

/**
 * Queue trigger on `status-notifications-poison`: keeps each notification the sender gave up on in
 * `deadletters` (source `notify-poison`) for a replay, so the poison queue drains. While Cosmos is down it
 * puts the message back with a delay instead of failing.
 */
export const archiveNotificationPoisonFunction: QueueFunctionDefinition = {
  kind: 'queue',
  name: 'archive-notification-poison',
  queueName: names.notificationsPoisonQueue,
  connection: names.storageConnection,
  handler: async (payload: unknown, context: InvocationContext): Promise<void> => {
    const delivery = queueDeliveryOf(context);
    const outcome = await archiveNotificationPoison(payload, delivery, getRuntime());
    const fields = JSON.stringify({ queueMessageId: delivery.queueMessageId, ...outcome });
    if (outcome.result === 'archived') {
      recordPoisonArchived(1, 'notify-poison');
      context.warn('poisoned notification archived as a dead letter', fields);
    } else context.warn('poisoned notification put back, Cosmos unavailable', fields);
  },
};

registerQueueFunction(archiveNotificationPoisonFunction);
