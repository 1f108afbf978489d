import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getConfig } from '../config';
import { createCosmosClient, openContainers } from '../cosmos/cosmos-client';
import { describeError, ValidationError } from '../errors';
import { createQueueServiceClient, openQueues } from '../queue/queue-client';
import { buildEnvelopes } from './build-envelopes';
import { sampleMessages } from './sample-traffic';
import { sendEnvelopes } from './send-envelopes';
import { waitStored } from './wait-stored';

const usage = `Usage: npm run agent -- <command> [options]

Commands:
  simulate   enqueue generated status messages (the default when --count is given)
  send       enqueue status messages from a JSON-lines file (--file F, "-" for stdin) or --message JSON

Options:
  --count N          simulate: how many status messages (1 to 10,000,000; default 1000)
  --machines M       simulate: spread over M machines (default 10)
  --site CODE        simulate: site code (default P01)
  --file F           send: JSON-lines file of status messages, "-" for stdin
  --message JSON     send: one status message
  --concurrency C    parallel enqueue requests (default 16)
  --wait             after enqueueing, wait until every message is stored in Cosmos and report the time
  --timeout S        with --wait: give up after S seconds (default 300)
  -h, --help         this text

Messages are validated with the server's schema, packed into envelopes (one machine each, up to 100
messages, under the 64 KiB queue limit) and enqueued with TTL -1 to the "status-messages" queue.
The queue and Cosmos are taken from StatusStorage and COSMOS_ENDPOINT (default: the local emulators).

Examples:
  npm run agent -- --count 1000 --machines 20 --wait
  npm run agent -- send --file messages.jsonl`;

const positiveInt = (value: string | undefined, flag: string, fallback: number, max: number): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new ValidationError([`${flag} must be a whole number from 1 to ${max}, got "${value}"`]);
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

const main = async (): Promise<void> => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      count: { type: 'string' },
      machines: { type: 'string' },
      site: { type: 'string' },
      file: { type: 'string' },
      message: { type: 'string' },
      concurrency: { type: 'string' },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(usage);
  const command = positionals[0] ?? (values.file || values.message ? 'send' : 'simulate');
  if (positionals.length > 1 || !['simulate', 'send'].includes(command)) {
    throw new ValidationError([`unknown command "${positionals.join(' ')}"; see --help`]);
  }
  let messages: unknown[];
  if (command === 'simulate') {
    const count = positiveInt(values.count, '--count', 1000, 10_000_000);
    const machines = positiveInt(values.machines, '--machines', 10, 100_000);
    messages = sampleMessages(count, machines, values.site ?? 'P01');
  } else if (values.message !== undefined) {
    messages = readJsonLines(values.message, '--message');
  } else if (values.file !== undefined) {
    const text = values.file === '-' ? readFileSync(0, 'utf8') : readFileSync(values.file, 'utf8');
    messages = readJsonLines(text, values.file);
  } else {
    throw new ValidationError(['send needs --file F or --message JSON']);
  }
  if (messages.length === 0) throw new ValidationError(['no status messages to send']);
  const envelopes = buildEnvelopes(messages);
  const config = getConfig();
  const { main: queue } = openQueues(createQueueServiceClient(config.storage));
  const started = Date.now();
  await sendEnvelopes(queue, envelopes, positiveInt(values.concurrency, '--concurrency', 16, 256));
  const enqueuedMs = Date.now() - started;
  console.log(
    `enqueued ${messages.length} status messages in ${envelopes.length} queue messages in ${(enqueuedMs / 1000).toFixed(2)} s`,
  );
  if (!values.wait) return;
  const client = createCosmosClient(config.cosmos);
  try {
    const { messages: container } = openContainers(client, config.cosmos.database);
    const timeoutMs = positiveInt(values.timeout, '--timeout', 300, 86_400) * 1000;
    const stored = await waitStored(
      container,
      envelopes.map((e) => e.batchId),
      messages.length,
      timeoutMs,
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `stored ${stored} of ${messages.length} status messages ${seconds.toFixed(2)} s after the first enqueue`,
    );
    if (stored !== messages.length) process.exitCode = 1;
  } finally {
    client.dispose();
  }
};

main().catch((error: unknown) => {
  console.error(
    error instanceof ValidationError
      ? `statmgr agent: ${error.message}`
      : `statmgr agent: ${describeError(error)}`,
  );
  process.exit(error instanceof ValidationError ? 2 : 1);
});
