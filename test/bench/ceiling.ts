import { BulkOperationType, type Container } from '@azure/cosmos';
import type { QueueClient } from '@azure/storage-queue';
import type { StoredStatusMessage } from '../../lib/message/types';
import { neverExpires } from '../../lib/queue/queue-client';
import { forEachConcurrently } from './run-load';

const round = (value: number): number => Math.round(value);

/**
 * The raw rate at which the queue can be drained: `receivers` loops each fetch `batchSize` messages (the
 * host's fetch size) under a lock and delete them all in parallel, until the queue is empty. Nothing else
 * runs. The queue is filled with `bodies` first (not timed). Returns queue messages per second.
 */
export const measureQueueCeiling = async (
  queue: QueueClient,
  bodies: readonly string[],
  batchSize: number,
  receivers: number,
  sendConcurrency: number,
): Promise<number> => {
  await queue.createIfNotExists();
  await forEachConcurrently(bodies, sendConcurrency, async (body) => {
    await queue.sendMessage(body, neverExpires);
  });
  let drained = 0;
  const started = Date.now();
  const receiver = async (): Promise<void> => {
    for (;;) {
      const { receivedMessageItems } = await queue.receiveMessages({
        numberOfMessages: batchSize,
        visibilityTimeout: 60,
      });
      if (receivedMessageItems.length === 0) return;
      await Promise.all(
        receivedMessageItems.map((message) => queue.deleteMessage(message.messageId, message.popReceipt)),
      );
      drained += receivedMessageItems.length;
    }
  };
  await Promise.all(Array.from({ length: receivers }, receiver));
  const seconds = (Date.now() - started) / 1000;
  if (drained !== bodies.length) throw new Error(`queue ceiling drained ${drained} of ${bodies.length}`);
  await queue.delete();
  return round(drained / seconds);
};

/**
 * The raw rate at which Cosmos stores documents in the pipeline's request shape: one request (a transactional
 * batch of `create` operations) per envelope, whose documents share one logical partition (one machine),
 * `concurrency` requests in flight (the host's batchSize). Returns documents per second.
 */
export const measureCosmosCeiling = async (
  container: Container,
  batches: readonly (readonly StoredStatusMessage[])[],
  concurrency: number,
): Promise<number> => {
  let stored = 0;
  const started = Date.now();
  await forEachConcurrently(batches, concurrency, async (documents) => {
    const first = documents[0]!;
    const { result = [] } = await container.items.batch(
      documents.map((document) => ({
        operationType: BulkOperationType.Create,
        resourceBody: { ...document },
      })),
      [first.site, first.machine],
      { contentResponseOnWriteEnabled: false },
    );
    stored += result.filter((operation) => operation.statusCode === 201).length;
  });
  const seconds = (Date.now() - started) / 1000;
  const expected = batches.reduce((sum, batch) => sum + batch.length, 0);
  if (stored !== expected) throw new Error(`Cosmos ceiling stored ${stored} of ${expected}`);
  return round(stored / seconds);
};
