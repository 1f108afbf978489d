import {
  classifyCosmosError,
  cosmosStatusOf,
  isConflict,
  isPreconditionFailed,
} from '../../lib/cosmos/cosmos-errors';
import {
  describeError,
  messageOf,
  NonErrorRejection,
  PermanentError,
  TransientError,
} from '../../lib/errors';
import {
  classifyQueueError,
  isGone,
  isHarmlessCompletionError,
  isRetriableFetchError,
} from '../../lib/queue/queue-errors';

describe('classifyCosmosError', () => {
  it.each([429, 503, 408, 500, 449, 401, 403])('treats status %i as transient', (statusCode) => {
    expect(classifyCosmosError({ statusCode, message: 'x' }, 'op')).toBeInstanceOf(TransientError);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'])('treats %s as transient', (code) => {
    expect(classifyCosmosError(Object.assign(new Error('socket'), { code }), 'op')).toBeInstanceOf(
      TransientError,
    );
  });

  it('carries the retry-after of a 429', () => {
    const error = classifyCosmosError({ statusCode: 429, retryAfterInMs: 1200 }, 'op') as TransientError;
    expect(error.retryAfterMs).toBe(1200);
  });

  it.each([400, 413])('treats status %i as permanent', (statusCode) => {
    expect(classifyCosmosError({ statusCode }, 'op')).toBeInstanceOf(PermanentError);
  });
});

describe('classifyQueueError', () => {
  it('treats refused connections and 5xx as transient and 413 as permanent', () => {
    expect(classifyQueueError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'op')).toBeInstanceOf(
      TransientError,
    );
    expect(classifyQueueError({ statusCode: 503 }, 'op')).toBeInstanceOf(TransientError);
    expect(classifyQueueError({ statusCode: 413 }, 'op')).toBeInstanceOf(PermanentError);
  });
});

describe('error classification, exactly (messages name the operation, the status and the cause)', () => {
  it('reads the status from statusCode or a numeric code, and nothing from other values', () => {
    expect(cosmosStatusOf({ statusCode: 409 })).toBe(409);
    expect(cosmosStatusOf({ code: 412 })).toBe(412);
    expect(cosmosStatusOf({ code: 'ECONNRESET' })).toBeUndefined();
    expect(cosmosStatusOf(null)).toBeUndefined();
    expect(cosmosStatusOf('409')).toBeUndefined();
    expect(isConflict({ statusCode: 409 })).toBe(true);
    expect(isConflict({ statusCode: 412 })).toBe(false);
    expect(isPreconditionFailed({ code: 412 })).toBe(true);
    expect(isPreconditionFailed({ code: 409 })).toBe(false);
  });

  it('words a Cosmos rejection and an outage, and keeps the cause', () => {
    const cause = Object.assign(new Error('too big\nsecond line'), { statusCode: 413 });
    const permanent = classifyCosmosError(cause, 'storing d1');
    expect(permanent).toBeInstanceOf(PermanentError);
    expect(permanent.message).toBe('storing d1: Cosmos DB rejected the document (413): too big');
    expect(permanent.cause).toBe(cause);
    expect(classifyCosmosError({ statusCode: 422, message: 'bad' }, 'op')).toBeInstanceOf(PermanentError);
    expect(classifyCosmosError({ statusCode: 503, message: 'down' }, 'op').message).toBe(
      'op: Cosmos DB unavailable (503): down',
    );
    expect(
      classifyCosmosError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'op').message,
    ).toBe('op: Cosmos DB unavailable (ECONNREFUSED): refused');
    expect(classifyCosmosError('boom', 'op').message).toBe('op: Cosmos DB unavailable (no status): boom');
    expect(classifyCosmosError(null, 'op')).toBeInstanceOf(TransientError);
  });

  it('passes statmgr errors through unchanged', () => {
    const own = new PermanentError('mine');
    expect(classifyCosmosError(own, 'op')).toBe(own);
    expect(classifyQueueError(own, 'op')).toBe(own);
  });

  it('takes the retry-after from either SDK field, and ignores a negative or missing one', () => {
    const after = (error: unknown): number | undefined =>
      (classifyCosmosError(error, 'op') as TransientError).retryAfterMs;
    expect(after({ statusCode: 429, retryAfterInMilliseconds: 700 })).toBe(700);
    expect(after({ statusCode: 429, retryAfterInMs: 0 })).toBe(0);
    expect(after({ statusCode: 429, retryAfterInMs: -1 })).toBeUndefined();
    expect(after({ statusCode: 429, retryAfterInMs: '5' })).toBeUndefined();
    expect(after({ statusCode: 429 })).toBeUndefined();
    expect(after('x')).toBeUndefined();
  });

  it('words a Storage rejection and an outage', () => {
    const cause = Object.assign(new Error('malformed\nmore'), { statusCode: 400 });
    const permanent = classifyQueueError(cause, 'enqueueing');
    expect(permanent).toBeInstanceOf(PermanentError);
    expect(permanent.message).toBe('enqueueing: Storage rejected the request (400): malformed');
    expect(permanent.cause).toBe(cause);
    expect(classifyQueueError({ statusCode: 404 }, 'op')).toBeInstanceOf(TransientError);
    expect(classifyQueueError({ statusCode: 503 }, 'op').message).toMatch(
      /^op: Storage queue unavailable \(503\): /,
    );
    expect(classifyQueueError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'op').message).toBe(
      'op: Storage queue unavailable (ECONNRESET): reset',
    );
    expect(classifyQueueError('boom', 'op').message).toBe('op: Storage queue unavailable (no status): boom');
    expect(classifyQueueError(null, 'op').cause).toBeNull();
  });

  it('knows a message that is already gone (404) and nothing else', () => {
    expect(isGone({ statusCode: 404 })).toBe(true);
    expect(isGone({ statusCode: 409 })).toBe(false);
    expect(isGone({ code: 404 })).toBe(false);
    expect(isGone(null)).toBe(false);
    expect(isGone('404')).toBe(false);
  });
});

describe('a thrown value that is not an Error is worded, never as [object Object]', () => {
  it('words an SDK plain error object by its message, and any other object as JSON', () => {
    expect(messageOf({ code: 'ECONNRESET', message: 'socket hang up' })).toBe('socket hang up');
    expect(messageOf({ statusCode: 503 })).toBe('{"statusCode":503}');
    expect(messageOf({ message: 42 })).toBe('{"message":42}');
    expect(messageOf('boom')).toBe('boom');
    expect(messageOf(undefined)).toBe('undefined');
    expect(messageOf(null)).toBe('null');
    expect(messageOf(new RangeError('out of range'))).toBe('out of range');
  });

  it('cuts a long JSON form and says how long it was', () => {
    const text = messageOf({ body: 'x'.repeat(500) });
    expect(text).toBe(`{"body":"${'x'.repeat(191)}... (511 characters)`);
    const exactly = { b: 'y'.repeat(192) }; // 200 characters as JSON: kept whole
    expect(messageOf(exactly)).toBe(JSON.stringify(exactly));
  });

  it('words an object that JSON cannot show', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(messageOf(circular)).toBe('an object that cannot be shown as JSON');
    expect(messageOf({ toJSON: () => undefined })).toBe('an object');
  });

  it('describes an Error by name and message, anything else as messageOf does', () => {
    expect(describeError(new TransientError('Cosmos DB unavailable'))).toBe(
      'TransientError: Cosmos DB unavailable',
    );
    expect(describeError({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND x' })).toBe(
      'getaddrinfo ENOTFOUND x',
    );
    expect(describeError({ statusCode: 500 })).toBe('{"statusCode":500}');
    expect(describeError('plain text')).toBe('plain text');
  });

  it('names the value a handler rejected with', () => {
    expect(new NonErrorRejection({ statusCode: 503 }).message).toBe(
      'the handler rejected with a value that is not an Error: {"statusCode":503}',
    );
    expect(new NonErrorRejection(undefined).message).toBe(
      'the handler rejected with a value that is not an Error: undefined',
    );
    expect(new NonErrorRejection('z'.repeat(300)).message).toBe(
      `the handler rejected with a value that is not an Error: ${'z'.repeat(200)}`,
    );
  });

  it('keeps the detail of a plain SDK error object in Storage and Cosmos errors', () => {
    expect(classifyQueueError({ statusCode: 503, message: 'Server busy\nstack' }, 'op').message).toBe(
      'op: Storage queue unavailable (503): Server busy',
    );
    expect(classifyQueueError({ statusCode: 413 }, 'op').message).toBe(
      'op: Storage rejected the request (413): {"statusCode":413}',
    );
    expect(classifyCosmosError({ statusCode: 400, message: 'bad id' }, 'op').message).toBe(
      'op: Cosmos DB rejected the document (400): bad id',
    );
    expect(classifyCosmosError({ statusCode: 503 }, 'op').message).toBe(
      'op: Cosmos DB unavailable (503): {"statusCode":503}',
    );
  });
});

describe('the Storage errors the Functions host tolerates', () => {
  it('shrugs off a lost pop receipt, a gone message or queue, and a queue being deleted or disabled', () => {
    expect(isHarmlessCompletionError({ statusCode: 400, code: 'PopReceiptMismatch' })).toBe(true);
    expect(isHarmlessCompletionError({ statusCode: 404, code: 'MessageNotFound' })).toBe(true);
    expect(isHarmlessCompletionError({ statusCode: 409, code: 'QueueBeingDeleted' })).toBe(true);
    expect(isHarmlessCompletionError({ statusCode: 409, code: 'QueueDisabled' })).toBe(true);
    expect(isHarmlessCompletionError({ statusCode: 400, code: 'InvalidQueryParameterValue' })).toBe(false);
    expect(isHarmlessCompletionError({ statusCode: 409, code: 'QueueAlreadyExists' })).toBe(false);
    expect(isHarmlessCompletionError({ statusCode: 403, code: 'AuthorizationFailure' })).toBe(false);
    expect(isHarmlessCompletionError({ statusCode: 500 })).toBe(false);
    expect(isHarmlessCompletionError({ code: 'PopReceiptMismatch' })).toBe(false);
    expect(isHarmlessCompletionError(new Error('ECONNREFUSED'))).toBe(false);
    expect(isHarmlessCompletionError(null)).toBe(false);
  });

  it('backs off from a missing queue, one being deleted or disabled, and server errors; not from the rest', () => {
    expect(isRetriableFetchError({ statusCode: 404 })).toBe(true);
    expect(isRetriableFetchError({ statusCode: 409, code: 'QueueBeingDeleted' })).toBe(true);
    expect(isRetriableFetchError({ statusCode: 409, code: 'QueueDisabled' })).toBe(true);
    expect(isRetriableFetchError({ statusCode: 409, code: 'Other' })).toBe(false);
    expect(isRetriableFetchError({ statusCode: 500 })).toBe(true);
    expect(isRetriableFetchError({ statusCode: 503 })).toBe(true);
    expect(isRetriableFetchError({ statusCode: 599 })).toBe(true);
    expect(isRetriableFetchError({ statusCode: 499 })).toBe(false);
    expect(isRetriableFetchError({ statusCode: 600 })).toBe(false);
    expect(isRetriableFetchError({ statusCode: 403 })).toBe(false);
    expect(isRetriableFetchError({ statusCode: '503' })).toBe(false);
    expect(isRetriableFetchError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isRetriableFetchError(undefined)).toBe(false);
  });
});
