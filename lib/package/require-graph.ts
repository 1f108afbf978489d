import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';

/** What a set of compiled entry files load: their own files, and the npm packages each file requires. */
export interface RequireGraph {
  /** Absolute paths of every project file reached (`.js` and `.json`), entries included. */
  readonly files: ReadonlySet<string>;
  /** npm package name (`ajv`, `@azure/cosmos`) to the files that require it. */
  readonly packages: ReadonlyMap<string, readonly string[]>;
}

const builtins = new Set(builtinModules);

/** `@scope/name/sub/path` -> `@scope/name`; `name/sub` -> `name`. */
export const packageName = (specifier: string): string => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
};

const resolveRelative = (from: string, specifier: string): string => {
  const base = resolve(dirname(from), specifier);
  const found = [base, `${base}.js`, `${base}.json`, resolve(base, 'index.js')].find(
    (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
  );
  if (!found) throw new Error(`${from} requires ${specifier}, which does not exist`);
  return found;
};

/**
 * Walks the `require("...")` calls of CommonJS files as tsc emits them (dynamic `import()` compiles to
 * `require` too), from the entries through every relative require. A require whose argument is not a
 * string literal cannot be followed: it is reported as an error rather than silently missed.
 */
export const requireGraph = (entries: readonly string[]): RequireGraph => {
  const files = new Set<string>();
  const packages = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    if (!file.endsWith('.js')) return;
    const text = readFileSync(file, 'utf8');
    const dynamic = /\brequire\((?!"[^"]+"\)|'[^']+'\))[^)]*\)/.exec(text);
    if (dynamic)
      throw new Error(`${file}: ${dynamic[0]} is not a string literal; the package cannot follow it`);
    for (const [, specifier] of text.matchAll(/\brequire\(["']([^"']+)["']\)/g)) {
      if (specifier!.startsWith('.')) visit(resolveRelative(file, specifier!));
      else if (!specifier!.startsWith('node:') && !builtins.has(packageName(specifier!))) {
        const name = packageName(specifier!);
        packages.set(name, [...(packages.get(name) ?? []), file]);
      }
    }
  };
  for (const entry of entries) visit(resolve(entry));
  return { files, packages };
};
