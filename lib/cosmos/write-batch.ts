import { BulkOperationType, type Container, type OperationInput, type PartitionKey } from '@azure/cosmos';

/** Cosmos DB limit: operations in one transactional batch (which must also stay under 2 MB). */
export const maxBatchOperations = 100;

/** `create` fails with 409 when the id is stored; `upsert` writes the document whatever is stored. */
export type WriteKind = 'create' | 'upsert';

export interface Write {
  readonly kind: WriteKind;
  readonly document: object;
}

const operationTypes = { create: BulkOperationType.Create, upsert: BulkOperationType.Upsert } as const;

/**
 * Writes documents of one logical partition as one transactional batch (one request, and return=minimal:
 * Cosmos need not echo the documents back). Returns the request charge when every write succeeded, or
 * undefined when the batch did not commit as a whole (a 409, throttling, an outage, a refusal): on Cosmos DB
 * it then wrote nothing; on the emulator, which is not atomic, the writes before the failure did land.
 */
export const writeBatch = async (
  container: Container,
  writes: readonly Write[],
  partitionKey: PartitionKey,
): Promise<number | undefined> => {
  const operations: OperationInput[] = writes.map(({ kind, document }) => ({
    operationType: operationTypes[kind],
    resourceBody: { ...document },
    // The batch's key, which Cosmos DB takes for every operation; the emulator reads an upsert's from the
    // operation itself (as in a bulk request) and fails the batch without it.
    ...(kind === 'upsert' ? { partitionKey } : {}),
  }));
  let results;
  try {
    const response = await container.items.batch(operations, partitionKey, {
      contentResponseOnWriteEnabled: false,
    });
    results = response.result ?? [];
  } catch {
    return undefined;
  }
  const committed =
    results.length === writes.length &&
    results.every((result) => result.statusCode >= 200 && result.statusCode < 300);
  return committed ? results.reduce((sum, result) => sum + (result.requestCharge ?? 0), 0) : undefined;
};
