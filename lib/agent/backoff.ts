/** Exponential backoff with full jitter: a random wait in [0, min(maxMs, initialMs * 2^attempt)]. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 250, maxMs: 30_000 };

export const backoffDelay = (
  attempt: number,
  options: BackoffOptions = defaultBackoff,
  random: () => number = Math.random,
): number => {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(Math.max(options.initialMs / 4, random() * ceiling));
};
