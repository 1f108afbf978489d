import { BulkOperationType, type Container, type OperationInput, type PartitionKey } from '@azure/cosmos';
import { PermanentError, TransientError } from '../errors';
import { classifyCosmosError, cosmosStatusOf } from './cosmos-errors';

export interface StoreResult<T> {
  /** Documents written by this call. */
  readonly created: number;
  /** Documents that were already stored (409): an earlier delivery committed them. */
  readonly duplicates: number;
  /** Documents Cosmos refused as such (never retried); each with the reason. */
  readonly rejected: readonly { readonly document: T; readonly reason: string }[];
  readonly requestCharge: number;
}

/**
 * Creates documents with the bulk API (one request per partition key range, up to 100 operations each).
 * Writes are `create`, never upsert: a 409 means an earlier delivery already stored the document, which
 * counts as success. If any document failed for a transient reason, a TransientError is thrown once all
 * operations have run, so the queue message is retried; the documents that did land are then 409s.
 */
export const storeDocuments = async <T extends { id: string }>(
  container: Container,
  documents: readonly T[],
  partitionKeyOf: (document: T) => PartitionKey,
): Promise<StoreResult<T>> => {
  if (documents.length === 0) return { created: 0, duplicates: 0, rejected: [], requestCharge: 0 };
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
  let duplicates = 0;
  let requestCharge = 0;
  let transient: TransientError | undefined;
  const rejected: { document: T; reason: string }[] = [];
  results.forEach((result, index) => {
    const document = documents[index]!;
    const status = result.response?.statusCode ?? cosmosStatusOf(result.error);
    requestCharge += result.response?.requestCharge ?? 0;
    if (status !== undefined && status >= 200 && status < 300) created += 1;
    else if (status === 409) duplicates += 1;
    else {
      const error = classifyCosmosError(result.error ?? { statusCode: status }, `storing ${document.id}`);
      if (error instanceof PermanentError) rejected.push({ document, reason: error.message });
      else transient ??= error instanceof TransientError ? error : new TransientError(error.message);
    }
  });
  if (transient) throw transient;
  return { created, duplicates, rejected, requestCharge };
};
