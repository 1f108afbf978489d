import { names } from '../../lib/names';
import {
  parsedBody as parsed,
  type Answer,
  type ProxiedRequest,
  type Refusal,
  type RequestCheck,
} from './http-fault-proxy';

/**
 * The partition key checks Cosmos DB makes and @vercel/cosmosdb-server does not (it honours only the first
 * path of a hierarchical key, so a swapped or wrong key passes there and would dead-letter every message in
 * Azure). Cosmos answers 400 (sub-status 1001, "PartitionKey extracted from document doesn't match the one
 * specified in the header") to:
 * - a create, upsert or replace whose `x-ms-documentdb-partitionkey` header differs from the document's key;
 * - a transactional batch (`x-ms-cosmos-batch-atomic: true`) with an operation outside the batch's key
 *   (a batch spans one logical partition);
 * - in a bulk request, each operation whose `partitionKey` differs from its document's key (that operation
 *   only: the others run);
 * and a point read with the wrong key finds nothing (404), where the emulator matches on the id alone.
 * It also makes a transactional batch atomic, as Cosmos does and the emulator does not: when an operation
 * fails, the documents the batch created are deleted again, the failed operation keeps its status, the others
 * answer 424 (failed dependency), and the batch answers with the failed operation's status.
 * Gaps (not checked): delete and patch with a wrong key, queries scoped to a partition; undoing a failed
 * batch's upserts, replaces and deletes (statmgr's batches create, and upsert summary presence, which the
 * fallback upserts again whatever the batch left).
 */
const partitionKeyPaths: Readonly<Record<string, readonly string[]>> = {
  [names.messagesContainer]: names.messagesPartitionKeyPaths,
  [names.agentsContainer]: names.messagesPartitionKeyPaths,
  [names.deadlettersContainer]: [names.deadlettersPartitionKeyPath],
  [names.summariesContainer]: [names.summariesPartitionKeyPath],
  [names.rulesContainer]: [names.rulesPartitionKeyPath],
};

const mismatch = 1001;

interface OperationResult {
  readonly statusCode: number;
  readonly requestCharge?: number;
}

/** Undoes the creates of a failed transactional batch and answers as Cosmos answers a failed batch. */
const rollBack = async (
  request: ProxiedRequest,
  answer: Answer,
  send: (request: ProxiedRequest) => Promise<Answer>,
): Promise<Answer | undefined> => {
  const results = parsed(answer.body);
  const operations = parsed(request.body);
  if (!Array.isArray(results) || !Array.isArray(operations)) return undefined;
  const typed = results as OperationResult[];
  const failed = typed.find((result) => result.statusCode >= 400 && result.statusCode !== 424);
  if (!failed) return undefined;
  const docs = request.path.replace(/\/?(\?.*)?$/, '');
  for (const [index, result] of typed.entries()) {
    const operation = operations[index] as { operationType?: unknown; resourceBody?: { id?: unknown } };
    if (result.statusCode >= 300 || operation.operationType !== 'Create') continue;
    const id = String(operation.resourceBody?.id);
    const { ['content-type']: _type, ['content-length']: _length, ...headers } = request.headers;
    await send({
      method: 'DELETE',
      path: `${docs}/${encodeURIComponent(id)}`,
      headers: Object.fromEntries(
        Object.entries(headers).filter(
          ([name]) => !name.startsWith('x-ms-cosmos-batch') && name !== 'x-ms-cosmos-is-batch-request',
        ),
      ),
      body: Buffer.alloc(0),
    });
  }
  const body = Buffer.from(
    JSON.stringify(
      typed.map((result) => (result === failed ? result : { statusCode: 424, requestCharge: 0 })),
    ),
  );
  return {
    status: failed.statusCode,
    headers: { ...answer.headers, 'content-type': 'application/json' },
    body,
  };
};

const docsPath = /^\/dbs\/[^/]+\/colls\/([^/]+)\/docs(?:\/([^/?]+))?\/?(?:\?.*)?$/;

interface Target {
  readonly paths: readonly string[];
  readonly documentId: string | undefined;
}

const targetOf = (request: ProxiedRequest): Target | undefined => {
  const match = docsPath.exec(request.path);
  if (!match) return undefined;
  const paths = partitionKeyPaths[decodeURIComponent(match[1]!)];
  return paths ? { paths, documentId: match[2] } : undefined;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The key Cosmos extracts from a document: each path's value, `{}` (undefined) where it is missing. */
const keyOfDocument = (document: unknown, paths: readonly string[]): string =>
  JSON.stringify(paths.map((path) => (isRecord(document) ? (document[path.slice(1)] ?? {}) : {})));

/** A partition key as sent (a JSON array in a header or a bulk operation), normalised for comparison. */
const normalise = (key: unknown): string | undefined => {
  if (typeof key !== 'string') return undefined;
  try {
    return JSON.stringify(JSON.parse(key));
  } catch {
    return key;
  }
};

const header = (request: ProxiedRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** A bulk request: a batch request that is not atomic (each operation succeeds or fails on its own). */
const isBulk = (request: ProxiedRequest): boolean =>
  header(request, 'x-ms-cosmos-is-batch-request') === 'true' &&
  header(request, 'x-ms-cosmos-batch-atomic') !== 'true';

const refusal = (message: string): Refusal => ({ status: 400, subStatus: mismatch, message });

const checkBatch = (
  operations: readonly unknown[],
  paths: readonly string[],
  batchKey: string | undefined,
): Refusal | undefined => {
  for (const [index, operation] of operations.entries()) {
    if (!isRecord(operation)) continue;
    const given = normalise(operation.partitionKey) ?? batchKey;
    if (batchKey !== undefined && given !== batchKey)
      return refusal(`operation ${index}: partition key ${given} is not the batch's ${batchKey}`);
    if ('resourceBody' in operation) {
      const extracted = keyOfDocument(operation.resourceBody, paths);
      if (given !== extracted)
        return refusal(
          `operation ${index}: PartitionKey extracted from document (${extracted}) doesn't match the one specified (${given})`,
        );
    }
  }
  return undefined;
};

export interface StrictCosmosCheck extends RequestCheck {
  /**
   * Refuse (400, as Cosmos refuses a document it cannot take) the documents `reason` names a reason for;
   * undefined: refuse none. For tests of the `store-rejected` path: a valid status message cannot make
   * Cosmos refuse it otherwise.
   */
  rejectDocuments(reason: ((document: unknown) => string | undefined) | undefined): void;
}

export const strictCosmosCheck = (): StrictCosmosCheck => {
  let reject: ((document: unknown) => string | undefined) | undefined;
  const rejected = (document: unknown): Refusal | undefined => {
    const reason = reject?.(document);
    return reason === undefined ? undefined : { status: 400, message: `document refused: ${reason}` };
  };
  const checkDocuments = (
    operations: readonly unknown[],
    paths: readonly string[],
    batchKey: string | undefined,
  ): Refusal | undefined => {
    for (const operation of operations) {
      if (isRecord(operation) && 'resourceBody' in operation) {
        const refused = rejected(operation.resourceBody);
        if (refused) return refused;
      }
    }
    return checkBatch(operations, paths, batchKey);
  };
  return {
    rejectDocuments(reason) {
      reject = reason;
    },
    refuse(request) {
      const target = targetOf(request);
      if (!target) return undefined;
      const headerKey = normalise(header(request, 'x-ms-documentdb-partitionkey'));
      const body = parsed(request.body);
      if (isBulk(request)) return undefined; // checked per operation (refuseOperations)
      if (header(request, 'x-ms-cosmos-is-batch-request') === 'true')
        return Array.isArray(body) ? checkDocuments(body, target.paths, headerKey) : undefined;
      const writes =
        (request.method === 'POST' &&
          !header(request, 'content-type')?.startsWith('application/query+json')) ||
        request.method === 'PUT';
      if (!writes || !isRecord(body) || headerKey === undefined) return undefined;
      const refused = rejected(body);
      if (refused) return refused;
      const extracted = keyOfDocument(body, target.paths);
      return extracted === headerKey
        ? undefined
        : refusal(
            `PartitionKey extracted from document (${extracted}) doesn't match the one specified in the header (${headerKey})`,
          );
    },
    refuseOperations(request) {
      const target = targetOf(request);
      if (!target || !isBulk(request)) return undefined;
      const operations = parsed(request.body);
      if (!Array.isArray(operations)) return undefined;
      const refused = new Map<number, string>();
      operations.forEach((operation: unknown, index) => {
        const problem = checkDocuments([operation], target.paths, undefined);
        if (problem) refused.set(index, problem.message.replace(/^operation 0/, `operation ${index}`));
      });
      return refused;
    },
    async reviseAnswer(request, answer, send) {
      const atomic =
        header(request, 'x-ms-cosmos-is-batch-request') === 'true' &&
        header(request, 'x-ms-cosmos-batch-atomic') === 'true';
      return atomic && targetOf(request) ? rollBack(request, answer, send) : undefined;
    },
    refuseResponse(request, status, body) {
      const target = targetOf(request);
      const headerKey = normalise(header(request, 'x-ms-documentdb-partitionkey'));
      if (request.method !== 'GET' || target?.documentId === undefined || status !== 200 || !headerKey)
        return undefined;
      const extracted = keyOfDocument(parsed(body), target.paths);
      return extracted === headerKey
        ? undefined
        : { status: 404, message: `no document ${target.documentId} in partition ${headerKey}` };
    },
  };
};
