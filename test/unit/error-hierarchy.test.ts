import {
  boundReasons,
  ConfigError,
  describeError,
  FunctionTimeoutError,
  isTransient,
  NonErrorRejection,
  OutboxFullError,
  OutboxLockedError,
  OutboxWriteError,
  PermanentError,
  StatmgrError,
  TooLargeError,
  TransientError,
  ValidationError,
} from '../../lib/errors';

const numbered = (count: number): string[] => Array.from({ length: count }, (_, i) => `r${i}`);

describe('the error hierarchy', () => {
  it('names each error by its class, which is what logs and CLI messages show', () => {
    const named: [StatmgrError, string][] = [
      [new StatmgrError('m'), 'StatmgrError'],
      [new PermanentError('m'), 'PermanentError'],
      [new ValidationError(['m']), 'ValidationError'],
      [new TooLargeError(['m']), 'TooLargeError'],
      [new ConfigError('m'), 'ConfigError'],
      [new TransientError('m'), 'TransientError'],
      [new OutboxFullError('m'), 'OutboxFullError'],
      [new OutboxLockedError('m'), 'OutboxLockedError'],
      [new OutboxWriteError('m'), 'OutboxWriteError'],
      [new FunctionTimeoutError('m'), 'FunctionTimeoutError'],
      [new NonErrorRejection('m'), 'NonErrorRejection'],
    ];
    for (const [error, name] of named) {
      expect(error.name).toBe(name);
      expect(describeError(error)).toMatch(new RegExp(`^${name}: `));
    }
  });

  it('sorts errors into permanent (never retried) and transient (retried)', () => {
    for (const permanent of [new ValidationError(['m']), new TooLargeError(['m']), new ConfigError('m')]) {
      expect(permanent).toBeInstanceOf(PermanentError);
      expect(isTransient(permanent)).toBe(false);
    }
    expect(new TooLargeError(['m'])).toBeInstanceOf(ValidationError);
    expect(new OutboxLockedError('m')).toBeInstanceOf(PermanentError);
    expect(isTransient(new TransientError('m'))).toBe(true);
    expect(isTransient(new OutboxFullError('m'))).toBe(false);
    expect(isTransient(Object.assign(new Error('m'), { name: 'TransientError' }))).toBe(false);
  });

  it('keeps the cause and the retry-after a dependency asked for', () => {
    const cause = new Error('socket');
    const error = new TransientError('down', { cause, retryAfterMs: 1200 });
    expect(error.cause).toBe(cause);
    expect(error.retryAfterMs).toBe(1200);
    expect(new TransientError('down').retryAfterMs).toBeUndefined();
    expect(new ValidationError(['bad'], { cause }).cause).toBe(cause);
  });

  it('words a validation error as its reasons joined, and keeps them read-only', () => {
    const error = new ValidationError(['time: is required', 'site: is required']);
    expect(error.message).toBe('time: is required; site: is required');
    expect(error.reasons).toEqual(['time: is required', 'site: is required']);
    expect(Object.isFrozen(error.reasons)).toBe(true);
  });
});

describe('boundReasons', () => {
  it('keeps a reason of 1024 characters and cuts a longer one, saying how long it was', () => {
    const limit = 'a'.repeat(1024);
    expect(boundReasons([limit])).toEqual([limit]);
    expect(boundReasons([`${limit}b`])).toEqual([`${limit}... (1025 characters)`]);
  });

  it('keeps 20 reasons, and words what is left over in the singular or the plural', () => {
    expect(boundReasons(numbered(20))).toEqual(numbered(20));
    expect(boundReasons(numbered(21))).toEqual([...numbered(20), 'and 1 more reason']);
    expect(boundReasons(numbered(22))).toEqual([...numbered(20), 'and 2 more reasons']);
    expect(new ValidationError(numbered(25)).message).toBe(`${numbered(20).join('; ')}; and 5 more reasons`);
  });

  it('leaves a list it bounded before as it is, but counts a 21st reason that only looks like the summary', () => {
    for (const summary of ['and 5 more reasons', 'and 1 more reason']) {
      expect(boundReasons([...numbered(20), summary])).toEqual([...numbered(20), summary]);
    }
    for (const lookalike of ['xand 5 more reasons', 'and 5 more reasons!', 'and five more reasons']) {
      expect(boundReasons([...numbered(20), lookalike])).toEqual([...numbered(20), 'and 1 more reason']);
    }
    expect(boundReasons([...numbered(20), 'and 5 more reasons', 'r'])).toEqual([
      ...numbered(20),
      'and 2 more reasons',
    ]);
  });
});
