import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The project root: the nearest folder above this file that holds host.json (works from lib/ and dist/lib/). */
const findRoot = (start: string): string => {
  let dir = start;
  while (!existsSync(join(dir, 'host.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`host.json not found above ${start}`);
    dir = parent;
  }
  return dir;
};

export const projectRoot = findRoot(__dirname);
export const hostJsonPath = join(projectRoot, 'host.json');
export const functionsDistDir = join(projectRoot, 'dist', 'functions');
