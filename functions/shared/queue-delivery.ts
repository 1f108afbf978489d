import type { InvocationContext } from '@azure/functions';
import type { QueueDelivery } from '../../lib/ingest/ingest-queue-message';

const asIso = (value: unknown): string => {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return new Date().toISOString();
};

/** The delivery facts the queue trigger passes in `triggerMetadata` (id, dequeueCount, insertionTime). */
export const queueDeliveryOf = (context: InvocationContext): QueueDelivery => {
  const metadata = context.triggerMetadata ?? {};
  const id = metadata.id;
  const dequeueCount = Number(metadata.dequeueCount);
  return {
    queueMessageId: typeof id === 'string' && id ? id : context.invocationId,
    dequeueCount: Number.isFinite(dequeueCount) && dequeueCount > 0 ? dequeueCount : 1,
    insertionTime: asIso(metadata.insertionTime),
  };
};
