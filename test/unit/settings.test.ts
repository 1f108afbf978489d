import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { names } from '../../lib/names';
import { settingSpecs, settingsMarkdown, type SettingSpec } from '../../lib/settings';
import { projectRoot } from '../../lib/util/paths';

/** Runs loadConfig on `env` and returns every variable name it looked at. */
const namesRead = (env: Record<string, string>): Set<string> => {
  const read = new Set<string>();
  loadConfig(
    new Proxy(env, {
      get: (target, key) => {
        if (typeof key === 'string') read.add(key);
        return target[key as string];
      },
    }),
  );
  return read;
};

describe('settings table', () => {
  it('is exactly what loadConfig reads: no setting outside the table, none in it unread', () => {
    const read = new Set([
      ...namesRead({}),
      ...namesRead({ StatusStorage__queueServiceUri: 'https://acct.queue.core.windows.net' }),
    ]);
    expect([...read].sort()).toEqual(settingSpecs.map((spec) => spec.name).sort());
  });

  it('names the queue connection as the functions do', () => {
    expect(settingSpecs.map((spec) => spec.name)).toContain(names.storageConnection);
  });

  it('drives the range check of every whole-number setting', () => {
    const integers = (settingSpecs as readonly SettingSpec[]).filter((spec) => spec.kind === 'integer');
    expect(integers.length).toBeGreaterThan(5);
    for (const spec of integers) {
      const env = { [spec.name]: String((spec.max ?? 0) + 1) };
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(
        `${spec.name} must be a whole number from ${spec.min} to ${spec.max}`,
      );
      expect(() => loadConfig({ [spec.name]: String(spec.default) })).not.toThrow();
    }
  });

  it('is the table docs/settings.md shows (npm run docs:settings rewrites it)', () => {
    const doc = readFileSync(join(projectRoot, 'docs', 'settings.md'), 'utf8');
    expect(doc).toContain(settingsMarkdown());
  });
});
