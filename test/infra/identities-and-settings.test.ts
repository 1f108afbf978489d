import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { names } from '../../lib/names';
import { settingSpecs, type SettingSpec } from '../../lib/settings';
import { type BicepNode, entry, nodeText, parseBlock, resourceObject } from '../helpers/bicep-tree';
import { bicepFiles, blockAt, modules, readInfra, resources, stripComments } from '../helpers/bicep';

/**
 * Who may do what, and which value feeds which setting, read from the templates: role ids are looked up by
 * name in a table of Azure's built-in roles (test/infra/schema/built-in-roles.json, with its sources), never
 * compared with themselves; principal ids and client ids are followed from the identity's outputs to where
 * they are used; endpoints are followed from the resource property that holds them to the setting or output.
 */
const root = join(__dirname, '..', '..');
const builtIn = JSON.parse(readFileSync(join(__dirname, 'schema', 'built-in-roles.json'), 'utf8')) as {
  azureRbac: Record<string, string>;
  cosmosDataPlane: Record<string, string>;
};
const roleName = (table: Record<string, string>, id: string): string =>
  Object.entries(table).find(([, guid]) => guid === id)?.[0] ?? `unknown role ${id}`;

const main = readInfra('main.bicep');
const moduleCalls = modules(main);

/** `var <name> = <value>` of a file, parsed. */
const variable = (text: string, name: string): BicepNode | undefined => {
  const clean = stripComments(text);
  const match = new RegExp(`^var ${name} = `, 'm').exec(clean);
  if (!match) return undefined;
  const start = match.index + match[0].length;
  if (clean[start] === '{') return parseBlock(blockAt(clean, start));
  const value = clean.slice(start, clean.indexOf('\n', start)).trim();
  return { kind: 'string', value: value.replace(/^'|'$/g, ''), interpolated: false };
};

/** A GUID named by `roles.x`, a `var` or a literal. */
const guidOf = (text: string, expression: string): string => {
  const literal = /'([0-9a-f-]{36})'/.exec(expression)?.[1];
  if (literal) return literal;
  const member = /\b(\w+)\.(\w+)\b/.exec(expression.replace(/'[^']*'/g, "''"));
  if (member) {
    const value = entry(variable(text, member[1]!), member[2]!);
    if (value?.kind === 'string') return value.value;
  }
  const name = /\$\{(\w+)\}$|^\s*(\w+)\s*$/.exec(expression.replace(/'$/, ''));
  const found = variable(text, name?.[1] ?? name?.[2] ?? '');
  if (found?.kind === 'string') return found.value;
  throw new Error(`cannot resolve a role id from ${expression}`);
};

/** What a module parameter receives in main.bicep. */
const passedTo = (file: string, param: string): string => {
  const call = moduleCalls.find((m) => m.path === file);
  if (!call) throw new Error(`main.bicep does not call ${file}`);
  return nodeText(entry(entry(resourceObject(call.body), 'params'), param));
};

/** `output <name> <type> = <expression>` of a file. */
const output = (text: string, name: string): string => {
  const match = new RegExp(`^output ${name} \\w+ = (.+)$`, 'm').exec(stripComments(text));
  if (!match) throw new Error(`no output ${name}`);
  return match[1]!.trim();
};

/** Follows `x.outputs.y` (a module output in main.bicep) to the expression inside the module. */
const resolveOutput = (expression: string): string => {
  const match = /^(\w+)\.outputs\.(\w+)$/.exec(expression.trim());
  if (!match) return expression;
  const call = moduleCalls.find((m) => m.symbol === match[1]);
  if (!call) throw new Error(`no module ${match[1]}`);
  const inner = output(readInfra(call.path), match[2]!);
  const resourceOutput = /^(\w+)\.properties\.(.+)$/.exec(inner);
  if (resourceOutput) {
    const declared = resources(readInfra(call.path)).find((r) => r.symbol === resourceOutput[1]);
    return `${declared?.type ?? resourceOutput[1]}.properties.${resourceOutput[2]}`;
  }
  return inner;
};

/** Who a principal expression inside a module stands for, as main.bicep passes it. */
const who = (file: string, principal: string, loopOver: string | undefined): string => {
  const param = loopOver ?? principal;
  const passed = passedTo(file, param.trim());
  if (/^identity\.outputs\.principalId$/.test(passed)) return 'app identity';
  if (passed === 'operatorPrincipalId') return 'operator';
  if (/\bagentPrincipalIds\b/.test(passed)) return 'agents';
  return `unknown principal ${passed}`;
};

interface Assignment {
  readonly who: string;
  readonly role: string;
  readonly scope: string;
  readonly file: string;
  readonly principalType: string;
  readonly nameArgs: string;
  readonly principal: string;
  readonly roleExpression: string;
}

/** A scope symbol described by the type and name of the resource it declares. */
const scopeOf = (text: string, symbol: string): string => {
  const declared = resources(text).find((r) => r.symbol === symbol);
  if (!declared) throw new Error(`no resource ${symbol}`);
  const name = entry(resourceObject(declared.body), 'name');
  const label = name?.kind === 'string' && !name.interpolated ? ` ${name.value}` : '';
  return `${declared.type}${declared.type.endsWith('/queues') ? label : ''}`;
};

const assignments = (): Assignment[] =>
  bicepFiles().flatMap((file) => {
    const text = readInfra(file);
    const clean = stripComments(text);
    return resources(text)
      .filter((r) => r.type.endsWith('/roleAssignments') || r.type.endsWith('/sqlRoleAssignments'))
      .filter((r) => !new RegExp(`^resource ${r.symbol} '[^']+' existing`, 'm').test(clean))
      .map((r) => {
        const body = resourceObject(r.body);
        const props = entry(body, 'properties');
        const principal = nodeText(entry(props, 'principalId'));
        const loop = /^\[\s*for (\w+) in (\w+)/.exec(r.body);
        const loopOver = loop && loop[1] === principal ? loop[2] : undefined;
        const roleExpression = nodeText(entry(props, 'roleDefinitionId'));
        const cosmos = r.type.endsWith('/sqlRoleAssignments');
        const id = guidOf(
          text,
          cosmos ? roleExpression.replace(/^'.*sqlRoleDefinitions\//, "'") : roleExpression,
        );
        const scope = cosmos
          ? /\/dbs\//.test(nodeText(entry(props, 'scope')))
            ? 'Cosmos database'
            : 'Cosmos account'
          : scopeOf(text, nodeText(entry(body, 'scope')));
        return {
          who: who(file, principal, loopOver),
          role: roleName(cosmos ? builtIn.cosmosDataPlane : builtIn.azureRbac, id),
          scope,
          file,
          principalType: nodeText(entry(props, 'principalType')),
          nameArgs: nodeText(entry(body, 'name')),
          principal,
          roleExpression,
        };
      });
  });

describe('identities: who may do what', () => {
  const found = assignments();

  it("grants exactly these roles, named by Azure's built-in role table, at exactly these scopes", () => {
    expect(found.map((a) => `${a.who} | ${a.role} | ${a.scope}`).sort()).toEqual(
      [
        'app identity | Storage Queue Data Contributor | Microsoft.Storage/storageAccounts',
        'app identity | Storage Blob Data Owner | Microsoft.Storage/storageAccounts',
        'app identity | Storage Table Data Contributor | Microsoft.Storage/storageAccounts',
        'app identity | Monitoring Metrics Publisher | Microsoft.Insights/components',
        'app identity | Cosmos DB Built-in Data Contributor | Cosmos database',
        'operator | Storage Queue Data Contributor | Microsoft.Storage/storageAccounts',
        'operator | Cosmos DB Built-in Data Contributor | Cosmos database',
        `agents | Storage Queue Data Message Sender | Microsoft.Storage/storageAccounts/queueServices/queues ${names.queue}`,
      ].sort(),
    );
  });

  it('names each assignment after its scope, principal and role, so two never collide', () => {
    for (const a of found) {
      const roleRef = a.roleExpression.match(/\b(roles\.\w+|\w+RoleId)\b/)?.[1] ?? a.roleExpression;
      expect(`${a.file}: ${a.nameArgs}`).toMatch(
        new RegExp(`: guid\\(\\w+\\.id, ${a.principal}, ${roleRef.replace('.', '\\.')}\\)$`),
      );
    }
  });

  it('tells Azure what kind of principal each one is', () => {
    const types = Object.fromEntries(
      found
        .filter((a) => !a.file.includes('cosmos') && !a.role.startsWith('Cosmos'))
        .map((a) => [`${a.who} ${a.role}`, a.principalType]),
    );
    for (const [key, type] of Object.entries(types))
      expect({ key, type }).toEqual({
        key,
        type: key.startsWith('operator') ? 'operatorPrincipalType' : "'ServicePrincipal'",
      });
    const params = JSON.parse(readInfra('main.parameters.json')) as {
      parameters: Record<string, { value: unknown }>;
    };
    expect(params.parameters.operatorPrincipalId?.value).toBe('${AZURE_PRINCIPAL_ID=}');
    expect(main).toMatch(
      /@allowed\(\['User', 'Group', 'ServicePrincipal'\]\)\n[^\n]*\nparam operatorPrincipalType string = 'User'/,
    );
  });

  it("uses principal (object) ids for role assignments and client ids for the app's credentials, never the other way round", () => {
    const identity = readInfra('modules/identity.bicep');
    expect(output(identity, 'principalId')).toBe('identity.properties.principalId');
    expect(output(identity, 'clientId')).toBe('identity.properties.clientId');
    // Every module parameter named ...PrincipalId gets a principal id, every ...ClientId a client id.
    for (const call of moduleCalls) {
      const params = entry(resourceObject(call.body), 'params');
      for (const { key, value } of params?.kind === 'object' ? params.entries : []) {
        const text = nodeText(value);
        if (/principalId$/i.test(key) || /PrincipalIds$/.test(key))
          expect(`${call.symbol}.${key}: ${text}`).not.toMatch(/clientId/i);
        if (/clientId$/i.test(key) && key !== 'signInClientId')
          expect({ module: call.symbol, key, text }).toEqual({
            module: call.symbol,
            key,
            text: 'identity.outputs.clientId',
          });
      }
    }
    for (const a of found) expect(`${a.file}: ${a.principal}`).toMatch(/: \w*[pP]rincipalId$/);
    // In the app settings, every client id is the identity's client id.
    const functionApp = stripComments(readInfra('modules/function-app.bicep'));
    const appSettings = resources(functionApp).find((r) => r.symbol === 'appSettings')!.body;
    const clientIdSettings = [...appSettings.matchAll(/^\s+(\w*(?:clientId|CLIENT_ID)\w*): (.+)$/gm)];
    expect(clientIdSettings.length).toBeGreaterThanOrEqual(3);
    for (const [, name, value] of clientIdSettings)
      expect({ name, value }).toEqual({ name, value: 'identityClientId' });
    expect(functionApp).toContain(
      "APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'",
    );
  });
});

describe('settings and outputs: each value comes from the property it names', () => {
  const setting = (name: string): SettingSpec | undefined =>
    (settingSpecs as readonly SettingSpec[]).find((spec) => spec.name === name);

  it('feeds the queue, Cosmos and deployment settings from the matching endpoints', () => {
    expect(resolveOutput(passedTo('modules/function-app.bicep', 'queueServiceUri'))).toBe(
      'account.primaryEndpoints.queue'.replace('account', 'Microsoft.Storage/storageAccounts.properties'),
    );
    expect(resolveOutput(passedTo('modules/function-app.bicep', 'cosmosEndpoint'))).toBe(
      'Microsoft.DocumentDB/databaseAccounts.properties.documentEndpoint',
    );
    const storage = readInfra('modules/storage.bicep');
    expect(output(storage, 'deploymentContainerUrl')).toMatch(
      /^'\$\{account\.properties\.primaryEndpoints\.blob\}\$\{deploymentContainerName\}'$/,
    );
    expect(passedTo('modules/function-app.bicep', 'storageAccountName')).toBe('storage.outputs.name');
    const app = stripComments(readInfra('modules/function-app.bicep'));
    expect(app).toMatch(/StatusStorage__queueServiceUri: queueServiceUri\n/);
    expect(app).toMatch(/AzureWebJobsStorage__accountName: storageAccountName\n/);
    expect(app).toMatch(/COSMOS_ENDPOINT: cosmosEndpoint\n/);
  });

  it('names the deployment outputs after the settings they feed, with the same values', () => {
    const outputs = [...stripComments(main).matchAll(/^output (\w+) \w+ = (.+)$/gm)].map(
      (m) => [m[1]!, m[2]!.trim()] as const,
    );
    const byName = new Map(outputs);
    expect(resolveOutput(byName.get('StatusStorage__queueServiceUri') ?? '')).toBe(
      'Microsoft.Storage/storageAccounts.properties.primaryEndpoints.queue',
    );
    expect(resolveOutput(byName.get('COSMOS_ENDPOINT') ?? '')).toBe(
      'Microsoft.DocumentDB/databaseAccounts.properties.documentEndpoint',
    );
    expect(byName.get('COSMOS_DATABASE')).toBe('cosmos.outputs.databaseName');
    expect(byName.get('STATMGR_API_BASE_URL')).toBe("'https://${functionApp.outputs.defaultHostName}/api'");
    // An output that is not azd's own (AZURE_*) or a name for people is a setting the code reads.
    const forPeople = new Set(['APPLICATIONINSIGHTS_NAME', 'STATMGR_API_BASE_URL']);
    for (const [name] of outputs.filter(([n]) => !n.startsWith('AZURE_') && !forPeople.has(n)))
      expect({ name, known: setting(name) !== undefined }).toEqual({ name, known: true });
    expect(setting('StatusStorage__queueServiceUri')?.kind).toBe('url');
    expect(setting('COSMOS_ENDPOINT')?.kind).toBe('url');
  });

  it('offers only Flex Consumption regions, marked for azd', () => {
    const block =
      /((?:@[^\n]+\n|  '[a-z0-9]+'\n|\]\)\n)+)param location string/.exec(stripComments(main))?.[1] ?? '';
    expect(block).toContain("@metadata({ azd: { type: 'location' } })");
    const regions = [...block.matchAll(/^ {2}'([a-z0-9]+)'$/gm)].map((m) => m[1]);
    expect(regions).toEqual(
      expect.arrayContaining(['eastus', 'westeurope', 'swedencentral', 'australiaeast']),
    );
    expect(regions.length).toBeGreaterThan(20);
    expect(regions).not.toContain('eastus2euap');
  });
});

describe('no key, and everything observable', () => {
  it('turns local auth off on Log Analytics and basic publishing credentials off on the site', () => {
    const workspace = resources(readInfra('modules/monitoring.bicep')).find(
      (r) => r.type === 'Microsoft.OperationalInsights/workspaces',
    )!;
    expect(
      nodeText(
        entry(entry(entry(resourceObject(workspace.body), 'properties'), 'features'), 'disableLocalAuth'),
      ),
    ).toBe('true');
    const policies = resources(readInfra('modules/function-app.bicep')).filter(
      (r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies',
    );
    expect(
      policies
        .map((p) => {
          const body = resourceObject(p.body);
          return `${nodeText(entry(body, 'name'))} allow=${nodeText(entry(entry(body, 'properties'), 'allow'))}`;
        })
        .sort(),
    ).toEqual(["'ftp' allow=false", "'scm' allow=false"]);
  });

  it('sends Cosmos DB, queue service and function app diagnostics to the workspace', () => {
    const text = readInfra('modules/diagnostics.bicep');
    const settings = resources(text).filter((r) => r.type === 'Microsoft.Insights/diagnosticSettings');
    const targets = settings
      .map((s) => scopeOf(text, nodeText(entry(resourceObject(s.body), 'scope'))))
      .sort();
    expect(targets).toEqual([
      'Microsoft.DocumentDB/databaseAccounts',
      'Microsoft.Storage/storageAccounts/queueServices',
      'Microsoft.Web/sites',
    ]);
    const supported = JSON.parse(
      readFileSync(join(__dirname, 'schema', 'diagnostic-categories.json'), 'utf8'),
    ) as Record<string, { logs: string[]; metrics: string[] }>;
    for (const s of settings) {
      const body = resourceObject(s.body);
      const target = scopeOf(text, nodeText(entry(body, 'scope')));
      const props = entry(body, 'properties');
      expect(nodeText(entry(props, 'workspaceId'))).toBe('workspaceId');
      const categories = (key: string): string[] => {
        const list = entry(props, key);
        return (list?.kind === 'array' ? list.items : []).map((item) =>
          nodeText(entry(item, 'category')).replace(/^'|'$/g, ''),
        );
      };
      expect(categories('logs').length).toBeGreaterThan(0);
      // A category the resource type does not have fails the whole deployment.
      expect({
        target,
        logs: categories('logs').filter((c) => !supported[target]?.logs.includes(c)),
      }).toEqual({
        target,
        logs: [],
      });
      expect({
        target,
        metrics: categories('metrics').filter((c) => !supported[target]?.metrics.includes(c)),
      }).toEqual({ target, metrics: [] });
    }
    expect(resolveOutput(passedTo('modules/diagnostics.bicep', 'workspaceId'))).toBe('workspace.id');
  });

  it('deploys on Node 22 while engines names the oldest Node the code runs on, and the compiler knows no newer API', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    const oldest = /^>=(\d+)\.(\d+)$/.exec(manifest.engines.node);
    // zlib.crc32 (lib/agent/outbox-record.ts) arrived in Node 20.15 and 22.2.
    expect(oldest?.slice(1).map(Number)).toEqual([20, 15]);
    expect(readFileSync(join(root, 'lib', 'agent', 'outbox-record.ts'), 'utf8')).toMatch(
      /import \{ crc32 \} from 'node:zlib'/,
    );
    const typesMajor = Number(/\d+/.exec(manifest.devDependencies['@types/node'] ?? '')?.[0]);
    expect(typesMajor).toBe(Number(oldest?.[1]));
    expect(stripComments(readInfra('modules/function-app.bicep'))).toMatch(
      /runtime: \{ name: 'node', version: '22' \}/,
    );
  });
});
