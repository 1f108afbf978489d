import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readAgentStatus, type AgentStatus } from '../agent-status/agent-status';
import {
  agentQueueClient,
  authForUrl,
  authFromSettings,
  withSas,
  type AgentStorageAuth,
} from '../agent/agent-queue';
import { StatusReporter, whenFullPolicies, type WhenFullPolicy } from '../agent/status-reporter';
import { getConfig } from '../config';
import { createCosmosClient, openContainers } from '../cosmos/cosmos-client';
import { ValidationError } from '../errors';
import { consoleLogger } from '../log';
import type { SettingName } from '../settings';
import { wholeNumber, type OptionValues } from './command';

/** The options of every agent command that reports or sends: where the outbox and the queue are. */
export const outboxOptions = {
  outbox: {
    type: 'string',
    arg: 'DIR',
    help: 'outbox directory (default STATMGR_AGENT_OUTBOX or ./.statmgr-outbox)',
  },
} as const;

export const reporterOptions = {
  ...outboxOptions,
  'connection-string': {
    type: 'string',
    arg: 'CS',
    help: 'refused: a secret in an argument is visible to every user (use StatusStorage or the file option)',
  },
  'connection-string-file': {
    type: 'string',
    arg: 'F',
    help: 'read the Storage connection string from file F',
  },
  'queue-url': {
    type: 'string',
    arg: 'URL',
    help: 'queue service URL (no SAS in it): with --sas-file / STATMGR_AGENT_SAS a SAS, else Entra ID',
  },
  'sas-file': { type: 'string', arg: 'F', help: 'read the SAS token (sv=...&sig=...) from file F' },
  'client-id': { type: 'string', arg: 'ID', help: 'user-assigned managed identity for Entra ID' },
  fsync: { type: 'string', arg: 'always|MS', help: 'fsync every report (default) or every MS milliseconds' },
  'max-wait': { type: 'string', arg: 'MS', help: 'send a partial envelope after MS (default 1000)' },
  'max-outbox': { type: 'string', arg: 'N', help: 'bound on unsent messages (default 100000)' },
  'when-full': {
    type: 'string',
    arg: 'reject|block',
    help: 'what report() does when the outbox is full (default block)',
  },
  concurrency: { type: 'string', arg: 'C', help: 'envelopes in flight (default 8)' },
  'max-backoff': { type: 'string', arg: 'MS', help: 'longest wait between retries (default 30000)' },
} as const;

/** Settings an agent command that sends reads when no --connection-string / --queue-url is given. */
export const reporterSettings: readonly SettingName[] = [
  'StatusStorage',
  'StatusStorage__queueServiceUri',
  'StatusStorage__clientId',
  'STATMGR_AGENT_OUTBOX',
  'STATMGR_AGENT_SAS',
];

/** Settings of the commands that read the agents summaries in Cosmos. */
export const cosmosSettings: readonly SettingName[] = ['COSMOS_ENDPOINT', 'COSMOS_KEY', 'COSMOS_DATABASE'];

export const outboxDir = (values: OptionValues<typeof outboxOptions>): string =>
  resolve(values.outbox ?? getConfig().agentOutboxDir ?? '.statmgr-outbox');

const log = consoleLogger({ component: 'statmgr-agent' });

/** A secret file's text, trimmed; its content never appears in an error. */
const secretFile = (path: string, option: string): string => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new ValidationError([
      `--${option}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  if (text === '') throw new ValidationError([`--${option}: ${path} is empty`]);
  return text;
};

/**
 * How the agent reaches the queue. Secrets come from the environment or a file, never from an argument
 * (every user of the machine can read arguments with ps): a connection string from StatusStorage or
 * --connection-string-file, a SAS from STATMGR_AGENT_SAS or --sas-file. A SAS over http:// is refused
 * unless the host is a loopback address. No secret is ever printed.
 */
export const agentAuth = (values: Partial<OptionValues<typeof reporterOptions>>): AgentStorageAuth => {
  const config = getConfig();
  if (values['connection-string'] !== undefined) {
    throw new ValidationError([
      '--connection-string: a secret on the command line is visible to every user of this machine (ps, shell ' +
        'history); set StatusStorage in the environment or use --connection-string-file F',
    ]);
  }
  const queueUrl = values['queue-url'];
  if (queueUrl !== undefined && /[?&]sig=/i.test(queueUrl)) {
    throw new ValidationError([
      '--queue-url: carries a SAS (sig=), and a secret on the command line is visible to every user of this ' +
        'machine; give the URL without its query and the SAS in STATMGR_AGENT_SAS or --sas-file F',
    ]);
  }
  if (values['connection-string-file'] !== undefined) {
    const connectionString = secretFile(values['connection-string-file'], 'connection-string-file');
    return { kind: 'connectionString', connectionString };
  }
  const sas = values['sas-file'] !== undefined ? secretFile(values['sas-file'], 'sas-file') : config.agentSas;
  const url = queueUrl ?? (config.storage.kind === 'identity' ? config.storage.queueServiceUri : undefined);
  if (sas !== undefined) {
    if (url === undefined) {
      throw new ValidationError([
        'a SAS needs the queue service URL: --queue-url or StatusStorage__queueServiceUri',
      ]);
    }
    return authForUrl(withSas(url, sas));
  }
  if (queueUrl !== undefined) return authForUrl(queueUrl, values['client-id']);
  return authFromSettings(config.storage);
};

export const openReporter = async (values: OptionValues<typeof reporterOptions>): Promise<StatusReporter> => {
  const auth = agentAuth(values);
  const whenFull = (values['when-full'] ?? 'block') as WhenFullPolicy;
  if (!whenFullPolicies.includes(whenFull))
    throw new ValidationError(['--when-full must be reject or block']);
  const fsync =
    values.fsync === undefined || values.fsync === 'always'
      ? ('always' as const)
      : wholeNumber(values.fsync, 'fsync', 100, 1, 60_000);
  return StatusReporter.open({
    outboxDir: outboxDir(values),
    queue: agentQueueClient(auth),
    fsync,
    maxWaitMs: wholeNumber(values['max-wait'], 'max-wait', 1000, 0, 600_000),
    maxOutboxMessages: wholeNumber(values['max-outbox'], 'max-outbox', 100_000, 1, 100_000_000),
    whenFull,
    concurrency: wholeNumber(values.concurrency, 'concurrency', 8, 1, 256),
    backoff: {
      initialMs: 250,
      maxMs: wholeNumber(values['max-backoff'], 'max-backoff', 30_000, 250, 600_000),
    },
    logger: log,
  });
};

export const printStats = (reporter: StatusReporter, what: string): void => {
  const s = reporter.stats();
  console.log(
    `${what}: reported=${s.reported} sent=${s.sentMessages} envelopes=${s.sentEnvelopes} pending=${s.pending}` +
      ` retries=${s.retries} outboxFull=${s.outboxFull} rejected=${s.rejected}` +
      (s.recovery.pending > 0 || s.recovery.tornBytes > 0
        ? ` recovered=${s.recovery.pending} tornBytes=${s.recovery.tornBytes}`
        : ''),
  );
};

export const progressTimer = (reporter: StatusReporter): NodeJS.Timeout =>
  setInterval(() => printStats(reporter, 'progress'), 5000).unref();

/** Each machine's agent summary (undefined for a machine nothing numbered was stored for). */
export const agentStatuses = async (
  site: string,
  machines: readonly string[],
  gapAge: number,
): Promise<(AgentStatus | undefined)[]> => {
  const config = getConfig();
  const client = createCosmosClient(config.cosmos);
  try {
    const { agents } = openContainers(client, config.cosmos.database);
    return await Promise.all(machines.map((m) => readAgentStatus(agents, site, m, new Date(), gapAge)));
  } finally {
    client.dispose();
  }
};
