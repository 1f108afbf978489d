import { contentHashOf } from './content-hash';
import { statusMessageId } from './ids';
import type { StatusMessage, StoredStatusMessage } from './types';

export interface DeliveryInfo {
  readonly batchId: string;
  readonly seq: number | undefined;
  readonly queueMessageId: string;
  readonly enqueuedAt: string;
  readonly storedAt: string;
}

/** The Cosmos document for a validated status message, with its deterministic id. */
export const toDocument = (
  message: StatusMessage,
  position: number,
  delivery: DeliveryInfo,
): StoredStatusMessage => ({
  ...message,
  id: statusMessageId(message.id, delivery.batchId, position),
  batchId: delivery.batchId,
  position,
  ...(delivery.seq === undefined ? {} : { seq: delivery.seq + position }),
  queueMessageId: delivery.queueMessageId,
  enqueuedAt: delivery.enqueuedAt,
  storedAt: delivery.storedAt,
  contentHash: contentHashOf(message as unknown as Record<string, unknown>),
});
