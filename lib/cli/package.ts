import { isAbsolute, join } from 'node:path';
import { ValidationError } from '../errors';
import { buildDeployPackage } from '../package/build-package';
import { projectRoot } from '../util/paths';
import { parseCommand, runMain } from './command';

const spec = {
  name: 'npm run package',
  synopsis: '[-- --out DIR] [--no-zip]',
  description:
    'Builds what Azure runs, after npm run build:\n' +
    '  DIR      host.json, package.json (no scripts, no devDependencies), package-lock.json, the compiled\n' +
    '           functions and the library files they load, node_modules from npm ci --omit=dev (type\n' +
    '           declarations, source maps and docs removed)\n' +
    '  DIR.zip  the same folder zipped (needs the zip command)\n' +
    'azd deploys DIR (azure.yaml: dist: .package, remoteBuild: false); without azd, zip-deploy DIR.zip.',
  options: {
    out: { type: 'string', arg: 'DIR', help: 'the package folder (default .package)' },
    'no-zip': { type: 'boolean', help: 'build the folder only' },
  },
} as const;

const build = (): void => {
  const parsed = parseCommand(spec, process.argv.slice(2));
  if (!parsed) return;
  const out = parsed.values.out ?? '.package';
  const outDir = isAbsolute(out) ? out : join(projectRoot, out);
  if (out.trim() === '') throw new ValidationError(['--out must name a folder']);
  const built = buildDeployPackage({ root: projectRoot, outDir, zip: parsed.values['no-zip'] !== true });
  const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;
  console.log(`${built.dir}: ${built.files.length} files, ${mb(built.bytes)}`);
  if (built.zip) console.log(`${built.zip.path}: ${mb(built.zip.bytes)}`);
};

// Synchronous work; runMain wants a promise so that a thrown error ends in its one clear line.
runMain('package', () => Promise.resolve().then(build));
