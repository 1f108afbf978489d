import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Just enough of Bicep to check templates against the code without the Bicep CLI: balanced `{...}`/`[...]`
 * blocks, resource and module declarations, parameters and the keys of an object block.
 */
export const infraDir = join(__dirname, '..', '..', 'infra');

export const readInfra = (relative: string): string => readFileSync(join(infraDir, relative), 'utf8');

export const bicepFiles = (): readonly string[] => [
  'main.bicep',
  ...readdirSync(join(infraDir, 'modules'))
    .filter((file) => file.endsWith('.bicep'))
    .map((file) => `modules/${file}`),
];

/** Removes `// ...` comments (a `//` after whitespace or at line start; `https://` in strings stays). */
export const stripComments = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.replace(/(^|\s)\/\/.*$/, ''))
    .join('\n');

/** The balanced block (`{...}` or `[...]`) that starts at the first opener at or after `from`. */
export const blockAt = (text: string, from: number): string => {
  const start = text.slice(from).search(/[{[]/) + from;
  if (start < from) throw new Error(`no block after offset ${from}`);
  const open = text[start]!;
  const close = open === '{' ? '}' : ']';
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const ch = text[i]!;
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      i = end + 2;
      continue;
    }
    if (ch === "'") inString = !inString;
    if (inString) continue;
    if (ch === open) depth += 1;
    else if (ch === close && (depth -= 1) === 0) return text.slice(start, i + 1);
  }
  throw new Error(`unbalanced block at offset ${start}`);
};

/** The body of `resource <symbol> '<type>@<version>' ...` or `module <symbol> '<path>' ...`. */
export const declaration = (
  text: string,
  kind: 'resource' | 'module',
  symbol: string,
): { readonly target: string; readonly body: string } => {
  const clean = stripComments(text);
  const match = new RegExp(`^${kind} ${symbol} '([^']+)'`, 'm').exec(clean);
  if (!match) throw new Error(`${kind} ${symbol} not found`);
  return { target: match[1]!, body: blockAt(clean, match.index + match[0].length) };
};

export interface BicepResource {
  readonly symbol: string;
  readonly type: string;
  readonly apiVersion: string;
  readonly body: string;
}

export const resources = (text: string): readonly BicepResource[] => {
  const clean = stripComments(text);
  return [...clean.matchAll(/^resource (\w+) '([^'@]+)@([^']+)'/gm)].map((match) => ({
    symbol: match[1]!,
    type: match[2]!,
    apiVersion: match[3]!,
    body: blockAt(clean, match.index + match[0].length),
  }));
};

export const modules = (text: string): readonly { symbol: string; path: string; body: string }[] => {
  const clean = stripComments(text);
  return [...clean.matchAll(/^module (\w+) '([^']+)'/gm)].map((match) => ({
    symbol: match[1]!,
    path: match[2]!,
    body: blockAt(clean, match.index + match[0].length),
  }));
};

/** Declared parameters, and whether each has a default value. */
export const params = (text: string): ReadonlyMap<string, { readonly hasDefault: boolean }> =>
  new Map(
    [...stripComments(text).matchAll(/^param (\w+) [\w.]+( =)?/gm)].map((match) => [
      match[1]!,
      { hasDefault: match[2] !== undefined },
    ]),
  );

/** Top-level keys of an object block `{ a: 1, b: { ... } }` (one per line or comma-separated). */
export const objectKeys = (block: string): readonly string[] => {
  const inner = block.slice(1, -1);
  const keys: string[] = [];
  let depth = 0;
  let token = '';
  for (let i = 0; i < inner.length; i += 1) {
    const ch = inner[i]!;
    if (ch === '{' || ch === '[' || ch === '(') depth += 1;
    else if (ch === '}' || ch === ']' || ch === ')') depth -= 1;
    if (depth === 0 && (ch === '\n' || ch === ',')) {
      token = '';
      continue;
    }
    token += ch;
    const key = /^\s*'?([\w-]+)'?\s*:$/.exec(token);
    if (depth === 0 && key) keys.push(key[1]!);
  }
  return keys;
};

/** The block that is the value of `key:` inside `body` (first occurrence). */
export const property = (body: string, key: string): string => {
  const match = new RegExp(`\\b${key}:\\s*`).exec(body);
  if (!match) throw new Error(`property ${key} not found`);
  return blockAt(body, match.index + match[0].length);
};
