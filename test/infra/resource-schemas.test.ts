import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bicepFiles, readInfra, resources, stripComments } from '../helpers/bicep';
import { checkResource, schemaFile } from '../helpers/resource-schema';

/**
 * Property names, enum values and value types of every resource in infra/, against the resource schemas
 * Azure publishes (github.com/Azure/azure-resource-manager-schemas), extracted for the types and API versions
 * the templates use into test/infra/schema/resource-schemas.json by test/infra/schema/extract-schemas.mjs.
 */
const schema = schemaFile();

/** Every `resource` declaration that creates something (not `existing`), with its file. */
const declarations = bicepFiles().flatMap((file) => {
  const text = readInfra(file);
  const clean = stripComments(text);
  return resources(text)
    .filter((r) => !new RegExp(`^resource ${r.symbol} '[^']+' existing`, 'm').test(clean))
    .map((r) => ({ file, symbol: r.symbol, type: `${r.type}@${r.apiVersion}`, body: r.body }));
});

describe('infra resources against their published schemas', () => {
  it('uses only types and API versions the extract holds, and names its source', () => {
    expect(declarations.length).toBeGreaterThan(20);
    expect(schema.source).toMatch(
      /^https:\/\/github\.com\/Azure\/azure-resource-manager-schemas\/tree\/[0-9a-f]{40}$/,
    );
    expect(
      declarations.filter((d) => !(d.type in schema.types)).map((d) => `${d.file} ${d.symbol} ${d.type}`),
    ).toEqual([]);
  });

  it.each(declarations.map((d) => [`${d.file} ${d.symbol} (${d.type})`, d] as const))(
    '%s: property names, enum values and types match the schema',
    (_, d) => {
      expect(checkResource(schema, d.type, d.body)).toEqual([]);
    },
  );

  it('catches a misspelt property, an unknown enum value and a string where a boolean belongs', () => {
    const site = declarations.find((d) => d.type.startsWith('Microsoft.Web/sites@'))!;
    expect(checkResource(schema, site.type, site.body.replace('httpsOnly:', 'httpOnly:'))).toEqual([
      expect.stringMatching(/properties: no property "httpOnly"/),
    ]);
    const storage = declarations.find((d) => d.type.startsWith('Microsoft.Storage/storageAccounts@'))!;
    expect(checkResource(schema, storage.type, storage.body.replace("'TLS1_2'", "'TLS12'"))).toEqual([
      expect.stringMatching(
        /properties.minimumTlsVersion: 'TLS12' is not one of 'TLS1_0', 'TLS1_1', 'TLS1_2'/,
      ),
    ]);
    expect(
      checkResource(
        schema,
        storage.type,
        storage.body.replace('allowSharedKeyAccess: false', "allowSharedKeyAccess: 'false'"),
      ),
    ).toEqual([
      expect.stringMatching(/properties.allowSharedKeyAccess: a string where the schema has boolean/),
    ]);
  });

  it('keeps the extract small and generated', () => {
    const raw = readFileSync(join(__dirname, 'schema', 'resource-schemas.json'), 'utf8');
    expect(raw.length).toBeLessThan(400_000);
    expect(schema.types['Microsoft.Web/sites@2024-04-01']?.source).toBe(
      'schemas/2024-04-01/Microsoft.Web.json#/sites',
    );
  });
});
