import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PermanentError, StatmgrError } from '../errors';
import { viewerFiles } from '../viewer/viewer-assets';
import { requireGraph } from './require-graph';

/** What `npm run package` deploys: the compiled functions, what they load, and the runtime dependencies. */
export interface DeployPackage {
  readonly dir: string;
  /** Every file in the package, relative to `dir`, `/`-separated, sorted. */
  readonly files: readonly string[];
  readonly bytes: number;
  /** The zip next to the folder, when `zip` was asked for and exists. */
  readonly zip: { readonly path: string; readonly bytes: number } | undefined;
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly license?: string;
  readonly main: string;
  readonly engines?: Record<string, string>;
  readonly dependencies: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

/** Files in node_modules that nothing runs: type declarations, source maps, TypeScript sources, docs. */
const notRuntime = /\.(?:d\.[cm]?ts|[cm]?ts|map|md|markdown)$/i;

export const listFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();

const run = (command: string, args: readonly string[], cwd: string): void => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', shell: process.platform === 'win32' });
  if (result.error || result.status !== 0) {
    const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new StatmgrError(
      `${command} ${args.join(' ')} failed in ${cwd}: ${result.error?.message ?? output}`,
    );
  }
};

/** Written into every package folder: only a folder that holds it is ever removed and rebuilt. */
export const packageMarker = '.statmgr-package';

/**
 * Empties `outDir` for a new package: it must not exist yet, be empty, or hold the marker of a package this
 * code built. Anything else (the project, a parent of it, a folder of other files) is refused, untouched.
 */
const clearOutDir = (root: string, outDir: string): void => {
  const target = resolve(outDir);
  const up = relative(target, resolve(root));
  if (up === '' || (!up.startsWith('..') && !isAbsolute(up)))
    throw new PermanentError(`refusing to build the package in ${target}: it holds the project`);
  if (existsSync(target) && readdirSync(target).length > 0 && !existsSync(join(target, packageMarker)))
    throw new PermanentError(
      `refusing to replace ${target}: it is not a package folder this command built (no ${packageMarker})`,
    );
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, packageMarker), 'built by npm run package; removed and rebuilt by it\n');
};

/** The compiled function files the Functions host loads (package.json `main`, a glob over one folder). */
export const functionEntries = (root: string, main: string): string[] => {
  const match = /^(.+)\/\*\.js$/.exec(main);
  if (!match) throw new PermanentError(`package.json main must be "<folder>/*.js", got ${main}`);
  const folder = join(root, match[1]!);
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.js'));
  } catch {
    names = [];
  }
  if (names.length === 0)
    throw new PermanentError(`no compiled functions in ${folder}: run npm run build first`);
  return names.map((name) => join(folder, name));
};

/**
 * Builds the deployable folder `outDir` from the project at `root` (already compiled to dist/): host.json, a
 * package.json without scripts or devDependencies, the lock file, the compiled files the functions load, the
 * web viewer's files (read at run time) and
 * nothing else (no local host, emulator plumbing, CLI or test), and `npm ci --omit=dev`. Fails if a file the
 * functions load requires a package that is not a runtime dependency.
 */
export const buildDeployPackage = (options: {
  readonly root: string;
  readonly outDir: string;
  readonly zip: boolean;
}): DeployPackage => {
  const { root, outDir } = options;
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  const graph = requireGraph(functionEntries(root, manifest.main));
  const notDeclared = [...graph.packages]
    .filter(([name]) => !(name in manifest.dependencies))
    .map(([name, by]) => `${name} (required by ${by.map((file) => relative(root, file)).join(', ')})`);
  if (notDeclared.length > 0)
    throw new PermanentError(
      `the functions load packages that are not runtime dependencies: ${notDeclared.join('; ')}`,
    );

  clearOutDir(root, outDir);
  for (const file of graph.files) {
    const target = join(outDir, relative(root, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
  for (const file of viewerFiles(root)) {
    mkdirSync(dirname(join(outDir, file)), { recursive: true });
    copyFileSync(join(root, file), join(outDir, file));
  }
  copyFileSync(join(root, 'host.json'), join(outDir, 'host.json'));
  copyFileSync(join(root, 'package-lock.json'), join(outDir, 'package-lock.json'));
  const { name, version, description, license, main, engines, dependencies } = manifest;
  const deployed = { name, version, description, license, private: true, main, engines, dependencies };
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(deployed, null, 2)}\n`);
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], outDir);
  for (const file of listFiles(join(outDir, 'node_modules')))
    if (notRuntime.test(file)) rmSync(join(outDir, 'node_modules', file));
  // Command links (`.bin/`) run nothing in Azure, and zip would store each target a second time.
  for (const entry of readdirSync(join(outDir, 'node_modules'), { recursive: true, withFileTypes: true }))
    if (entry.name === '.bin' && entry.isDirectory())
      rmSync(join(entry.parentPath, entry.name), { recursive: true, force: true });

  const files = listFiles(outDir);
  const bytes = files.reduce((sum, file) => sum + statSync(join(outDir, file)).size, 0);
  let zip: DeployPackage['zip'];
  if (options.zip) {
    const path = `${outDir.replace(/[\\/]+$/, '')}.zip`;
    rmSync(path, { force: true });
    run('zip', ['-qrX', path, '.'], outDir);
    zip = { path, bytes: statSync(path).size };
  }
  return { dir: outDir, files, bytes, zip };
};
