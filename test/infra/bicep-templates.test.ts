import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { names } from '../../lib/names';
import { settingSpecs, type SettingScope, type SettingSpec } from '../../lib/settings';
import { metricNames } from '../../lib/telemetry/metric-names';
import {
  bicepFiles,
  declaration,
  infraDir,
  modules,
  objectKeys,
  params,
  property,
  readInfra,
  resources,
  stripComments,
} from '../helpers/bicep';

const root = join(__dirname, '..', '..');
const source = (relative: string): string => readFileSync(join(root, relative), 'utf8');

const main = readInfra('main.bicep');
const storage = readInfra('modules/storage.bicep');
const cosmos = readInfra('modules/cosmos.bicep');
const functionApp = readInfra('modules/function-app.bicep');
const roles = readInfra('modules/app-roles.bicep');
const monitoring = readInfra('modules/monitoring.bicep');
const alerts = readInfra('modules/alerts.bicep');

const resourceOf = (text: string, type: string) => {
  const found = resources(text).filter((resource) => resource.type === type);
  if (found.length === 0) throw new Error(`no ${type}`);
  return found;
};

const appSettingsBlock = (): string =>
  property(
    resourceOf(functionApp, 'Microsoft.Web/sites/config').find((r) => r.body.includes("name: 'appsettings'"))!
      .body,
    'properties',
  );
const appSettings = (): readonly string[] => objectKeys(appSettingsBlock());

/** The settings table (lib/settings.ts) says which settings Azure must get and which it must not. */
const settingsOfScope = (...scopes: readonly SettingScope[]): readonly string[] =>
  (settingSpecs as readonly SettingSpec[])
    .filter((spec) => scopes.includes(spec.scope))
    .map((spec) => spec.name);

describe('infra (Bicep templates read as text)', () => {
  it('has the azd entry points: azure.yaml, main.bicep and its parameters file', () => {
    expect(existsSync(join(root, 'azure.yaml'))).toBe(true);
    expect(source('azure.yaml')).toMatch(/provider: bicep/);
    expect(source('azure.yaml')).toMatch(/host: function/);
    expect(functionApp).toContain("'azd-service-name': 'api'");
    expect(source('azure.yaml')).toMatch(/^ {2}api:$/m);
  });

  it('passes every module exactly the parameters it declares, and all the required ones', () => {
    for (const module of modules(main)) {
      const file = join(infraDir, module.path);
      expect(existsSync(file)).toBe(true);
      const declared = params(readFileSync(file, 'utf8'));
      const passed = objectKeys(property(module.body, 'params'));
      expect({ module: module.symbol, unknown: passed.filter((name) => !declared.has(name)) }).toEqual({
        module: module.symbol,
        unknown: [],
      });
      const required = [...declared].filter(([, p]) => !p.hasDefault).map(([name]) => name);
      expect({ module: module.symbol, missing: required.filter((name) => !passed.includes(name)) }).toEqual({
        module: module.symbol,
        missing: [],
      });
    }
  });

  it('lists in main.parameters.json only parameters main.bicep declares, and every required one', () => {
    const file = JSON.parse(readInfra('main.parameters.json')) as { parameters: Record<string, unknown> };
    const declared = params(main);
    const given = Object.keys(file.parameters);
    expect(given.filter((name) => !declared.has(name))).toEqual([]);
    const required = [...declared].filter(([, p]) => !p.hasDefault).map(([name]) => name);
    expect(required.filter((name) => !given.includes(name))).toEqual([]);
  });

  it('contains no keys, connection strings with keys, SAS tokens or listKeys()', () => {
    for (const file of [...bicepFiles(), 'main.parameters.json', 'workbook.json']) {
      const text = file.endsWith('.bicep') ? stripComments(readInfra(file)) : readInfra(file);
      expect({
        file,
        hit: /listKeys|listConnectionStrings|AccountKey=|SharedAccessSignature|primaryMasterKey|InstrumentationKey=|secretUri/i.exec(
          text,
        )?.[0],
      }).toEqual({ file, hit: undefined });
    }
    expect(storage).toMatch(/allowSharedKeyAccess: false/);
    expect(cosmos).toMatch(/disableLocalAuth: true/);
    expect(monitoring).toMatch(/DisableLocalAuth: true/);
  });

  it('sets every app setting the code reads for Azure, and none of the local-only ones', () => {
    const settings = appSettings();
    const needed = settingsOfScope('azure');
    expect(needed.length).toBeGreaterThan(4);
    expect(needed.filter((name) => !settings.includes(name))).toEqual([]);
    const forbidden = settingsOfScope('local', 'cli');
    expect(settings.filter((name) => forbidden.includes(name))).toEqual([]);
    // Flex Consumption takes the runtime from functionAppConfig and rejects these settings.
    expect(settings).not.toContain('FUNCTIONS_WORKER_RUNTIME');
    expect(settings).not.toContain('FUNCTIONS_EXTENSION_VERSION');
    expect(settings).not.toContain('AzureWebJobsStorage');
  });

  it('gives every trigger connection and the host storage an identity-based setting', () => {
    const settings = appSettings();
    const connections = readdirSync(join(root, 'functions'))
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) => [...source(`functions/${file}`).matchAll(/connection: (?:names\.(\w+)|'([^']+)')/g)])
      .map((m) => (m[1] ? (names as Record<string, unknown>)[m[1]] : m[2]) as string);
    expect(connections).toContain(names.storageConnection);
    for (const connection of [...new Set(connections), 'AzureWebJobsStorage']) {
      expect(
        settings.some((name) => name.startsWith(`${connection}__`) && /ServiceUri|accountName/.test(name)),
      ).toBe(true);
      expect(settings).toContain(`${connection}__credential`);
      expect(settings).toContain(`${connection}__clientId`);
    }
    const block = appSettingsBlock();
    expect(block).toMatch(/StatusStorage__credential: 'managedidentity'/);
    expect(block).toMatch(/AzureWebJobsStorage__credential: 'managedidentity'/);
    expect(block).toMatch(
      /APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=\$\{identityClientId\};Authorization=AAD'/,
    );
  });

  it('creates the queue and the poison queue the code and the Functions host use', () => {
    expect(names.poisonQueue).toBe(`${names.queue}-poison`);
    const queueList = /var queueNames = (\[[^\]]*\])/.exec(storage)?.[1];
    expect(queueList && (JSON.parse(queueList.replaceAll("'", '"')) as string[])).toEqual([
      names.queue,
      names.poisonQueue,
    ]);
    const [account] = resourceOf(storage, 'Microsoft.Storage/storageAccounts');
    expect(account!.body).toMatch(/minimumTlsVersion: 'TLS1_2'/);
    expect(account!.body).toMatch(/allowBlobPublicAccess: false/);
    expect(account!.body).toMatch(/supportsHttpsTrafficOnly: true/);
    expect(resourceOf(storage, 'Microsoft.Storage/storageAccounts/blobServices/containers')[0]!.body).toMatch(
      /publicAccess: 'None'/,
    );
  });

  it('creates the database and containers with the names and partition keys in lib/names.ts', () => {
    expect(cosmos).toContain(`var databaseName = '${names.database}'`);
    const containers = new Map(
      resourceOf(cosmos, 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers').map((r) => [
        /name: '([^']+)'/.exec(r.body)![1]!,
        property(r.body, 'resource'),
      ]),
    );
    const messages = containers.get(names.messagesContainer)!;
    const pk = (body: string): string => property(body, 'partitionKey');
    expect(pk(messages)).toBe(
      `{ paths: [${names.messagesPartitionKeyPaths.map((p) => `'${p}'`).join(', ')}], kind: 'MultiHash', version: 2 }`,
    );
    expect(messages).toMatch(/defaultTtl: messageRetentionDays \* 86400/);
    const deadletters = containers.get(names.deadlettersContainer)!;
    expect(pk(deadletters)).toBe(`{ paths: ['${names.deadlettersPartitionKeyPath}'], kind: 'Hash' }`);
    // Dead letters never expire silently: TTL on with no default (-1), as lib/cosmos/cosmos-client.ts creates
    // it, so that only documents with their own ttl (last-failure notes) expire.
    expect(deadletters).toMatch(/defaultTtl: -1\b/);
    const agents = containers.get('agents')!;
    expect(pk(agents)).toBe(pk(messages));
  });

  it('creates the status filter rules container and the notification queues (issue 15)', () => {
    expect(names.notificationsPoisonQueue).toBe(`${names.notificationsQueue}-poison`);
    const queueList = /var notificationQueueNames = (\[[^\]]*\])/.exec(storage)?.[1];
    expect(queueList && (JSON.parse(queueList.replaceAll("'", '"')) as string[])).toEqual([
      names.notificationsQueue,
      names.notificationsPoisonQueue,
    ]);
    const rules = resourceOf(cosmos, 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers').find(
      (r) => r.body.includes(`name: '${names.rulesContainer}'`),
    );
    expect(rules && property(rules.body, 'resource')).toContain(
      `partitionKey: { paths: ['${names.rulesPartitionKeyPath}'], kind: 'Hash' }`,
    );
  });

  it('indexes the fields status-message queries filter and sort on, and nothing else', () => {
    const [messages] = resourceOf(cosmos, 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
    const policy = property(messages!.body, 'indexingPolicy');
    const included = [...property(policy, 'includedPaths').matchAll(/path: '\/(\w+)\/\?'/g)].map((m) => m[1]);
    expect(included).toEqual(
      expect.arrayContaining([
        'site',
        'machine',
        'component',
        'severity',
        'time',
        'messageId',
        'messageType',
      ]),
    );
    expect(property(policy, 'excludedPaths')).toContain("{ path: '/*' }");
    for (const payloadField of ['insertionStrings', 'attributes', 'text'])
      expect(included).not.toContain(payloadField);
    expect(property(policy, 'compositeIndexes')).toMatch(
      /\{ path: '\/site', order: 'ascending' \}, \{ path: '\/time', order: 'descending' \}/,
    );
  });

  it('offers serverless (default) and provisioned autoscale Cosmos capacity', () => {
    expect(main).toMatch(/param cosmosCapacityMode string = 'serverless'/);
    expect(cosmos).toMatch(/capacityMode == 'serverless' \? \[\{ name: 'EnableServerless' \}\]/);
    expect(cosmos).toMatch(/autoscaleSettings: \{ maxThroughput: autoscaleMaxThroughput \}/);
  });

  it('runs a Flex Consumption Node 22 app as the user-assigned identity, deploying with that identity', () => {
    const [plan] = resourceOf(functionApp, 'Microsoft.Web/serverfarms');
    expect(plan!.body).toMatch(/sku: \{ name: 'FC1', tier: 'FlexConsumption' \}/);
    const [site] = resourceOf(functionApp, 'Microsoft.Web/sites');
    expect(site!.body).toMatch(/kind: 'functionapp,linux'/);
    expect(site!.body).toMatch(/type: 'UserAssigned'/);
    const config = property(site!.body, 'functionAppConfig');
    expect(config).toMatch(/runtime: \{ name: 'node', version: '22' \}/);
    expect(property(config, 'storage')).toMatch(/type: 'blobContainer'/);
    expect(property(config, 'authentication')).toMatch(
      /type: 'UserAssignedIdentity'\s+userAssignedIdentityResourceId: identityId/,
    );
    expect(property(config, 'scaleAndConcurrency')).toMatch(/maximumInstanceCount: maximumInstanceCount/);
    expect(site!.body).toMatch(/httpsOnly: true/);
  });

  it('grants the identity exactly the roles the app uses', () => {
    const assignments = resourceOf(roles, 'Microsoft.Authorization/roleAssignments');
    expect(assignments).toHaveLength(4);
    expect(roles).toContain("storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'");
    expect(roles).toContain("storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'");
    expect(roles).toContain("storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'");
    expect(roles).toContain("monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'");
    for (const assignment of assignments)
      expect(assignment.body).toMatch(/principalType: 'ServicePrincipal'/);
    const [cosmosRole] = resourceOf(cosmos, 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments');
    expect(cosmos).toContain("var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'");
    expect(cosmosRole!.body).toMatch(/scope: '\$\{account.id\}\/dbs\/\$\{database.name\}'/);
  });

  it('alerts on the poison queue, the dead-letter rate, the oldest message and function failures, with the metric names the app emits', () => {
    const queryRules = resourceOf(alerts, 'Microsoft.Insights/scheduledQueryRules');
    expect(queryRules).toHaveLength(4);
    const text = (symbol: string): string => declaration(alerts, 'resource', symbol).body;
    expect(text('poisonQueue')).toContain(`"${metricNames.queueDepth}"`);
    expect(text('poisonQueue')).toContain(`"${names.poisonQueue}"`);
    expect(text('poisonQueue')).toContain(`"${metricNames.poisonArchived}"`);
    expect(text('deadLetterRate')).toContain(`"${metricNames.deadLettered}"`);
    expect(text('deadLetterRate')).toMatch(/windowSize: 'PT1H'/);
    expect(text('oldestMessage')).toContain(`"${metricNames.oldestMessageAge}"`);
    expect(text('oldestMessage')).toContain(`"${names.queue}"`);
    expect(text('functionFailures')).toContain("metricName: 'requests/failed'");
    // Host-written poison copies expire after the service default of 7 days: alert well before.
    expect(text('poisonOldest')).toContain(`"${metricNames.oldestMessageAge}"`);
    expect(text('poisonOldest')).toContain(`"${names.poisonQueue}"`);
    const hours = Number(/var poisonOldestHours = (\d+)/.exec(alerts)?.[1]);
    expect(hours).toBeGreaterThan(0);
    expect(hours).toBeLessThanOrEqual(72);
    for (const rule of queryRules) expect(rule.body).toMatch(/scopes: \[appInsightsId\]/);
    // The queue gauges come from the queue-monitor timer function.
    expect(source('functions/queue-monitor.ts')).toMatch(/sampleStatusQueues\(/);
  });

  it('has a workbook whose queries use the metric names the app emits', () => {
    const workbook = JSON.parse(readInfra('workbook.json')) as {
      version: string;
      items: { content: { query?: string } }[];
    };
    expect(workbook.version).toBe('Notebook/1.0');
    const queries = workbook.items.map((item) => item.content.query ?? '').join('\n');
    for (const name of Object.values(metricNames)) expect(queries).toContain(name);
  });

  it('agrees with host.json: encoding, batch limits and the poison queue rules', () => {
    const host = JSON.parse(source('host.json')) as {
      extensionBundle: { version: string };
      functionTimeout: string;
      extensions: { queues: Record<string, string | number> };
    };
    const queues = host.extensions.queues;
    // Agents (v12 SDK) and statmgr's own requeues send plain JSON text.
    expect(queues.messageEncoding).toBe('none');
    expect(queues.batchSize).toBeLessThanOrEqual(32);
    expect(queues.newBatchThreshold).toBeLessThan(Number(queues.batchSize));
    // After maxDequeueCount failures the host moves the body to `<queue>-poison`, which the template creates.
    expect(Number(queues.maxDequeueCount)).toBeGreaterThanOrEqual(1);
    expect(stripComments(storage)).toContain(names.poisonQueue);
    const seconds = (span: string): number =>
      span.split(':').reduce((sum, part) => sum * 60 + Number(part), 0);
    expect(seconds(String(queues.visibilityTimeout))).toBeLessThan(seconds(host.functionTimeout));
    // Extension bundle 4.x carries the Storage Queues extension 5.x whose rules the design follows.
    expect(host.extensionBundle.version).toBe('[4.*, 5.0.0)');
  });
});
