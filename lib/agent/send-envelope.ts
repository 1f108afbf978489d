import type { QueueClient } from '@azure/storage-queue';
import type { Envelope } from '../message/types';
import { classifyQueueError } from '../queue/queue-errors';
import { neverExpires } from '../queue/queue-client';

/** Enqueues one envelope as plain JSON text that never expires (TTL -1). Throws a classified error. */
export const sendEnvelope = async (queue: QueueClient, envelope: Envelope): Promise<string> => {
  try {
    const response = await queue.sendMessage(JSON.stringify(envelope), neverExpires);
    return response.messageId;
  } catch (error) {
    throw classifyQueueError(error, `enqueueing batch ${envelope.batchId}`);
  }
};
