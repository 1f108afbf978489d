import type { QueueClient } from '@azure/storage-queue';
import { classifyQueueError } from '../queue/queue-errors';
import type { StatusQueues } from '../queue/queue-client';
import { recordQueueSample } from './ingest-telemetry';

export interface QueueSample {
  readonly queue: string;
  /** Approximate number of messages, visible or not (Storage's own count). */
  readonly depth: number;
  /** Seconds since the front visible message was inserted; 0 when none is visible. */
  readonly oldestAgeSeconds: number;
}

/**
 * Samples one queue: its approximate depth and the age of the message at its front. A queue is FIFO only
 * roughly and a message being processed (or waiting out its retry delay) is invisible to a peek, so the age is
 * that of the oldest message *waiting*; that is the one an operator cares about. Throws TransientError or
 * PermanentError (the queue adapter's classification) when Storage cannot be read.
 */
export const sampleQueue = async (queue: QueueClient, now: Date): Promise<QueueSample> => {
  try {
    const properties = await queue.getProperties();
    const peeked = await queue.peekMessages({ numberOfMessages: 1 });
    const front = peeked.peekedMessageItems[0];
    const ageMs = front ? now.getTime() - front.insertedOn.getTime() : 0;
    return {
      queue: queue.name,
      depth: properties.approximateMessagesCount ?? 0,
      oldestAgeSeconds: Math.max(0, Math.round(ageMs / 1000)),
    };
  } catch (error) {
    throw classifyQueueError(error, `sampling ${queue.name}`);
  }
};

/** Samples the status queue and its poison queue and records them (`statmgr.queue.*` gauges). */
export const sampleStatusQueues = async (
  queues: StatusQueues,
  now: Date,
): Promise<readonly QueueSample[]> => {
  const samples = await Promise.all([sampleQueue(queues.main, now), sampleQueue(queues.poison, now)]);
  for (const sample of samples) recordQueueSample(sample.queue, sample.depth, sample.oldestAgeSeconds);
  return samples;
};
