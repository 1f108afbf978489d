import { PermanentError, StatmgrError, TransientError } from '../errors';

/**
 * Turns a Storage SDK error into a statmgr error. 400 and 413 (a message too large or malformed) are
 * permanent; everything else (refused or reset connections, timeouts, 5xx, throttling, auth) is transient.
 */
export const classifyQueueError = (error: unknown, what: string): StatmgrError => {
  if (error instanceof StatmgrError) return error;
  const { statusCode, code } = (typeof error === 'object' && error !== null ? error : {}) as {
    statusCode?: unknown;
    code?: unknown;
  };
  const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (statusCode === 400 || statusCode === 413) {
    return new PermanentError(`${what}: Storage rejected the request (${statusCode}): ${detail}`, {
      cause: error,
    });
  }
  const label = typeof statusCode === 'number' ? statusCode : typeof code === 'string' ? code : 'no status';
  return new TransientError(`${what}: Storage queue unavailable (${label}): ${detail}`, { cause: error });
};

/** A message or queue that is already gone (404): deleting or updating it again is harmless. */
export const isGone = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === 404;
