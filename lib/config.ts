import { isLoopbackHost, withoutQuery } from './util/loopback';
import { ConfigError } from './errors';
import { names } from './names';
import { maxQueueDelaySeconds, settingSpec, type SettingName } from './settings';
import { parseThresholdOverrides, type ThresholdOverrides } from './summaries/thresholds';

/** The well-known Azurite development account (public, documented by Microsoft; never a secret). */
export const azuriteAccount = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
} as const;

/** The well-known Cosmos DB emulator key (public, documented by Microsoft; never a secret). */
export const cosmosEmulatorKey =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export const azuriteConnectionString = (queuePort: number): string =>
  `DefaultEndpointsProtocol=http;AccountName=${azuriteAccount.name};AccountKey=${azuriteAccount.key};` +
  `QueueEndpoint=http://127.0.0.1:${queuePort}/${azuriteAccount.name};`;

export const defaultPorts = { queue: 10001, cosmos: 8081, http: 7071 } as const;

/** How the app reaches the Storage account: a connection string (local) or an identity (Azure). */
export type StorageSettings =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | { readonly kind: 'identity'; readonly queueServiceUri: string; readonly clientId: string | undefined };

export interface CosmosSettings {
  readonly endpoint: string;
  /** Account key: only for the local emulator. In Azure this is absent and the managed identity is used. */
  readonly key: string | undefined;
  /** Managed identity client id for Entra ID auth (user-assigned identity in Azure). */
  readonly clientId: string | undefined;
  /** True for a loopback endpoint: the emulator's self-signed certificate is accepted there and only there. */
  readonly allowSelfSignedCertificate: boolean;
  readonly database: string;
}

/** Backoff of the delayed copies a transient failure hands back to the queue (DESIGN.md invariant 3). */
export interface RetrySettings {
  /** Delay of the first hand-back; each further one doubles it. */
  readonly minDelaySeconds: number;
  /** Cap of the doubling (a dependency's retry-after may ask for longer). */
  readonly maxDelaySeconds: number;
}

export interface Config {
  readonly storage: StorageSettings;
  readonly cosmos: CosmosSettings;
  /** Local host only: the HTTP port of the API (the Functions host's default, 7071). */
  readonly httpPort: number;
  /** Local host only: how long a fetched queue message stays hidden; renewed at half-time (default 600). */
  readonly queueLockSeconds: number;
  /** Local host only: grace for in-flight work when it is told to stop (SIGTERM, Ctrl-C). */
  readonly drainSeconds: number;
  /** Local host only: the host.json to read (default: the project's own). Tests point it at variants. */
  readonly hostJsonPath: string | undefined;
  /** Key required by HTTP endpoints that are not anonymous, on the local host (`x-functions-key`). */
  readonly apiKey: string | undefined;
  readonly appInsightsConnectionString: string | undefined;
  /** `GET /api/agents/...` reports a missing sequence number as a gap once it is this old (default 900). */
  readonly agentGapAgeSeconds: number;
  /** The agent CLI's outbox directory (default `.statmgr-outbox` in the working directory). */
  readonly agentOutboxDir: string | undefined;
  /** The agent CLI's SAS token for the queue service (never from a command-line argument). */
  readonly agentSas: string | undefined;
  /** `ClientId=<id>;Authorization=AAD`: export to Application Insights with Entra ID (local auth disabled). */
  readonly appInsightsAuthenticationString: string | undefined;
  /** Local exporter when Application Insights is not configured: `console` prints a metrics summary. */
  readonly telemetryExporter: TelemetryExporter;
  /** OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318): traces and metrics go there, locally. */
  readonly otlpEndpoint: string | undefined;
  readonly retry: RetrySettings;
  readonly summaries: SummarySettings;
  /** Status filter rules, their webhooks and the rules CLI (docs/rules.md). */
  readonly rules: RulesSettings;
  /** Browser tests only (STATMGR_CHROMIUM): a Chromium to drive instead of the one in @sparticuz/chromium. */
  readonly chromiumPath: string | undefined;
  /** Test only: off everywhere but in the chaos negative control. */
  readonly testBreakIngest: IngestBreak;
}

export const telemetryExporters = ['off', 'console'] as const;
/** Test only (the chaos negative control): a deliberately broken ingest; see STATMGR_TEST_BREAK_INGEST. */
export const ingestBreaks = ['off', 'drop-on-transient-failure'] as const;
export type IngestBreak = (typeof ingestBreaks)[number];
export type TelemetryExporter = (typeof telemetryExporters)[number];

type Env = Readonly<Record<string, string | undefined>>;

/** The raw value of a setting of the table (lib/settings.ts), trimmed; undefined when absent or blank. */
const text = (env: Env, name: SettingName): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

const integer = (env: Env, name: SettingName): number => {
  const spec = settingSpec(name);
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = spec;
  const raw = text(env, name);
  if (raw === undefined) return Number(spec.default);
  if (!/^\d+$/.test(raw))
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
};

const url = (env: Env, name: SettingName): URL | undefined => {
  const spec = settingSpec(name);
  const raw = text(env, name) ?? (spec.default === undefined ? undefined : String(spec.default));
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch (cause) {
    throw new ConfigError(`${name} must be an absolute URL, got "${withoutQuery(raw)}"`, { cause });
  }
  const protocols = spec.protocols ?? ['https:'];
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${withoutQuery(raw)}"`);
  }
  return parsed;
};

const choice = <T extends string>(env: Env, name: SettingName, choices: readonly T[]): T => {
  const raw = text(env, name) ?? String(settingSpec(name).default);
  const found = choices.find((value) => value === raw);
  if (!found) throw new ConfigError(`${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  return found;
};

const readStorage = (env: Env): StorageSettings => {
  const connectionString = text(env, 'StatusStorage');
  const queueServiceUri = url(env, 'StatusStorage__queueServiceUri');
  if (connectionString && queueServiceUri) {
    throw new ConfigError('set either StatusStorage or StatusStorage__queueServiceUri, not both');
  }
  if (queueServiceUri) {
    return {
      kind: 'identity',
      queueServiceUri: text(env, 'StatusStorage__queueServiceUri')!,
      clientId: text(env, 'StatusStorage__clientId'),
    };
  }
  return {
    kind: 'connectionString',
    connectionString: connectionString ?? azuriteConnectionString(defaultPorts.queue),
  };
};

const readCosmos = (env: Env): CosmosSettings => {
  const endpoint = text(env, 'COSMOS_ENDPOINT') ?? String(settingSpec('COSMOS_ENDPOINT').default);
  const loopback = isLoopbackHost(url(env, 'COSMOS_ENDPOINT')!.hostname);
  const key = text(env, 'COSMOS_KEY') ?? (loopback ? cosmosEmulatorKey : undefined);
  return Object.freeze({
    endpoint,
    key,
    clientId: text(env, 'COSMOS_CLIENT_ID') ?? text(env, 'AZURE_CLIENT_ID'),
    allowSelfSignedCertificate: loopback,
    database: text(env, 'COSMOS_DATABASE') ?? names.database,
  });
};

export { maxQueueDelaySeconds };

const readRetry = (env: Env): RetrySettings => {
  const minDelaySeconds = integer(env, 'STATMGR_RETRY_MIN_SECONDS');
  const maxDelaySeconds = integer(env, 'STATMGR_RETRY_MAX_SECONDS');
  if (maxDelaySeconds < minDelaySeconds) {
    throw new ConfigError(
      `STATMGR_RETRY_MAX_SECONDS (${maxDelaySeconds}) must not be less than STATMGR_RETRY_MIN_SECONDS (${minDelaySeconds})`,
    );
  }
  return Object.freeze({ minDelaySeconds, maxDelaySeconds });
};

/** Settings of the summaries (docs/summaries.md). */
export interface SummarySettings {
  /** Count on ingest (default on). `off` is for the bench's comparison only: the API then shows no counts. */
  readonly enabled: boolean;
  /** UTC hour (0-23) at which each day's threshold period starts (default 0: 00:00 UTC). */
  readonly periodStartHour: number;
  /** `GET /api/sites/{site}/machines` lists a machine as silent when it reported nothing for this long. */
  readonly silentMinutes: number;
  /** Threshold overrides per site, per component and per site and component (JSON, validated). */
  readonly thresholds: ThresholdOverrides;
}

const readSummaries = (env: Env): SummarySettings =>
  Object.freeze({
    enabled: choice(env, 'STATMGR_SUMMARIES', ['on', 'off'] as const) === 'on',
    periodStartHour: integer(env, 'STATMGR_SUMMARY_PERIOD_START_HOUR'),
    silentMinutes: integer(env, 'STATMGR_SUMMARY_SILENT_MINUTES'),
    thresholds: parseThresholdOverrides(
      text(env, 'STATMGR_SUMMARY_THRESHOLDS'),
      'STATMGR_SUMMARY_THRESHOLDS',
    ),
  });
/** Status filter rules, their webhooks and the rules CLI (docs/rules.md). */
export interface RulesSettings {
  /** How long an instance uses its cached rules before reading them again (at most 30 s). */
  readonly refreshSeconds: number;
  /** HMAC-SHA256 key of the `X-Statmgr-Signature` header; rules with `notify` are refused without it. */
  readonly notifySecret: string | undefined;
  /** Hosts https webhooks may go to (`*.example.com` for subdomains); http only to loopback. */
  readonly notifyAllowedHosts: readonly string[];
  /** Delivery attempts (delayed copies with backoff) before a notification is left to the poison queue. */
  readonly notifyMaxAttempts: number;
  /** Per-attempt timeout of a webhook POST. */
  readonly notifyTimeoutSeconds: number;
  /** The rules CLI: the HTTP API's base URL (default: the local host on STATMGR_HTTP_PORT). */
  readonly apiUrl: string;
}

const hostPattern = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

const readRules = (env: Env): RulesSettings => {
  const hosts = (text(env, 'STATMGR_NOTIFY_ALLOWED_HOSTS') ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  const bad = hosts.find((host) => !hostPattern.test(host));
  if (bad !== undefined) {
    throw new ConfigError(
      `STATMGR_NOTIFY_ALLOWED_HOSTS must be a comma-separated list of host names (or *.domain), got "${bad}"`,
    );
  }
  const apiUrl =
    url(env, 'STATMGR_API_URL')?.href ?? `http://127.0.0.1:${integer(env, 'STATMGR_HTTP_PORT')}/api`;
  return Object.freeze({
    refreshSeconds: integer(env, 'STATMGR_RULES_REFRESH_SECONDS'),
    notifySecret: text(env, 'STATMGR_NOTIFY_SECRET'),
    notifyAllowedHosts: Object.freeze(hosts),
    notifyMaxAttempts: integer(env, 'STATMGR_NOTIFY_MAX_ATTEMPTS'),
    notifyTimeoutSeconds: integer(env, 'STATMGR_NOTIFY_TIMEOUT_SECONDS'),
    apiUrl: apiUrl.replace(/\/+$/, ''),
  });
};

/** Reads and validates every setting statmgr uses. Pure: tests pass their own environment. */
export const loadConfig = (env: Env): Config =>
  Object.freeze({
    storage: Object.freeze(readStorage(env)),
    cosmos: readCosmos(env),
    httpPort: integer(env, 'STATMGR_HTTP_PORT'),
    queueLockSeconds: integer(env, 'STATMGR_QUEUE_LOCK_SECONDS'),
    drainSeconds: integer(env, 'STATMGR_DRAIN_SECONDS'),
    hostJsonPath: text(env, 'STATMGR_HOST_JSON'),
    apiKey: text(env, 'STATMGR_API_KEY'),
    appInsightsConnectionString: text(env, 'APPLICATIONINSIGHTS_CONNECTION_STRING'),
    agentGapAgeSeconds: integer(env, 'STATMGR_AGENT_GAP_AGE_SECONDS'),
    agentOutboxDir: text(env, 'STATMGR_AGENT_OUTBOX'),
    agentSas: text(env, 'STATMGR_AGENT_SAS'),
    appInsightsAuthenticationString: text(env, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'),
    telemetryExporter: choice(env, 'STATMGR_TELEMETRY', telemetryExporters),
    otlpEndpoint: url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')?.href,
    retry: readRetry(env),
    summaries: readSummaries(env),
    rules: readRules(env),
    chromiumPath: text(env, 'STATMGR_CHROMIUM'),
    testBreakIngest: choice(env, 'STATMGR_TEST_BREAK_INGEST', ingestBreaks),
  });

let cached: Config | undefined;

/** The process's configuration, read once from `process.env` on first use. */
export const getConfig = (): Config => (cached ??= loadConfig(process.env));
