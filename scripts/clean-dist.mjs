// prebuild: removes every file in dist/ whose source is gone (a deleted function must never ship from a
// stale dist/), without touching the rest, so that a build while `npm start` runs does not pull files from
// under the running host. `node scripts/clean-dist.mjs --all` removes dist/ entirely.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');

const sourceOf = (file) => {
  const path = relative(dist, file);
  const compiled = /^(.*)\.(js|js\.map|d\.ts|d\.ts\.map)$/.exec(path);
  return compiled ? [`${compiled[1]}.ts`, `${compiled[1]}.tsx`] : [path];
};

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );

if (process.argv.includes('--all')) rmSync(dist, { recursive: true, force: true });
else if (existsSync(dist)) {
  for (const file of walk(dist)) {
    if (!sourceOf(file).some((source) => existsSync(join(root, source)))) rmSync(file);
  }
}
