import { createRulesCache } from '../../lib/rules/rules-cache';
import type { StatusFilterRule } from '../../lib/rules/rule-types';

const named = (name: string): StatusFilterRule => ({ name, match: {}, actions: {} });

describe('createRulesCache', () => {
  it('reads the rules again once they are older than the refresh interval, not before', async () => {
    const start = Date.parse('2026-11-25T13:37:00Z'); // a real clock, not 0: the age is now - loadedAt
    let clock = start;
    let stored = [named('v1')];
    let reads = 0;
    const cache = createRulesCache(
      async () => {
        reads += 1;
        return stored;
      },
      30_000,
      () => clock,
    );
    expect((await cache.get()).rules).toEqual([named('v1')]);
    stored = [named('v2')];
    clock = start + 29_999;
    expect((await cache.get()).rules).toEqual([named('v1')]);
    clock = start + 30_000;
    expect((await cache.get()).rules).toEqual([named('v2')]);
    expect(reads).toBe(2);
  });

  it('shares one read among concurrent callers, does not cache a failed read, and forgets on invalidate', async () => {
    let reads = 0;
    let fail = true;
    const cache = createRulesCache(
      async () => {
        reads += 1;
        await Promise.resolve();
        if (fail) throw new Error('cosmos down');
        return [named('r')];
      },
      30_000,
      () => 0,
    );
    await expect(Promise.all([cache.get(), cache.get()])).rejects.toThrow('cosmos down');
    expect(reads).toBe(1);
    fail = false;
    await Promise.all([cache.get(), cache.get()]);
    expect(reads).toBe(2);
    await cache.get();
    expect(reads).toBe(2);
    cache.invalidate();
    await cache.get();
    expect(reads).toBe(3);
  });
});
