import { sleep } from './sleep';

/** Polls `ready` until it returns true or `timeoutMs` passes; a readiness check instead of a fixed sleep. */
export const waitUntil = async (
  ready: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await ready()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`${what} not ready within ${timeoutMs} ms${detail}`);
};
