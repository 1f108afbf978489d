import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../util/is-alive';

/**
 * One `npm start` per HTTP port: a pid file in the temp folder. A second start while the first runs is told
 * so (its pid) instead of failing later with EADDRINUSE; a file left by a killed start names a dead pid and
 * is taken over.
 */
export interface StartLock {
  release(): void;
}

/** The lock, or the pid of the `npm start` that holds it. */
export const takeStartLock = (httpPort: number): StartLock | { readonly heldBy: number } => {
  const path = join(tmpdir(), `statmgr-start-${httpPort}.pid`);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return { release: () => rmSync(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        return { heldBy: holder };
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`cannot take the start lock ${path}`);
};
