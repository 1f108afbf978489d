import { BulkOperationType, type Container, type OperationInput, type PartitionKey } from '@azure/cosmos';
import { PermanentError, TransientError } from '../errors';
import { classifyCosmosError, cosmosStatusOf } from './cosmos-errors';

export interface StoreResult<T> {
  /** Documents written by this call. */
  readonly created: number;
  /** Documents that were already stored (409): an earlier delivery committed them. */
  readonly duplicates: number;
  /** The documents behind `duplicates`. */
  readonly alreadyStored: readonly T[];
  /** Documents Cosmos refused as such (never retried); each with the reason. */
  readonly rejected: readonly { readonly document: T; readonly reason: string }[];
  readonly requestCharge: number;
}

/** Cosmos DB limit: operations in one transactional batch (which must also stay under 2 MB). */
const maxBatchOperations = 100;

const partitionKeyText = (key: PartitionKey): string => JSON.stringify(key);

/**
 * Writes documents that share one logical partition as one transactional batch: one request, no client-side
 * batching delay. Returns undefined when the batch did not commit as a whole (a 409 from an earlier delivery,
 * throttling, an outage): the caller then writes them with the bulk API, which reports each document's own
 * outcome. On real Cosmos a failed batch wrote nothing; on the emulator (not atomic) the documents before
 * the failure did land, and the bulk path sees them as 409s. Either way each document is stored once.
 */
const createAsBatch = async <T extends { id: string }>(
  container: Container,
  documents: readonly T[],
  partitionKey: PartitionKey,
): Promise<StoreResult<T> | undefined> => {
  const operations: OperationInput[] = documents.map((document) => ({
    operationType: BulkOperationType.Create,
    resourceBody: { ...document },
  }));
  let results;
  try {
    // return=minimal: Cosmos need not echo every document back (the emulator ignores it and still does).
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
  if (!committed) return undefined;
  const requestCharge = results.reduce((sum, result) => sum + (result.requestCharge ?? 0), 0);
  return { created: documents.length, duplicates: 0, alreadyStored: [], rejected: [], requestCharge };
};

/**
 * Creates documents. When they share one logical partition (an agent's envelope: one machine) and fit in
 * one transactional batch, they are written in one request; otherwise, or when that batch does not commit,
 * with the bulk API (one request per partition key range, up to 100 operations each; the SDK adds up to a
 * second of batching delay per call). Writes are `create`, never upsert: a 409 means an earlier delivery
 * already stored the document, which counts as success. If any document failed for a transient reason, a
 * TransientError is thrown once all operations have run, so the queue message is retried; the documents that
 * did land are then 409s.
 */
export const storeDocuments = async <T extends { id: string }>(
  container: Container,
  documents: readonly T[],
  partitionKeyOf: (document: T) => PartitionKey,
): Promise<StoreResult<T>> => {
  if (documents.length === 0) {
    return { created: 0, duplicates: 0, alreadyStored: [], rejected: [], requestCharge: 0 };
  }
  const partitionKey = partitionKeyOf(documents[0]!);
  const key = partitionKeyText(partitionKey);
  if (
    documents.length <= maxBatchOperations &&
    documents.every((document) => partitionKeyText(partitionKeyOf(document)) === key)
  ) {
    const batched = await createAsBatch(container, documents, partitionKey);
    if (batched) return batched;
  }
  const operations: OperationInput[] = documents.map((document) => ({
    operationType: BulkOperationType.Create,
    partitionKey: partitionKeyOf(document),
    resourceBody: { ...document },
  }));
  let results;
  try {
    results = await container.items.executeBulkOperations(operations);
  } catch (error) {
    throw classifyCosmosError(error, `storing ${documents.length} documents in ${container.id}`);
  }
  let created = 0;
  const alreadyStored: T[] = [];
  let requestCharge = 0;
  let transient: TransientError | undefined;
  const rejected: { document: T; reason: string }[] = [];
  results.forEach((result, index) => {
    const document = documents[index]!;
    const status = result.response?.statusCode ?? cosmosStatusOf(result.error);
    requestCharge += result.response?.requestCharge ?? 0;
    if (status !== undefined && status >= 200 && status < 300) created += 1;
    else if (status === 409) alreadyStored.push(document);
    else {
      const error = classifyCosmosError(result.error ?? { statusCode: status }, `storing ${document.id}`);
      if (error instanceof PermanentError) rejected.push({ document, reason: error.message });
      else transient ??= error instanceof TransientError ? error : new TransientError(error.message);
    }
  });
  if (transient) throw transient;
  return { created, duplicates: alreadyStored.length, alreadyStored, rejected, requestCharge };
};
