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

/** Enqueues envelopes with at most `concurrency` requests in flight; resolves when all are accepted. */
export const sendEnvelopes = async (
  queue: QueueClient,
  envelopes: readonly Envelope[],
  concurrency = 16,
  onSent?: (envelope: Envelope) => void,
): Promise<number> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < envelopes.length) {
      const envelope = envelopes[next++]!;
      await sendEnvelope(queue, envelope);
      onSent?.(envelope);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, envelopes.length)) }, worker));
  return envelopes.length;
};
