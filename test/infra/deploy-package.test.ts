import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDeployPackage, type DeployPackage } from '../../lib/package/build-package';
import { requireGraph } from '../../lib/package/require-graph';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean }>;
};
/** Emulators and tools that must never reach Azure, whatever package.json says about them. */
const neverDeployed = [
  'azurite',
  '@vercel/cosmosdb-server',
  'jest',
  'ts-jest',
  'typescript',
  'eslint',
  'prettier',
];

/** Installed package folders (`node_modules/a`, `node_modules/@s/b`, `node_modules/a/node_modules/c`). */
const installedPackages = (files: readonly string[]): string[] =>
  [
    ...new Set(
      files
        .map((file) => /^((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)+)package\.json$/.exec(file)?.[1])
        .filter((dir): dir is string => dir !== undefined)
        .map((dir) => dir.slice(0, -1)),
    ),
  ].filter((dir) => dir.split('/').at(-2) === 'node_modules' || dir.split('/').at(-3) === 'node_modules');

describe('deploy package (npm run package)', () => {
  let work: string;
  let built: DeployPackage;

  beforeAll(() => {
    // Built from the dist/ that `npm test` compiled; never rebuilds dist/ (other tests run from it).
    work = mkdtempSync(join(tmpdir(), 'statmgr-package-'));
    built = buildDeployPackage({ root, outDir: join(work, 'app'), zip: true });
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds host.json, package.json, the lock, the compiled functions and what they load, and node_modules', () => {
    const outsideNodeModules = built.files.filter((file) => !file.startsWith('node_modules/'));
    expect(
      outsideNodeModules.filter(
        (file) =>
          !/^(?:host\.json|package\.json|package-lock\.json|\.statmgr-package|dist\/(?:functions|lib|schema)\/.+\.(?:js|json)|viewer\/[\w-]+\.(?:html|css)|dist\/viewer\/src\/[\w-]+\.js)$/.test(
            file,
          ),
      ),
    ).toEqual([]);
    for (const entry of [
      'dist/functions/ingest-status.js',
      'dist/functions/archive-poison.js',
      'host.json',
      // The web viewer's files, read (not required) by the viewer functions at run time.
      'viewer/index.html',
      'viewer/viewer.css',
      'dist/viewer/src/main.js',
    ])
      expect(built.files).toContain(entry);
    // No test, no local host or emulator plumbing, no CLI, no TypeScript source, no source map.
    expect(
      outsideNodeModules.filter((file) =>
        /(?:^|\/)test\/|\.test\.|\/local\/(?:emulators|local-host|queue-listener|http-server)|\/package\/|\/cli\/|\.ts$|\.map$/.test(
          file,
        ),
      ),
    ).toEqual([]);
    const deployed = JSON.parse(readFileSync(join(built.dir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(deployed).not.toHaveProperty('devDependencies');
    expect(deployed).not.toHaveProperty('scripts');
    expect(deployed.main).toBe(manifest.main);
  });

  it('installs no dev dependency, emulator or tool: every installed package is a runtime one in the lock file', () => {
    const installed = installedPackages(built.files);
    expect(installed.length).toBeGreaterThan(20);
    const devOnly = installed.filter((dir) => lock.packages[dir]?.dev === true);
    const unknown = installed.filter((dir) => lock.packages[dir] === undefined);
    expect({ devOnly, unknown }).toEqual({ devOnly: [], unknown: [] });
    const names = new Set(installed.map((dir) => dir.replace(/^.*node_modules\//, '')));
    for (const name of neverDeployed)
      expect({ name, installed: names.has(name) }).toEqual({ name, installed: false });
    // A devDependency ships only where a runtime dependency needs it too (the lock file then says so).
    for (const name of Object.keys(manifest.devDependencies).filter((n) => names.has(n)))
      expect({ name, dev: lock.packages[`node_modules/${name}`]?.dev }).toEqual({ name, dev: undefined });
    for (const name of Object.keys(manifest.dependencies)) expect(names.has(name)).toBe(true);
    expect(built.files.filter((file) => /\.(?:d\.ts|map|md)$/.test(file))).toEqual([]);
  });

  it('zips exactly the folder', () => {
    const listing = spawnSync('unzip', ['-Z1', built.zip!.path], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(listing.status).toBe(0);
    const zipped = listing.stdout.split('\n').filter((line) => line !== '' && !line.endsWith('/'));
    expect(zipped.sort()).toEqual([...built.files]);
    expect(built.zip!.bytes).toBeLessThan(40 * 1048576);
  });

  // Each telemetry mode loads its exporters only when on (lib/telemetry/start-telemetry.ts): every mode must
  // load from the package alone, the Application Insights one above all (it is the one Azure runs).
  it.each([
    ['off', {}],
    [
      'azure-monitor',
      {
        APPLICATIONINSIGHTS_CONNECTION_STRING:
          'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/',
      },
    ],
    ['otlp', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }],
    ['console', { STATMGR_TELEMETRY: 'console' }],
  ])(
    'loads every function from the package alone, nothing from outside it (telemetry %s)',
    (expectedMode, env) => {
      const probe = `
      for (const f of require('fs').readdirSync('dist/functions')) if (f.endsWith('.js')) require('./dist/functions/' + f);
      const { telemetryModeOf } = require('./dist/lib/telemetry/start-telemetry');
      const mode = telemetryModeOf(require('./dist/lib/config').getConfig());
      console.log(JSON.stringify({ mode, outside: Object.keys(require.cache).filter((k) => !k.startsWith(process.cwd() + '/')) }));
      process.exit(0);`;
      const result = spawnSync(process.execPath, ['-e', probe], { cwd: built.dir, env, encoding: 'utf8' });
      expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
        status: 0,
        stderr: '',
      });
      const { mode, outside } = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
        mode: string;
        outside: string[];
      };
      expect(mode).toBe(expectedMode);
      expect(outside).toEqual([]);
    },
  );
});

describe('require graph of the compiled functions', () => {
  it('reaches only runtime dependencies from dist/functions/*.js', () => {
    const folder = join(root, 'dist', 'functions');
    const graph = requireGraph(
      readdirSync(folder)
        .filter((f) => f.endsWith('.js'))
        .map((f) => join(folder, f)),
    );
    const packages = [...graph.packages.keys()];
    expect(packages).toEqual(
      expect.arrayContaining(['@azure/functions', '@azure/cosmos', '@azure/storage-queue']),
    );
    expect(packages.filter((name) => !(name in manifest.dependencies))).toEqual([]);
    expect(packages.filter((name) => name in manifest.devDependencies)).toEqual([]);
  });

  it('refuses to package functions that load a dev dependency, naming the file', () => {
    const fake = mkdtempSync(join(tmpdir(), 'statmgr-fake-'));
    try {
      mkdirSync(join(fake, 'dist', 'functions'), { recursive: true });
      mkdirSync(join(fake, 'dist', 'lib'), { recursive: true });
      writeFileSync(
        join(fake, 'package.json'),
        JSON.stringify({
          name: 'x',
          version: '1.0.0',
          main: 'dist/functions/*.js',
          dependencies: { ajv: '^8' },
        }),
      );
      writeFileSync(join(fake, 'dist', 'functions', 'f.js'), 'require("ajv");\nrequire("../lib/helper");\n');
      writeFileSync(
        join(fake, 'dist', 'lib', 'helper.js'),
        'const azurite = require("azurite/dist/src/queue/main.js");\n',
      );
      expect(() => buildDeployPackage({ root: fake, outDir: join(fake, 'out'), zip: false })).toThrow(
        /not runtime dependencies: azurite \(required by dist\/lib\/helper\.js\)/,
      );
      writeFileSync(join(fake, 'dist', 'lib', 'helper.js'), 'const m = require(process.argv[2]);\n');
      expect(() => requireGraph([join(fake, 'dist', 'functions', 'f.js')])).toThrow(/not a string literal/);
      expect(existsSync(join(fake, 'out'))).toBe(false);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });
});

describe('package folder', () => {
  it('never removes a folder it did not build: not the project, a parent of it or a folder of other files', () => {
    // All in a temporary folder, so that a broken guard removes nothing that matters.
    const parent = mkdtempSync(join(tmpdir(), 'statmgr-out-'));
    const project = join(parent, 'project');
    const other = join(parent, 'other');
    try {
      mkdirSync(join(project, 'dist', 'functions'), { recursive: true });
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'x', version: '1.0.0', main: 'dist/functions/*.js', dependencies: {} }),
      );
      writeFileSync(join(project, 'dist', 'functions', 'f.js'), '');
      mkdirSync(other);
      writeFileSync(join(other, 'precious.txt'), 'keep me');
      for (const outDir of [project, parent, other])
        expect(() => buildDeployPackage({ root: project, outDir, zip: false })).toThrow(
          /refusing to (?:replace|build)/,
        );
      expect(readFileSync(join(other, 'precious.txt'), 'utf8')).toBe('keep me');
      expect(existsSync(join(project, 'dist', 'functions', 'f.js'))).toBe(true);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('build scripts', () => {
  it('removes a deleted function from dist/ before every build, so it never ships', () => {
    expect(manifest.scripts.prebuild).toBe('node scripts/clean-dist.mjs');
    const dir = mkdtempSync(join(tmpdir(), 'statmgr-clean-'));
    try {
      mkdirSync(join(dir, 'scripts'));
      copyFileSync(join(root, 'scripts', 'clean-dist.mjs'), join(dir, 'scripts', 'clean-dist.mjs'));
      mkdirSync(join(dir, 'functions'));
      writeFileSync(join(dir, 'functions', 'kept.ts'), '');
      mkdirSync(join(dir, 'dist', 'functions'), { recursive: true });
      writeFileSync(join(dir, 'dist', 'functions', 'kept.js'), '');
      writeFileSync(join(dir, 'dist', 'functions', 'deleted-function.js'), '');
      const result = spawnSync(process.execPath, ['scripts/clean-dist.mjs'], { cwd: dir, encoding: 'utf8' });
      expect(result.status).toBe(0);
      expect(readdirSync(join(dir, 'dist', 'functions'))).toEqual(['kept.js']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets azd deploy the package as built (dist: .package, no remote build)', () => {
    const azureYaml = readFileSync(join(root, 'azure.yaml'), 'utf8');
    expect(azureYaml).toMatch(/^ {4}dist: \.package$/m);
    expect(azureYaml).toMatch(/^ {4}remoteBuild: false$/m);
    expect(azureYaml).toMatch(/run: npm run package -- --no-zip/);
    // azd refuses remoteBuild: false when .funcignore excludes node_modules (and would deploy without them).
    const funcignore = existsSync(join(root, '.funcignore'))
      ? readFileSync(join(root, '.funcignore'), 'utf8')
      : '';
    expect(funcignore).not.toMatch(/^\s*\/?node_modules\/?\s*$/m);
  });
});
