import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readAgentStatus, type AgentStatus } from '../agent-status/agent-status';
import { getConfig } from '../config';
import { createCosmosClient, openContainers } from '../cosmos/cosmos-client';
import { describeError, ValidationError } from '../errors';
import { sleep } from '../local/sleep';
import { consoleLogger } from '../log';
import { agentQueueClient, authForUrl, authFromSettings } from './agent-queue';
import { parseAgentKey, Outbox } from './outbox';
import { machineName, sampleMessage } from './sample-traffic';
import { StatusReporter, whenFullPolicies, type WhenFullPolicy } from './status-reporter';

const usage = `Usage: npm run agent -- <command> [options]

Commands:
  simulate        N machines producing status messages (the default; "--count N --machines M" alone works)
  send [JSON...]  report status messages given as arguments, --file F (JSON lines; "-" = stdin), or stdin
  outbox show     what the outbox holds: pending messages per agent, next sequence numbers
  outbox flush    send what the outbox holds and wait until the queue has it
  agents          per machine: highest contiguous sequence number stored and gaps (reads Cosmos)

Every command that reports goes through the durable outbox (--outbox DIR): a message is on disk before
it counts as reported, and stays there until the queue has accepted it. A killed agent loses nothing:
the next run (any command) sends what was left.

simulate:
  --count N          status messages (default 1000)      --machines M    machines (default 10)
  --site CODE        site code (default P01)              --rate R        messages per second (default: no limit)
  --resume           continue a simulation this outbox already started (skips what it reported)
  --wait             wait until the server has stored every number (checks the agents summaries)
  --timeout S        with --wait or flush: give up after S seconds (default 600)
agents:
  --site CODE        site (default P01)  --machine NAME (default: WS-0000.. for --machines M)
  --gap-age S        report missing numbers older than S seconds as gaps (default 0 here)
Queue and outbox:
  --outbox DIR       outbox directory (default STATMGR_AGENT_OUTBOX or ./.statmgr-outbox)
  --connection-string CS   Storage connection string (may carry a SharedAccessSignature)
  --queue-url URL    queue service URL: with a SAS query string, or else Entra ID (@azure/identity)
  --client-id ID     user-assigned managed identity for Entra ID
  --fsync always|MS  fsync every report (default) or every MS milliseconds
  --max-wait MS      send a partial envelope after MS (default 1000)
  --max-outbox N     bound on unsent messages (default 100000)   --when-full reject|block (default block)
  --concurrency C    envelopes in flight (default 8)            --max-backoff MS (default 30000)
Without --connection-string/--queue-url the queue comes from StatusStorage or StatusStorage__queueServiceUri
(default: local Azurite); Cosmos (for --wait and agents) from COSMOS_ENDPOINT.

Examples:
  npm run agent -- simulate --machines 50 --count 10000 --rate 200 --wait
  npm run agent -- send '{"time":"2026-11-25T13:37:00Z","severity":"info","messageId":1,"component":"C","site":"P01","machine":"WS-1"}'
  npm run agent -- send --file messages.jsonl
  npm run agent -- outbox show`;

const wholeNumber = (
  value: string | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number,
): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ValidationError([`${flag} must be a whole number from ${min} to ${max}, got "${value}"`]);
  }
  return Number(value);
};

const readJsonLines = (text: string, source: string): unknown[] =>
  text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new ValidationError([`${source} line ${number}: is not valid JSON`]);
      }
    });

const options = {
  count: { type: 'string' },
  machines: { type: 'string' },
  machine: { type: 'string' },
  site: { type: 'string' },
  rate: { type: 'string' },
  resume: { type: 'boolean' },
  file: { type: 'string' },
  message: { type: 'string', multiple: true },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  'gap-age': { type: 'string' },
  outbox: { type: 'string' },
  'connection-string': { type: 'string' },
  'queue-url': { type: 'string' },
  'client-id': { type: 'string' },
  fsync: { type: 'string' },
  'max-wait': { type: 'string' },
  'max-outbox': { type: 'string' },
  'when-full': { type: 'string' },
  concurrency: { type: 'string' },
  'max-backoff': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

const log = consoleLogger({ component: 'statmgr-agent' });

const outboxDir = (values: Values): string =>
  resolve(values.outbox ?? getConfig().agentOutboxDir ?? '.statmgr-outbox');

const openReporter = async (values: Values): Promise<StatusReporter> => {
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
      : wholeNumber(values.fsync, '--fsync', 100, 1, 60_000);
  return StatusReporter.open({
    outboxDir: outboxDir(values),
    queue: agentQueueClient(auth),
    fsync,
    maxWaitMs: wholeNumber(values['max-wait'], '--max-wait', 1000, 0, 600_000),
    maxOutboxMessages: wholeNumber(values['max-outbox'], '--max-outbox', 100_000, 1, 100_000_000),
    whenFull,
    concurrency: wholeNumber(values.concurrency, '--concurrency', 8, 1, 256),
    backoff: {
      initialMs: 250,
      maxMs: wholeNumber(values['max-backoff'], '--max-backoff', 30_000, 250, 600_000),
    },
    logger: log,
  });
};

const printStats = (reporter: StatusReporter, what: string): void => {
  const s = reporter.stats();
  console.log(
    `${what}: reported=${s.reported} sent=${s.sentMessages} envelopes=${s.sentEnvelopes} pending=${s.pending}` +
      ` retries=${s.retries} outboxFull=${s.outboxFull} rejected=${s.rejected}` +
      (s.recovery.pending > 0 || s.recovery.tornBytes > 0
        ? ` recovered=${s.recovery.pending} tornBytes=${s.recovery.tornBytes}`
        : ''),
  );
};

/** Reports messages with up to 256 appends in flight (they share fsyncs), paced to `rate` per second. */
const reportAll = async (
  reporter: StatusReporter,
  count: number,
  message: (i: number) => unknown,
  rate: number | undefined,
  from = 0,
): Promise<void> => {
  const started = Date.now();
  let i = from;
  while (i < count) {
    const due =
      rate === undefined
        ? count
        : Math.min(count, from + Math.floor(((Date.now() - started) / 1000) * rate) + 1);
    const end = Math.min(due, i + 256);
    if (end <= i) {
      await sleep(20);
      continue;
    }
    const batch: Promise<unknown>[] = [];
    for (; i < end; i += 1) batch.push(reporter.report(message(i)));
    await Promise.all(batch);
  }
};

const progressTimer = (reporter: StatusReporter): NodeJS.Timeout =>
  setInterval(() => printStats(reporter, 'progress'), 5000).unref();

const agentStatuses = async (
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

/** Polls the agents summaries until each machine's highest contiguous number reaches its last one. */
const waitCaughtUp = async (
  site: string,
  expected: ReadonlyMap<string, number>,
  timeoutMs: number,
): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  const machines = [...expected.keys()];
  while (Date.now() < deadline) {
    const statuses = await agentStatuses(site, machines, 0).catch(() => []);
    const done = machines.filter((m, i) => (statuses[i]?.highestContiguous ?? 0) >= expected.get(m)!).length;
    if (done === machines.length) return true;
    await sleep(250);
  }
  return false;
};

const simulate = async (values: Values): Promise<void> => {
  const count = wholeNumber(values.count, '--count', 1000, 1, 10_000_000);
  const machines = wholeNumber(values.machines, '--machines', 10, 1, 100_000);
  const site = values.site ?? 'P01';
  const rate = values.rate === undefined ? undefined : wholeNumber(values.rate, '--rate', 100, 1, 1_000_000);
  const reporter = await openReporter(values);
  const timer = progressTimer(reporter);
  try {
    // Message i goes to machine i % machines as its (i / machines + 1)th number, so what an earlier run
    // of this simulation reported is exactly the numbers each machine has already used.
    const names = Array.from({ length: machines }, (_, m) => machineName(m));
    const from = values.resume ? names.reduce((sum, m) => sum + reporter.nextSeq(site, m) - 1, 0) : 0;
    if (values.resume) console.log(`resuming at message ${from} of ${count}`);
    const start = new Date();
    await reportAll(reporter, count, (i) => sampleMessage(i, machines, site, start), rate, from);
    printStats(reporter, 'reported');
    const expected = new Map(names.map((m) => [m, reporter.nextSeq(site, m) - 1]));
    const timeoutMs = wholeNumber(values.timeout, '--timeout', 600, 1, 86_400) * 1000;
    const flushed = await reporter.close(timeoutMs);
    clearInterval(timer);
    printStats(reporter, flushed ? 'sent' : 'NOT all sent (still in the outbox)');
    if (!flushed) process.exitCode = 1;
    else if (values.wait) {
      const caughtUp = await waitCaughtUp(site, expected, timeoutMs);
      const seconds = ((Date.now() - start.getTime()) / 1000).toFixed(2);
      console.log(
        caughtUp
          ? `stored: every machine's numbers are contiguous up to its last, ${seconds} s after the first report`
          : 'not all stored in time',
      );
      if (!caughtUp) process.exitCode = 1;
    }
  } finally {
    clearInterval(timer);
    await reporter.close(0);
  }
};

const send = async (values: Values, args: readonly string[]): Promise<void> => {
  let messages: unknown[];
  if (args.length > 0 || values.message) {
    messages = [...args, ...(values.message ?? [])].flatMap((text) => readJsonLines(text, 'argument'));
  } else if (values.file !== undefined && values.file !== '-') {
    messages = readJsonLines(readFileSync(values.file, 'utf8'), values.file);
  } else {
    messages = readJsonLines(readFileSync(0, 'utf8'), 'stdin');
  }
  if (messages.length === 0) throw new ValidationError(['no status messages to send']);
  const reporter = await openReporter(values);
  try {
    const receipts = [];
    for (const message of messages) receipts.push(await reporter.report(message));
    const flushed = await reporter.close(wholeNumber(values.timeout, '--timeout', 600, 1, 86_400) * 1000);
    const seqs = receipts.map((r) => `${r.site}/${r.machine}#${r.seq}`).join(' ');
    console.log(`${flushed ? 'sent' : 'kept in the outbox (queue unreachable)'}: ${seqs}`);
    if (!flushed) process.exitCode = 1;
  } finally {
    await reporter.close(0);
  }
};

const outbox = async (values: Values, action: string | undefined): Promise<void> => {
  if (action === 'flush') {
    const reporter = await openReporter(values);
    const timer = progressTimer(reporter);
    try {
      const flushed = await reporter.close(wholeNumber(values.timeout, '--timeout', 600, 1, 86_400) * 1000);
      printStats(reporter, flushed ? 'flushed' : 'NOT all sent (still in the outbox)');
      if (!flushed) process.exitCode = 1;
    } finally {
      clearInterval(timer);
    }
    return;
  }
  if (action !== undefined && action !== 'show')
    throw new ValidationError([`unknown outbox action "${action}"`]);
  const box = await Outbox.open(outboxDir(values));
  try {
    const { recovery } = box;
    console.log(
      `outbox ${box.dir}: ${box.pending} pending, ${recovery.segments} segment files` +
        (recovery.tornBytes ? `, ${recovery.tornBytes} torn bytes cut off` : '') +
        (recovery.corruptSegments.length ? `, CORRUPT: ${recovery.corruptSegments.join(', ')}` : ''),
    );
    for (const [key, entries] of box.pendingEntries()) {
      const [site, machine] = parseAgentKey(key);
      console.log(
        `  ${site}/${machine}: ${entries.length} pending, seq ${entries[0]?.seq}..${entries.at(-1)?.seq}, next ${box.nextSeq(site, machine)}`,
      );
    }
  } finally {
    await box.close();
  }
};

const agents = async (values: Values): Promise<void> => {
  const site = values.site ?? 'P01';
  const machines = values.machine
    ? [values.machine]
    : Array.from({ length: wholeNumber(values.machines, '--machines', 10, 1, 100_000) }, (_, m) =>
        machineName(m),
      );
  const gapAge = wholeNumber(values['gap-age'], '--gap-age', 0, 0, 30 * 86_400);
  const statuses = await agentStatuses(site, machines, gapAge);
  let total = 0;
  let gaps = 0;
  statuses.forEach((status, i) => {
    if (!status) return console.log(`  ${site}/${machines[i]}: unknown (nothing numbered stored)`);
    total += status.stored;
    gaps += status.gaps.length;
    const gapText = status.gaps.map((g) => `${g.first}-${g.last} (${g.ageSeconds}s)`).join(', ');
    console.log(
      `  ${site}/${status.machine}: highestContiguous=${status.highestContiguous} highestSeen=${status.highestSeen} stored=${status.stored}${gapText ? ` GAPS ${gapText}` : ''}`,
    );
  });
  console.log(`agents: ${statuses.filter(Boolean).length} known, ${total} numbers stored, ${gaps} gaps`);
  if (gaps > 0) process.exitCode = 3;
};

const main = async (): Promise<void> => {
  const { values, positionals } = parseArgs({ allowPositionals: true, options });
  if (values.help) return console.log(usage);
  const [command = values.file || values.message ? 'send' : 'simulate', ...rest] = positionals;
  if (command === 'simulate' && rest.length === 0) return simulate(values);
  if (command === 'send') return send(values, rest);
  if (command === 'outbox' && rest.length <= 1) return outbox(values, rest[0]);
  if (command === 'agents' && rest.length === 0) return agents(values);
  throw new ValidationError([`unknown command "${positionals.join(' ')}"; see --help`]);
};

main().catch((error: unknown) => {
  console.error(
    error instanceof ValidationError
      ? `statmgr agent: ${error.message}`
      : `statmgr agent: ${describeError(error)}`,
  );
  process.exit(error instanceof ValidationError ? 2 : 1);
});
