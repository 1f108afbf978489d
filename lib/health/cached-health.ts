import type { Runtime } from '../runtime';
import { checkHealth, type HealthReport } from './check-health';

/** An `ok` result is reused this long; a degraded one only briefly, so that a recovery shows soon. */
export const healthCacheMs = { ok: 10_000, degraded: 2_000 } as const;

export interface HealthCache {
  /** The last result, at most `healthCacheMs` old; concurrent callers share one check in flight. */
  readonly get: () => Promise<HealthReport>;
}

/**
 * The answer of the anonymous `GET /api/health`: however often it is called, the backends see at most one
 * check per cache period (and never two at once), so anonymous callers cannot load them.
 */
export const createHealthCache = (
  runtime: () => Pick<Runtime, 'queues' | 'containers'>,
  options: { readonly now?: () => number; readonly timeoutMs?: number } = {},
): HealthCache => {
  const now = options.now ?? Date.now;
  let cached: { at: number; report: HealthReport } | undefined;
  let running: Promise<HealthReport> | undefined;
  return {
    get: async () => {
      if (cached && now() - cached.at < (cached.report.ok ? healthCacheMs.ok : healthCacheMs.degraded)) {
        return cached.report;
      }
      running ??= checkHealth(runtime(), options.timeoutMs)
        .then((report) => {
          cached = { at: now(), report };
          return report;
        })
        .finally(() => (running = undefined));
      return running;
    },
  };
};
