import { BulkOperationType, type Container, type OperationInput, type PartitionKey } from '@azure/cosmos';

/** Cosmos DB limit: operations in one transactional batch (which must also stay under 2 MB). */
export const maxBatchOperations = 100;

/**
 * Creates documents of one logical partition as one transactional batch (one request, and return=minimal:
 * Cosmos need not echo the documents back). Returns the request charge when every document was created, or
 * undefined when the batch did not commit as a whole (a 409, throttling, an outage, a refusal): on Cosmos DB
 * it then wrote nothing; on the emulator, which is not atomic, the documents before the failure did land.
 */
export const createBatch = async (
  container: Container,
  documents: readonly object[],
  partitionKey: PartitionKey,
): Promise<number | undefined> => {
  const operations: OperationInput[] = documents.map((document) => ({
    operationType: BulkOperationType.Create,
    resourceBody: { ...document },
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
    results.length === documents.length &&
    results.every((result) => result.statusCode >= 200 && result.statusCode < 300);
  return committed ? results.reduce((sum, result) => sum + (result.requestCharge ?? 0), 0) : undefined;
};
