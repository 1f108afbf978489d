import { compileRules, type CompiledRules } from './evaluate-rules';
import type { StatusFilterRule } from './rule-types';

export interface RulesCache {
  /** The compiled rules, read again once they are older than the refresh interval. */
  get(): Promise<CompiledRules>;
  /** Forget the cached rules (after this instance stored new ones). */
  invalidate(): void;
}

/**
 * Caches the rule list per instance: a change made on any instance takes effect here within `refreshMs`
 * (30 s at most, STATMGR_RULES_REFRESH_SECONDS). Concurrent callers share one read; a failed read is not
 * cached (the caller's message is retried as for any outage).
 */
export const createRulesCache = (
  load: () => Promise<readonly StatusFilterRule[]>,
  refreshMs: number,
  now: () => number = Date.now,
): RulesCache => {
  let cached: { rules: CompiledRules; loadedAt: number } | undefined;
  let pending: Promise<CompiledRules> | undefined;
  return {
    get: () => {
      if (cached && now() - cached.loadedAt < refreshMs) return Promise.resolve(cached.rules);
      pending ??= (async () => {
        const started = now();
        try {
          const rules = compileRules(await load());
          cached = { rules, loadedAt: started };
          return rules;
        } finally {
          pending = undefined;
        }
      })();
      return pending;
    },
    invalidate: () => {
      cached = undefined;
    },
  };
};
