import type { InvocationContext } from '@azure/functions';
import { names } from '../lib/names';
import { deliverNotification } from '../lib/notify/deliver-notification';
import { getRuntime } from '../lib/runtime';
import { recordNotification } from '../lib/telemetry/ingest-telemetry';
import { registerQueueFunction, type QueueFunctionDefinition } from './shared/register';

/**
 * Queue trigger on `status-notifications`: POSTs one status filter rule's webhook, signed, with its
 * Idempotency-Key. A failed attempt goes back as a delayed copy (backoff); after STATMGR_NOTIFY_MAX_ATTEMPTS
 * it throws, so the host moves it to `status-notifications-poison` and from there it is archived.
 */
export const sendNotification: QueueFunctionDefinition = {
  kind: 'queue',
  name: 'send-notification',
  queueName: names.notificationsQueue,
  connection: names.storageConnection,
  handler: async (payload: unknown, context: InvocationContext): Promise<void> => {
    const { config, queues } = getRuntime();
    const outcome = await deliverNotification(payload, {
      queue: queues.notifications,
      retry: config.retry,
      secret: config.rules.notifySecret,
      allowedHosts: config.rules.notifyAllowedHosts,
      maxAttempts: config.rules.notifyMaxAttempts,
      timeoutMs: config.rules.notifyTimeoutSeconds * 1000,
    });
    recordNotification(outcome.result);
    const fields = JSON.stringify({ invocationId: context.invocationId, ...outcome });
    if (outcome.result === 'delivered') context.log('notification delivered', fields);
    else context.warn('notification failed, handed back as a delayed copy', fields);
  },
};

registerQueueFunction(sendNotification);
