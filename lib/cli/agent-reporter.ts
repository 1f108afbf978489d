import { resolve } from 'node:path';
import { readAgentStatus, type AgentStatus } from '../agent-status/agent-status';
import { agentQueueClient, authForUrl, authFromSettings } from '../agent/agent-queue';
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
  'connection-string': { type: 'string', arg: 'CS', help: 'Storage connection string (may carry a SAS)' },
  'queue-url': {
    type: 'string',
    arg: 'URL',
    help: 'queue service URL: with a SAS query string, or else Entra ID',
  },
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
];

/** Settings of the commands that read the agents summaries in Cosmos. */
export const cosmosSettings: readonly SettingName[] = ['COSMOS_ENDPOINT', 'COSMOS_KEY', 'COSMOS_DATABASE'];

export const outboxDir = (values: OptionValues<typeof outboxOptions>): string =>
  resolve(values.outbox ?? getConfig().agentOutboxDir ?? '.statmgr-outbox');

const log = consoleLogger({ component: 'statmgr-agent' });

export const openReporter = async (values: OptionValues<typeof reporterOptions>): Promise<StatusReporter> => {
  const config = getConfig();
  const auth = values['connection-string']
    ? { kind: 'connectionString' as const, connectionString: values['connection-string'] }
    : values['queue-url']
      ? authForUrl(values['queue-url'], values['client-id'])
      : authFromSettings(config.storage);
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
