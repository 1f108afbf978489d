import { classifyCosmosError } from '../../lib/cosmos/cosmos-errors';
import { PermanentError, TransientError } from '../../lib/errors';
import { classifyQueueError } from '../../lib/queue/queue-errors';

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
