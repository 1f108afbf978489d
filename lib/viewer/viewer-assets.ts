import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../util/paths';

/**
 * The web viewer's static files: the page and its stylesheet from `viewer/`, its scripts as `npm run build`
 * compiled them (tsconfig.viewer.json) into `dist/viewer/src/`. They hold no data; the page asks the API with the
 * key the operator gives it.
 */
export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
}

const sourceFolder = 'viewer';
const compiledFolder = join('dist', 'viewer', 'src');
const sourceDir = join(projectRoot, sourceFolder);
const compiledDir = join(projectRoot, compiledFolder);

const contentTypes = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
} as const;

/** Only plain file names with a known extension: nothing outside the two folders can be named. */
const assetName = /^[a-z0-9][a-z0-9-]*\.(css|js)$/;

const read = async (dir: string, name: string): Promise<Asset | undefined> => {
  const extension = name.slice(name.lastIndexOf('.')) as keyof typeof contentTypes;
  try {
    return { body: await readFile(join(dir, name)), contentType: contentTypes[extension] };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

export const viewerPage = async (): Promise<Asset> => {
  const page = await read(sourceDir, 'index.html');
  if (!page) throw new Error(`the viewer page is missing: ${join(sourceDir, 'index.html')}`);
  return page;
};

/** A stylesheet or script of the viewer by file name, or undefined (404). */
export const viewerAsset = async (name: string): Promise<Asset | undefined> => {
  if (!assetName.test(name)) return undefined;
  return read(name.endsWith('.js') ? compiledDir : sourceDir, name);
};

/** Headers of every viewer answer: no caching of a stale script, no framing, nothing loaded from elsewhere. */
export const viewerHeaders = (contentType: string): Record<string, string> => ({
  'content-type': contentType,
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
});

/**
 * Every file the viewer serves, relative to the project `root`: the deploy package copies them, since the
 * functions read them at run time rather than `require` them.
 */
export const viewerFiles = (root: string): string[] => [
  join(sourceFolder, 'index.html'),
  ...readdirSync(join(root, sourceFolder))
    .filter((name) => name.endsWith('.css'))
    .map((name) => join(sourceFolder, name)),
  ...readdirSync(join(root, compiledFolder))
    .filter((name) => assetName.test(name))
    .map((name) => join(compiledFolder, name)),
];
