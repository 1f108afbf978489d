import { BulkOperationType, type Container, type OperationInput, type PartitionKey } from '@azure/cosmos';
import { PermanentError, TransientError } from '../errors';
import { classifyCosmosError, cosmosStatusOf } from './cosmos-errors';
import { maxBatchOperations, writeBatch } from './write-batch';

export interface StoreResult<T> {
  /** Documents written by this call. */
  readonly created: number;
  /** Documents that were already stored (409): an earlier delivery committed them. */
  readonly duplicates: number;
  /** The documents behind `duplicates`. */
  readonly alreadyStored: readonly T[];
  /**
   * Documents whose id was already stored with different content (409, then a point read whose content hash
   * differs): never counted as duplicates. Only found when the caller passes `contentHash`.
   */
  readonly conflicts: readonly IdConflict<T>[];
  /** Documents Cosmos refused as such (never retried); each with the reason. */
  readonly rejected: readonly { readonly document: T; readonly reason: string }[];
  readonly requestCharge: number;
}

export interface IdConflict<T> {
  readonly document: T;
  /** The content hash of what is stored under the id. */
  readonly storedHash: string;
  /** The content hash of the document this call tried to create. */
  readonly incomingHash: string;
}

export interface StoreOptions {
  /**
   * The content hash of a document or of what is stored (server-added fields must not count). When given,
   * each 409 is checked with a point read: same hash = duplicate, different hash = conflict.
   */
  readonly contentHash?: (value: Readonly<Record<string, unknown>>) => string;
}

const partitionKeyText = (key: PartitionKey): string => JSON.stringify(key);

/** The result of a call that created every one of its `created` documents. */
const allCreated = <T>(created: number, requestCharge: number): StoreResult<T> => ({
  created,
  duplicates: 0,
  alreadyStored: [],
  conflicts: [],
  rejected: [],
  requestCharge,
});

/**
 * Splits documents that got a 409 into true duplicates (what is stored has the same content hash) and id
 * conflicts (different content under the same id). One point read per 409, only on this path; a read that
 * fails, or finds nothing (a ttl expired meanwhile), throws TransientError so the message is retried.
 */
const checkConflicts = async <T extends { id: string }>(
  container: Container,
  found: readonly T[],
  partitionKeyOf: (document: T) => PartitionKey,
  contentHash: (value: Readonly<Record<string, unknown>>) => string,
): Promise<{ duplicates: T[]; conflicts: IdConflict<T>[] }> => {
  const duplicates: T[] = [];
  const conflicts: IdConflict<T>[] = [];
  const reads = await Promise.all(
    found.map(async (document) => {
      try {
        const { resource } = await container
          .item(document.id, partitionKeyOf(document))
          .read<Record<string, unknown>>();
        return resource;
      } catch (error) {
        throw classifyCosmosError(error, `reading stored ${document.id} after a conflict`);
      }
    }),
  );
  found.forEach((document, index) => {
    const stored = reads[index];
    if (!stored) {
      throw new TransientError(`${document.id} answered 409 on create but a read found nothing; retrying`);
    }
    const storedHash = contentHash(stored);
    const incomingHash = contentHash(document);
    if (storedHash === incomingHash) duplicates.push(document);
    else conflicts.push({ document, storedHash, incomingHash });
  });
  return { duplicates, conflicts };
};

/**
 * Creates documents. When they share one logical partition (an agent's envelope: one machine) and fit in
 * one transactional batch, they are written in one request; otherwise, or when that batch does not commit,
 * with the bulk API (one request per partition key range, up to 100 operations each; the SDK adds up to a
 * second of batching delay per call). Writes are `create`, never upsert: a 409 means the id is taken. With
 * `options.contentHash`, each 409 is point-read and compared: the same content (an earlier delivery stored it)
 * counts as success, different content is returned in `conflicts` (never silently dropped). Both the batch
 * and the bulk path end here: a batch that hits a 409 does not commit and falls back to the bulk API. If any document failed for a transient reason, a
 * TransientError is thrown once all operations have run, so the queue message is retried; the documents that
 * did land are then 409s.
 */
export const storeDocuments = async <T extends { id: string }>(
  container: Container,
  documents: readonly T[],
  partitionKeyOf: (document: T) => PartitionKey,
  options: StoreOptions = {},
): Promise<StoreResult<T>> => {
  if (documents.length === 0) return allCreated(0, 0);
  const partitionKey = partitionKeyOf(documents[0]!);
  const key = partitionKeyText(partitionKey);
  if (
    documents.length <= maxBatchOperations &&
    documents.every((document) => partitionKeyText(partitionKeyOf(document)) === key)
  ) {
    // One request; when it does not commit as a whole, the bulk API below reports each document's own outcome
    // (on the emulator, not atomic, the documents before the failure did land: the bulk path sees their 409s).
    const requestCharge = await writeBatch(
      container,
      documents.map((document) => ({ kind: 'create', document })),
      partitionKey,
    );
    if (requestCharge !== undefined) return allCreated(documents.length, requestCharge);
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
  if (!options.contentHash || alreadyStored.length === 0) {
    return {
      created,
      duplicates: alreadyStored.length,
      alreadyStored,
      conflicts: [],
      rejected,
      requestCharge,
    };
  }
  const { duplicates, conflicts } = await checkConflicts(
    container,
    alreadyStored,
    partitionKeyOf,
    options.contentHash,
  );
  return {
    created,
    duplicates: duplicates.length,
    alreadyStored: duplicates,
    conflicts,
    rejected,
    requestCharge,
  };
};
