/**
 * Every setting statmgr reads from the environment, in one declarative table. It drives `loadConfig`
 * (lib/config.ts), every command's `--help`, the settings table in docs/settings.md and the infra test that
 * checks the Bicep sets what Azure needs. Add a setting here first; nothing else names environment variables.
 *
 * Scopes:
 * - `azure`: the function app needs it in Azure; the Bicep app settings must set it.
 * - `tuning`: read by the function app, optional everywhere (the default is what Azure runs with).
 * - `local`: only for the local stack; Azure must not get it (keys, connection strings, local-host knobs).
 * - `cli`: only read by the command-line tools (agent, replay, rules).
 */
export const settingScopes = ['azure', 'tuning', 'local', 'cli'] as const;
export type SettingScope = (typeof settingScopes)[number];

export interface SettingSpec {
  readonly name: string;
  readonly kind: 'integer' | 'text' | 'url' | 'choice';
  readonly scope: SettingScope;
  readonly description: string;
  /** The value used when the setting is absent (literal); `defaultText` describes computed defaults. */
  readonly default?: number | string;
  readonly defaultText?: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  readonly protocols?: readonly string[];
}

/**
 * The Functions host hides a fetched queue message for a fixed 10 minutes (QueueListener `_visibilityTimeout`),
 * renewed while the function runs: a batch whose instance crashed stays hidden that long, so nothing that
 * waits for a batch may give up sooner. It is the local host's default lock too.
 */
export const functionsHostLockSeconds = 600;

/** Longest delay a Storage queue message can be sent with (visibilityTimeout): 7 days. */
export const maxQueueDelaySeconds = 7 * 24 * 3600;

export const settingSpecs = [
  {
    name: 'StatusStorage',
    kind: 'text',
    scope: 'local',
    description: 'Storage connection string for the queues (may carry a SAS)',
    defaultText: 'Azurite on 127.0.0.1:10001',
  },
  {
    name: 'StatusStorage__queueServiceUri',
    kind: 'url',
    scope: 'azure',
    protocols: ['https:', 'http:'],
    description: 'queue service URL, reached with an Entra ID identity (instead of StatusStorage)',
  },
  {
    name: 'StatusStorage__clientId',
    kind: 'text',
    scope: 'azure',
    description: 'client id of the user-assigned managed identity used for the queues',
  },
  {
    name: 'COSMOS_ENDPOINT',
    kind: 'url',
    scope: 'azure',
    protocols: ['https:', 'http:'],
    default: 'https://127.0.0.1:8081',
    description:
      'Cosmos DB account endpoint (a loopback endpoint is the emulator: its certificate is accepted)',
  },
  {
    name: 'COSMOS_KEY',
    kind: 'text',
    scope: 'local',
    defaultText: "the emulator's well-known key on a loopback endpoint, else none (Entra ID)",
    description: 'Cosmos DB account key, for the emulator only',
  },
  {
    name: 'COSMOS_DATABASE',
    kind: 'text',
    scope: 'azure',
    default: 'statmgr',
    description: 'Cosmos DB database name',
  },
  {
    name: 'AZURE_CLIENT_ID',
    kind: 'text',
    scope: 'azure',
    description: 'client id of the managed identity used for Cosmos DB (Entra ID)',
  },
  {
    name: 'COSMOS_CLIENT_ID',
    kind: 'text',
    scope: 'local',
    description: 'overrides AZURE_CLIENT_ID for Cosmos DB only',
  },
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    kind: 'text',
    scope: 'azure',
    description: 'export traces and metrics to Application Insights',
  },
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    kind: 'text',
    scope: 'azure',
    description:
      '`ClientId=<id>;Authorization=AAD`: Application Insights with Entra ID (local auth disabled)',
  },
  {
    name: 'STATMGR_RETRY_MIN_SECONDS',
    kind: 'integer',
    scope: 'tuning',
    default: 5,
    min: 1,
    max: maxQueueDelaySeconds,
    description: 'delay of the first delayed copy after a transient failure; each further one doubles it',
  },
  {
    name: 'STATMGR_RETRY_MAX_SECONDS',
    kind: 'integer',
    scope: 'tuning',
    default: 300,
    min: 1,
    max: maxQueueDelaySeconds,
    description: 'cap of that doubling (a dependency asking for longer with retry-after is honoured)',
  },
  {
    name: 'STATMGR_AGENT_GAP_AGE_SECONDS',
    kind: 'integer',
    scope: 'tuning',
    default: functionsHostLockSeconds + 300,
    min: functionsHostLockSeconds,
    max: 30 * 86_400,
    description:
      "GET /api/agents/... reports a missing sequence number as a gap once it is this old; never shorter than the host's 10-minute lock, which hides a crashed instance's batch",
  },
  {
    name: 'STATMGR_HTTP_PORT',
    kind: 'integer',
    scope: 'local',
    default: 7071,
    min: 0,
    max: 65_535,
    description: 'HTTP port of the local host (0 picks a free port)',
  },
  {
    name: 'STATMGR_QUEUE_LOCK_SECONDS',
    kind: 'integer',
    scope: 'local',
    default: functionsHostLockSeconds,
    min: 2,
    max: functionsHostLockSeconds,
    description:
      "how long the local host hides a fetched message, renewed at half-time (the Functions host's fixed 10 minutes; tests shorten it)",
  },
  {
    name: 'STATMGR_DRAIN_SECONDS',
    kind: 'integer',
    scope: 'local',
    default: 30,
    min: 0,
    max: 3600,
    description: 'grace for in-flight work when the local host is told to stop (SIGTERM, Ctrl-C)',
  },
  {
    name: 'STATMGR_HOST_JSON',
    kind: 'text',
    scope: 'local',
    defaultText: "the project's host.json",
    description: 'the host.json the local host reads (tests point it at variants)',
  },
  {
    name: 'STATMGR_API_KEY',
    kind: 'text',
    scope: 'local',
    defaultText: 'a random key, printed at start',
    description: 'function key of the local host for protected routes (x-functions-key or ?code=)',
  },
  {
    name: 'STATMGR_TELEMETRY',
    kind: 'choice',
    scope: 'local',
    choices: ['off', 'console'],
    default: 'off',
    description: 'console: print a metrics summary line every 10 s (npm start turns it on)',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    kind: 'url',
    scope: 'local',
    protocols: ['http:', 'https:'],
    description: 'OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318) for traces and metrics',
  },
  {
    name: 'STATMGR_CHROMIUM',
    kind: 'text',
    scope: 'local',
    defaultText: 'the Chromium inside the @sparticuz/chromium package',
    description: 'browser tests only: the Chromium executable that drives the viewer tests',
  },
  {
    name: 'STATMGR_TEST_BREAK_INGEST',
    kind: 'choice',
    scope: 'local',
    choices: ['off', 'drop-on-transient-failure'],
    default: 'off',
    description:
      'TEST ONLY, never set it: drop-on-transient-failure completes a message whose write failed instead of handing it back (loses it), so the chaos negative control can prove the harness sees a loss',
  },
  {
    name: 'STATMGR_AGENT_OUTBOX',
    kind: 'text',
    scope: 'cli',
    defaultText: './.statmgr-outbox',
    description: "the agent CLI's outbox directory",
  },
  {
    name: 'STATMGR_SUMMARIES',
    kind: 'choice',
    scope: 'tuning',
    choices: ['on', 'off'],
    default: 'on',
    description: 'count component and machine summaries on ingest; off only for the bench comparison',
  },
  {
    name: 'STATMGR_SUMMARY_PERIOD_START_HOUR',
    kind: 'integer',
    scope: 'tuning',
    default: 0,
    min: 0,
    max: 23,
    description: "UTC hour at which each day's summary threshold period starts",
  },
  {
    name: 'STATMGR_SUMMARY_SILENT_MINUTES',
    kind: 'integer',
    scope: 'tuning',
    default: 60,
    min: 1,
    max: 30 * 24 * 60,
    description: 'GET /api/sites/{site}/machines lists a machine as silent after this long without a report',
  },
  {
    name: 'STATMGR_SUMMARY_THRESHOLDS',
    kind: 'text',
    scope: 'tuning',
    defaultText: "Configuration Manager's (warning 2000/10/1, critical 5000/50/5)",
    description:
      'JSON threshold overrides: {"default","sites","components","siteComponents"} (docs/summaries.md)',
  },
  // Status filter rules (docs/rules.md)
  {
    name: 'STATMGR_RULES_REFRESH_SECONDS',
    kind: 'integer',
    scope: 'tuning',
    default: 30,
    min: 0,
    max: 30,
    description: "how old an instance's cached status filter rules may get before it reads them again",
  },
  {
    name: 'STATMGR_NOTIFY_SECRET',
    kind: 'text',
    scope: 'tuning',
    description:
      "HMAC-SHA256 key of the webhooks' X-Statmgr-Signature; rules with notify are refused without it (Key Vault reference in Azure)",
  },
  {
    name: 'STATMGR_NOTIFY_ALLOWED_HOSTS',
    kind: 'text',
    scope: 'tuning',
    defaultText: 'none: loopback only',
    description: 'comma-separated hosts https webhooks may go to (`*.example.com` for subdomains)',
  },
  {
    name: 'STATMGR_NOTIFY_MAX_ATTEMPTS',
    kind: 'integer',
    scope: 'tuning',
    default: 12,
    min: 1,
    max: 100,
    description: 'webhook delivery attempts (with backoff) before a notification goes to the poison queue',
  },
  {
    name: 'STATMGR_NOTIFY_TIMEOUT_SECONDS',
    kind: 'integer',
    scope: 'tuning',
    default: 10,
    min: 1,
    max: 120,
    description: 'timeout of one webhook POST',
  },
  {
    name: 'STATMGR_API_URL',
    kind: 'url',
    scope: 'cli',
    protocols: ['http:', 'https:'],
    defaultText: 'http://127.0.0.1:<STATMGR_HTTP_PORT>/api',
    description: "the HTTP API's base URL for the rules CLI",
  },
  {
    name: 'STATMGR_AGENT_SAS',
    kind: 'text',
    scope: 'cli',
    description:
      "the agent CLI's SAS token (sv=...&sig=...) for the queue service URL; or --sas-file (never an argument)",
  },
] as const satisfies readonly SettingSpec[];

export type SettingName = (typeof settingSpecs)[number]['name'];

const byName = new Map<string, SettingSpec>(settingSpecs.map((spec) => [spec.name, spec]));

export const settingSpec = (name: SettingName): SettingSpec => byName.get(name)!;

/** What a setting defaults to and accepts, in words: `default 60; 2 to 600`. */
export const settingRange = (spec: SettingSpec): string => {
  const parts: string[] = [];
  const fallback = spec.default ?? spec.defaultText;
  if (fallback !== undefined) parts.push(`default ${fallback}`);
  if (spec.min !== undefined && spec.max !== undefined) parts.push(`${spec.min} to ${spec.max}`);
  if (spec.choices) parts.push(spec.choices.join(' | '));
  return parts.join('; ');
};

/** The lines a `--help` prints for the settings a command reads. */
export const settingsHelp = (names: readonly SettingName[]): string => {
  const specs = names.map(settingSpec);
  const width = Math.max(...specs.map((spec) => spec.name.length)) + 2;
  return specs
    .map((spec) => {
      const range = settingRange(spec);
      return `  ${spec.name.padEnd(width)}${spec.description}${range ? ` (${range})` : ''}`;
    })
    .join('\n');
};

/** The Markdown table of docs/settings.md (a unit test keeps the file equal to it). */
export const settingsMarkdown = (): string =>
  [
    '| setting | scope | default and range | what it does |',
    '| --- | --- | --- | --- |',
    ...settingSpecs.map(
      (spec: SettingSpec) =>
        `| \`${spec.name}\` | ${spec.scope} | ${settingRange(spec).replaceAll('|', '\\|') || '-'} | ${spec.description.replaceAll('|', '\\|')} |`,
    ),
  ].join('\n');
