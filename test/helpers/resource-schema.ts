import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BicepNode, entry, resourceObject } from './bicep-tree';

/** A node of test/infra/schema/resource-schemas.json (see its `note`). */
export interface SchemaNode {
  readonly p?: Readonly<Record<string, SchemaNode>>;
  readonly e?: readonly unknown[];
  readonly t?: 'string' | 'boolean' | 'integer' | 'number';
  readonly pt?: string;
  readonly i?: SchemaNode;
  readonly a?: SchemaNode;
  readonly o?: readonly SchemaNode[];
  readonly r?: string;
}

interface SchemaFile {
  readonly source: string;
  readonly types: Readonly<Record<string, SchemaNode & { readonly source: string }>>;
  readonly definitions: Readonly<Record<string, SchemaNode>>;
}

export const schemaFile = (): SchemaFile =>
  JSON.parse(
    readFileSync(join(__dirname, '..', 'infra', 'schema', 'resource-schemas.json'), 'utf8'),
  ) as SchemaFile;

/** Keys Bicep adds to a resource body that are not ARM properties. */
const bicepKeywords = new Set(['parent', 'scope', 'dependsOn']);

const flatten = (schema: SchemaFile, node: SchemaNode, seen = new Set<string>()): SchemaNode[] => {
  if (node.r !== undefined) {
    if (seen.has(node.r)) return [];
    const target = schema.definitions[node.r];
    if (!target) throw new Error(`definition ${node.r} missing from the extract`);
    return flatten(schema, target, new Set([...seen, node.r]));
  }
  const own: SchemaNode = { ...node, o: undefined };
  return [own, ...(node.o ?? []).flatMap((alt) => flatten(schema, alt, seen))];
};

const describe = (path: string): string => path || '(resource)';

/**
 * Checks a Bicep value against the schema alternatives it may match: every object key is a property of one
 * of them (or they allow free-form keys), every plain string literal is one of their enum values when they
 * have any, and booleans, numbers and strings sit where the schema says that type goes.
 */
const check = (
  schema: SchemaFile,
  value: BicepNode,
  nodes: readonly SchemaNode[],
  path: string,
  problems: string[],
): void => {
  const alts = nodes.flatMap((node) => flatten(schema, node));
  if (alts.length === 0) return;
  const typed = alts.filter((alt) => alt.t !== undefined);
  const onlyPrimitive =
    typed.length > 0 && alts.every((alt) => alt.t !== undefined || (!alt.p && !alt.i && !alt.a && !alt.e));
  switch (value.kind) {
    case 'object': {
      if (onlyPrimitive && alts.every((alt) => !alt.p && !alt.a)) {
        problems.push(`${describe(path)}: an object where the schema has ${typed[0]!.t}`);
        return;
      }
      const free = alts.filter((alt) => alt.a !== undefined).map((alt) => alt.a!);
      for (const { key, value: child } of value.entries) {
        if (path === '' && bicepKeywords.has(key)) continue;
        const children = alts.filter((alt) => alt.p?.[key] !== undefined).map((alt) => alt.p![key]!);
        if (children.length === 0 && free.length === 0) {
          const known = [...new Set(alts.flatMap((alt) => Object.keys(alt.p ?? {})))].sort();
          problems.push(`${describe(path)}: no property "${key}" (known: ${known.join(', ')})`);
          continue;
        }
        check(schema, child, children.length > 0 ? children : free, path ? `${path}.${key}` : key, problems);
      }
      return;
    }
    case 'array': {
      const items = alts.filter((alt) => alt.i !== undefined).map((alt) => alt.i!);
      if (items.length === 0 && onlyPrimitive)
        problems.push(`${describe(path)}: an array where the schema has ${typed[0]!.t}`);
      value.items.forEach((item, index) => check(schema, item, items, `${path}[${index}]`, problems));
      return;
    }
    case 'string': {
      const enums = alts.flatMap((alt) => alt.e ?? []);
      const anyString = alts.some((alt) => alt.t === 'string' && alt.e === undefined && alt.pt === undefined);
      if (!value.interpolated && enums.length > 0 && !anyString && !enums.includes(value.value))
        problems.push(
          `${describe(path)}: '${value.value}' is not one of ${enums.map((e) => `'${String(e)}'`).join(', ')}`,
        );
      if (onlyPrimitive && !typed.some((alt) => alt.t === 'string'))
        problems.push(`${describe(path)}: a string where the schema has ${typed[0]!.t}`);
      return;
    }
    case 'literal': {
      const kind = /^(?:true|false)$/.test(value.text)
        ? 'boolean'
        : value.text === 'null'
          ? 'null'
          : 'number';
      const fits = (t: string | undefined): boolean =>
        kind === 'null' || (kind === 'boolean' ? t === 'boolean' : t === 'integer' || t === 'number');
      if (onlyPrimitive && !typed.some((alt) => fits(alt.t)))
        problems.push(`${describe(path)}: ${value.text} where the schema has ${typed[0]!.t}`);
      const enums = alts.flatMap((alt) => alt.e ?? []);
      if (kind === 'number' && enums.length > 0 && !enums.includes(Number(value.text)))
        problems.push(`${describe(path)}: ${value.text} is not one of ${enums.join(', ')}`);
      return;
    }
    case 'expression':
      for (const branch of value.branches) check(schema, branch, nodes, path, problems);
      return;
  }
};

/** Problems of one resource declaration (`resource s 'type@version' = body`), empty when it fits its schema. */
export const checkResource = (schema: SchemaFile, typeAndVersion: string, body: string): string[] => {
  const type = schema.types[typeAndVersion];
  if (!type)
    return [`${typeAndVersion}: not in the schema extract (run test/infra/schema/extract-schemas.mjs)`];
  const object = resourceObject(body);
  const name = entry(object, 'name');
  let alts = flatten(schema, type);
  // Types like Microsoft.Web/sites/config take different properties per name (appsettings, authsettingsV2).
  if (name?.kind === 'string' && !name.interpolated) {
    const byName = alts.filter((alt) => {
      const patterns = alt.p?.name ? flatten(schema, alt.p.name).flatMap((n) => (n.pt ? [n.pt] : [])) : [];
      return (
        patterns.length > 0 && patterns.some((pattern) => new RegExp(pattern).test(`parent/${name.value}`))
      );
    });
    if (byName.length > 0) alts = [...alts.filter((alt) => !alt.p?.name), ...byName];
    else if (alts.some((alt) => alt.p?.name && flatten(schema, alt.p.name).some((n) => n.pt)))
      return [`name '${name.value}' matches none of the names ${typeAndVersion} takes`];
  }
  const problems: string[] = [];
  check(schema, object, alts, '', problems);
  return problems;
};
