/**
 * The one backoff formula: the delay of retry `attempt` (0-based) is `initial` doubled per attempt, capped at
 * `max`, then jittered. Two jitters use it: full jitter for agents (many clients retrying one queue spread
 * out over the whole window) and ±20 % for the server's delayed copies (a backlog comes back spread out, yet
 * each copy waits about as long as planned).
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 250, maxMs: 30_000 };

/** `initial * 2^attempt`, at most `max` (the exponent is capped so that it never overflows). */
export const exponentialDelay = (attempt: number, initial: number, max: number): number =>
  Math.min(max, initial * 2 ** Math.min(Math.max(attempt, 0), 30));

/** Full jitter: a random wait in [initialMs / 4, exponentialDelay], in whole milliseconds. */
export const backoffDelay = (
  attempt: number,
  options: BackoffOptions = defaultBackoff,
  random: () => number = Math.random,
): number => {
  const ceiling = exponentialDelay(attempt, options.initialMs, options.maxMs);
  return Math.round(Math.max(options.initialMs / 4, random() * ceiling));
};

/** ±20 % jitter around `value`. */
export const jitterAround = (value: number, random: () => number = Math.random): number =>
  value * (0.8 + 0.4 * random());
