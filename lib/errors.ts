/**
 * One error hierarchy for statmgr. The split between permanent and transient errors drives retry:
 * a permanent error (bad input) is dead-lettered at once and never retried; a transient error (a
 * dependency is down or throttling) leaves the message in the queue so that it is retried later.
 * Only the Cosmos and queue adapters read SDK error codes and turn them into these.
 */
export class StatmgrError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that will never succeed however often it is retried. */
export class PermanentError extends StatmgrError {}

/** At most this many reasons are kept per item, request or dead letter; then one `and N more reasons`. */
export const maxReasons = 20;
/** A longer reason is cut (a reason names a field and a rule; a value in it is already shortened). */
const maxReasonLength = 1024;
const morePattern = /^and \d+ more reasons?$/;

/**
 * Bounds a list of reasons: each at most 1 KiB, at most 20, then `and N more reasons`. Idempotent, so
 * bounding twice (validation, then the dead letter) changes nothing. Whatever a body breaks, what is kept
 * about it stays small: a dead letter fits in a Cosmos item, a 400 body stays readable.
 */
export const boundReasons = (reasons: readonly string[]): string[] => {
  const cut = reasons.map((reason) =>
    reason.length > maxReasonLength
      ? `${reason.slice(0, maxReasonLength)}... (${reason.length} characters)`
      : reason,
  );
  if (cut.length <= maxReasons) return cut;
  if (cut.length === maxReasons + 1 && morePattern.test(cut[maxReasons]!)) return cut;
  const more = cut.length - maxReasons;
  return [...cut.slice(0, maxReasons), `and ${more} more reason${more === 1 ? '' : 's'}`];
};

/** A queue message, status message or request that breaks the message contract. */
export class ValidationError extends PermanentError {
  /**
   * One human-readable reason per rule broken, each naming the field, e.g. `messages[2].severity: ...`;
   * at most 20, then `and N more reasons`.
   */
  readonly reasons: readonly string[];

  constructor(reasons: readonly string[], options?: { cause?: unknown }) {
    const bounded = boundReasons(reasons);
    super(bounded.join('; '), options);
    this.reasons = Object.freeze(bounded);
  }
}

/** Input larger than a limit allows (a queue message over 64 KiB, a request body over its cap): HTTP 413. */
export class TooLargeError extends ValidationError {}

/** A setting in the environment is missing or malformed. */
export class ConfigError extends PermanentError {}

/** A dependency (Cosmos DB, Storage) failed in a way that should pass: outage, throttling, timeout. */
export class TransientError extends StatmgrError {
  /** How long the dependency asked us to wait, when it said so (Cosmos 429 retry-after). */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/**
 * An agent's outbox is full and its policy is `reject`: the caller still owns the message and may retry
 * later. Raised by `StatusReporter.report`.
 */
export class OutboxFullError extends StatmgrError {}

/** Another process holds the agent's outbox: two agents must never share one outbox directory. */
export class OutboxLockedError extends PermanentError {}

/** The outbox could not write or fsync a record (disk full, I/O error): `report` did not take the message. */
export class OutboxWriteError extends StatmgrError {}

export const isTransient = (error: unknown): error is TransientError => error instanceof TransientError;

/** A shown JSON text is cut after this many characters. */
const maxShownJson = 200;

/**
 * What a thrown value says, never `[object Object]`: an Error or an SDK's plain error object (the Cosmos
 * bulk API reports one per operation) by its `message`; any other object as JSON, cut after 200
 * characters; anything else (a string, undefined) as text.
 */
export const messageOf = (error: unknown): string => {
  if (typeof error !== 'object' || error === null) return String(error);
  const { message } = error as { message?: unknown };
  if (typeof message === 'string') return message;
  try {
    const json = JSON.stringify(error) ?? 'an object';
    return json.length > maxShownJson
      ? `${json.slice(0, maxShownJson)}... (${json.length} characters)`
      : json;
  } catch {
    return 'an object that cannot be shown as JSON';
  }
};

/** An Error as `Name: message`; any other thrown value as `messageOf` words it. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : messageOf(error);

/**
 * A handler rejected with something that is not an Error (`undefined`, `null`, a string). The Node worker
 * counts a rejection with `null`/`undefined` as success and the host deletes the message, so every function
 * turns such a rejection into this error (functions/shared/function-app.ts `failsWithError`).
 */
export class NonErrorRejection extends StatmgrError {
  constructor(value: unknown) {
    super(`the handler rejected with a value that is not an Error: ${messageOf(value).slice(0, 200)}`);
  }
}

/** An invocation that ran longer than host.json `functionTimeout`: it fails, as on the Functions host. */
export class FunctionTimeoutError extends StatmgrError {}
