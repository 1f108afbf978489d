import { backoffDelay } from '../../lib/util/backoff';

describe('backoffDelay', () => {
  const options = { initialMs: 100, maxMs: 5000 };

  it('grows exponentially up to the cap, with full jitter below it', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, options, () => 1))).toEqual([
      100, 200, 400, 800,
    ]);
    expect(backoffDelay(20, options, () => 1)).toBe(5000);
    expect(backoffDelay(20, options, () => 0.5)).toBe(2500);
  });

  it('never waits less than a quarter of the initial delay', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(25);
  });
});
