import { messageOf, PermanentError, StatmgrError, TransientError } from '../errors';

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
  const detail = messageOf(error).split('\n')[0];
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

const statusAndCode = (error: unknown): { status: unknown; code: unknown } => {
  const { statusCode, code } = (typeof error === 'object' && error !== null ? error : {}) as {
    statusCode?: unknown;
    code?: unknown;
  };
  return { status: statusCode, code };
};

/**
 * The Storage errors the Functions host shrugs off when it deletes or releases a message (QueueProcessor
 * `DeleteMessageAsync` / `ReleaseMessageAsync`): someone else took the message over (400 PopReceiptMismatch),
 * the message or queue is gone (404), or the queue is being deleted or is disabled (409). Anything else
 * reaches its unhandled-exception handler, which stops the application.
 */
export const isHarmlessCompletionError = (error: unknown): boolean => {
  const { status, code } = statusAndCode(error);
  if (status === 400) return code === 'PopReceiptMismatch';
  if (status === 409) return code === 'QueueBeingDeleted' || code === 'QueueDisabled';
  return status === 404;
};

/**
 * The fetch errors the Functions host backs off from (QueueListener `ExecuteAsync`): queue not found (404),
 * being deleted or disabled (409), or a server-side error (5xx). Anything else (403, a refused connection
 * after the SDK's own retries, ...) is rethrown and stops the application.
 */
export const isRetriableFetchError = (error: unknown): boolean => {
  const { status, code } = statusAndCode(error);
  if (typeof status !== 'number') return false;
  if (status === 409) return code === 'QueueBeingDeleted' || code === 'QueueDisabled';
  return status === 404 || (status >= 500 && status < 600);
};
