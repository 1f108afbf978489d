import { messageOf, PermanentError, StatmgrError, TransientError } from '../errors';

/** Status codes that mean "the document itself is unacceptable": retrying cannot help. */
const permanentStatusCodes = new Set([400, 413, 422]);

export const cosmosStatusOf = (error: unknown): number | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  if (typeof code === 'number') return code;
  return undefined;
};

const retryAfterOf = (error: unknown): number | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const { retryAfterInMs, retryAfterInMilliseconds } = error as Record<string, unknown>;
  const value = retryAfterInMs ?? retryAfterInMilliseconds;
  return typeof value === 'number' && value >= 0 ? value : undefined;
};

export const isConflict = (error: unknown): boolean => cosmosStatusOf(error) === 409;

/** 412: an `IfMatch` etag no longer matches, someone else changed the document first. */
export const isPreconditionFailed = (error: unknown): boolean => cosmosStatusOf(error) === 412;

/**
 * Turns anything the Cosmos SDK throws into a statmgr error. Everything that is not provably about the
 * document itself is transient (throttling, outages, timeouts, refused or reset connections, and also
 * auth failures: a missing role is fixed by an operator, and the messages must wait for that, not be lost).
 */
export const classifyCosmosError = (error: unknown, what: string): StatmgrError => {
  if (error instanceof StatmgrError) return error;
  const status = cosmosStatusOf(error);
  // The bulk API reports each operation's error as a plain object with a `message`, not an Error.
  const detail = messageOf(error).split('\n')[0];
  if (status !== undefined && permanentStatusCodes.has(status)) {
    return new PermanentError(`${what}: Cosmos DB rejected the document (${status}): ${detail}`, {
      cause: error,
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  const label = status ?? (typeof code === 'string' ? code : 'no status');
  return new TransientError(`${what}: Cosmos DB unavailable (${label}): ${detail}`, {
    cause: error,
    retryAfterMs: retryAfterOf(error),
  });
};
