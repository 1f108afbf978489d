/**
 * Bicep values as a tree, enough to check property names, enum values and primitive types against the
 * published resource schemas without the Bicep CLI: object literals, arrays, `[for ...: body]` loops, string
 * literals (interpolated or not), numbers and booleans; any other expression is kept as text, with the
 * literal branches of a `cond ? a : b` parsed as values.
 */
export type BicepNode =
  | {
      readonly kind: 'object';
      readonly entries: readonly { readonly key: string; readonly value: BicepNode }[];
    }
  | { readonly kind: 'array'; readonly items: readonly BicepNode[] }
  | { readonly kind: 'string'; readonly value: string; readonly interpolated: boolean }
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'expression'; readonly text: string; readonly branches: readonly BicepNode[] };

const isSpace = (ch: string | undefined): boolean => ch === ' ' || ch === '\t' || ch === '\r';

/** Index just past the string literal that starts at `start` (a `'`), interpolations included. */
const skipString = (text: string, start: number): number => {
  if (text.startsWith("'''", start)) {
    const end = text.indexOf("'''", start + 3);
    if (end < 0) throw new Error(`unterminated ''' string at ${start}`);
    return end + 3;
  }
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\') i += 2;
    else if (ch === "'") return i + 1;
    else if (text.startsWith('${', i)) i = skipBalanced(text, i + 1);
    else i += 1;
  }
  throw new Error(`unterminated string at ${start}`);
};

/** Index just past the bracket block that opens at `start` (`{`, `[` or `(`). */
const skipBalanced = (text: string, start: number): number => {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "'") {
      i = skipString(text, i);
      continue;
    }
    if (ch === '{' || ch === '[' || ch === '(') depth += 1;
    else if (ch === '}' || ch === ']' || ch === ')') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
    i += 1;
  }
  throw new Error(`unbalanced block at ${start}`);
};

/** End of a value that starts at `start`: a newline, `,`, `}` or `]` at bracket depth 0. */
const valueEnd = (text: string, start: number): number => {
  let i = start;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "'") i = skipString(text, i);
    else if (ch === '{' || ch === '[' || ch === '(') i = skipBalanced(text, i);
    else if (ch === '\n' || ch === ',' || ch === '}' || ch === ']') return i;
    else i += 1;
  }
  return i;
};

/** Splits `cond ? a : b` at its top-level `?` and `:`; undefined when the text is not a ternary. */
const ternary = (text: string): { readonly whenTrue: string; readonly whenFalse: string } | undefined => {
  let question = -1;
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (ch === "'") {
      i = skipString(text, i) - 1;
      continue;
    }
    if (ch === '{' || ch === '[' || ch === '(') depth += 1;
    else if (ch === '}' || ch === ']' || ch === ')') depth -= 1;
    else if (depth === 0 && ch === '?' && text[i + 1] !== '?' && text[i - 1] !== '?' && text[i + 1] !== '.')
      question = question < 0 ? i : question;
    else if (depth === 0 && ch === ':' && question >= 0)
      return { whenTrue: text.slice(question + 1, i).trim(), whenFalse: text.slice(i + 1).trim() };
  }
  return undefined;
};

const skipBlank = (text: string, i: number): number => {
  let at = i;
  while (at < text.length && (isSpace(text[at]) || text[at] === '\n' || text[at] === ',')) at += 1;
  return at;
};

const parseObject = (text: string, start: number): { node: BicepNode; end: number } => {
  const entries: { key: string; value: BicepNode }[] = [];
  let i = start + 1;
  for (;;) {
    i = skipBlank(text, i);
    if (text[i] === '}') return { node: { kind: 'object', entries }, end: i + 1 };
    let key: string;
    if (text[i] === "'") {
      const end = skipString(text, i);
      key = text.slice(i + 1, end - 1);
      i = end;
    } else {
      const match = /^[A-Za-z_$][\w$]*/.exec(text.slice(i));
      if (!match) throw new Error(`expected a key at ${i}: ${text.slice(i, i + 30)}`);
      key = match[0];
      i += key.length;
    }
    while (isSpace(text[i])) i += 1;
    if (text[i] !== ':') throw new Error(`expected ':' after ${key} at ${i}`);
    const parsed = parseValue(text, i + 1);
    entries.push({ key, value: parsed.node });
    i = parsed.end;
  }
};

const parseArray = (text: string, start: number): { node: BicepNode; end: number } => {
  let i = skipBlank(text, start + 1);
  if (/^for\s/.test(text.slice(i))) {
    // `[for x in xs: body]`: one item, the body.
    let at = i;
    while (text[at] !== ':') at = text[at] === '(' || text[at] === '[' ? skipBalanced(text, at) : at + 1;
    const body = parseValue(text, at + 1);
    const close = skipBlank(text, body.end);
    if (text[close] !== ']') throw new Error(`expected ']' closing a for loop at ${close}`);
    return { node: { kind: 'array', items: [body.node] }, end: close + 1 };
  }
  const items: BicepNode[] = [];
  for (;;) {
    i = skipBlank(text, i);
    if (text[i] === ']') return { node: { kind: 'array', items }, end: i + 1 };
    const parsed = parseValue(text, i);
    items.push(parsed.node);
    i = parsed.end;
  }
};

const fromText = (raw: string): BicepNode => {
  const text = raw.trim();
  if (text.startsWith('{') && skipBalanced(text, 0) === text.length) return parseObject(text, 0).node;
  if (text.startsWith('[') && skipBalanced(text, 0) === text.length) return parseArray(text, 0).node;
  if (text.startsWith("'") && skipString(text, 0) === text.length) {
    const multi = text.startsWith("'''");
    const inner = multi ? text.slice(3, -3) : text.slice(1, -1);
    return { kind: 'string', value: inner, interpolated: !multi && inner.includes('${') };
  }
  if (/^(?:-?\d+(?:\.\d+)?|true|false|null)$/.test(text)) return { kind: 'literal', text };
  const split = ternary(text);
  return {
    kind: 'expression',
    text,
    branches: split ? [fromText(split.whenTrue), fromText(split.whenFalse)] : [],
  };
};

/** The value that starts at `start` (after `key:`), and the index where it ends. */
export const parseValue = (text: string, start: number): { node: BicepNode; end: number } => {
  let i = start;
  while (isSpace(text[i])) i += 1;
  const end = valueEnd(text, i);
  return { node: fromText(text.slice(i, end)), end };
};

/** A whole `{...}` or `[for ...: {...}]` block, e.g. a resource body from `resources()`. */
export const parseBlock = (block: string): BicepNode => fromText(block);

/** The object a resource body describes (the loop body for `[for ...]`). */
export const resourceObject = (block: string): Extract<BicepNode, { kind: 'object' }> => {
  const node = parseBlock(block);
  const object = node.kind === 'array' ? node.items[0] : node;
  if (object?.kind !== 'object') throw new Error(`not an object: ${block.slice(0, 40)}`);
  return object;
};

export const entry = (node: BicepNode | undefined, key: string): BicepNode | undefined =>
  node?.kind === 'object' ? node.entries.find((e) => e.key === key)?.value : undefined;

/** Source text of a value node, for expressions and strings (for messages and simple matching). */
export const nodeText = (node: BicepNode | undefined): string => {
  if (!node) return '';
  if (node.kind === 'expression' || node.kind === 'literal') return node.text;
  if (node.kind === 'string') return `'${node.value}'`;
  return node.kind;
};
