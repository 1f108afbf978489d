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

/**
 * The Cosmos document for a validated status message, with its deterministic id. The message becomes the
 * document (its fields first, then the delivery's, as a spread would order them): pass a message of your
 * own, such as the ones parseQueueMessage and checkStatusMessage return, and do not reuse it.
 */
export const toDocument = (
  message: StatusMessage,
  position: number,
  delivery: DeliveryInfo,
): StoredStatusMessage => {
  // Over the sender's fields, before the delivery's are added to the same object.
  const contentHash = contentHashOf(message as unknown as Record<string, unknown>);
  const document = message as StatusMessage & Partial<StoredStatusMessage>;
  document.id = statusMessageId(message.id, delivery.batchId, position);
  document.batchId = delivery.batchId;
  document.position = position;
  if (delivery.seq !== undefined) document.seq = delivery.seq + position;
  document.queueMessageId = delivery.queueMessageId;
  document.enqueuedAt = delivery.enqueuedAt;
  document.storedAt = delivery.storedAt;
  document.contentHash = contentHash;
  return document as StoredStatusMessage;
};
