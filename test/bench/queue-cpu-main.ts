import { join } from 'node:path';
import { buildEnvelopes } from '../../lib/agent/build-envelopes';
import { sampleMessages } from '../../lib/agent/sample-traffic';
import { getConfig } from '../../lib/config';
import { queueHostSettings, readHostJson } from '../../lib/local/host-settings';
import { LocalHost } from '../../lib/local/local-host';
import { createLogger } from '../../lib/log';
import { names } from '../../lib/names';
import { createQueueServiceClient } from '../../lib/queue/queue-client';
import { hostJsonPath } from '../../lib/util/paths';
import { waitUntil } from '../../lib/util/wait-until';
import type * as QueueOnly from './queue-only/queue-only-ingest';
import { forEachConcurrently } from './run-load';

/**
 * The Functions host's share of the CPU, measured alone: the local host with the project's host.json runs a
 * function that does nothing (test/bench/queue-only) on a backlog of the pipeline's envelopes, so this
 * process's CPU from the host's start to the last invocation is the queue work: fetch (the Storage SDK and its
 * XML), one delete per queue message, the invocation and its log line. Prints one JSON line:
 * {"statusMessages","queueSideCpuUsPerMsg","startupCpuMs"}.
 */
const [messagesArg = '20000', machinesArg = '50'] = process.argv.slice(2);

const cpuMs = (): number => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
};

const main = async (): Promise<void> => {
  const config = getConfig();
  const queue = createQueueServiceClient(config.storage).getQueueClient(names.queue);
  const bodies = buildEnvelopes(sampleMessages(Number(messagesArg), Number(machinesArg))).map((envelope) =>
    JSON.stringify(envelope),
  );
  await forEachConcurrently(bodies, 16, async (body) => {
    await queue.sendMessage(body, { messageTimeToLive: -1 });
  });
  const folder = join(__dirname, 'queue-only');
  const before = cpuMs();
  const warnings: string[] = [];
  const host = await LocalHost.start({
    functionsDir: folder,
    queueSettings: queueHostSettings(readHostJson(hostJsonPath)),
    config,
    apiKey: 'bench',
    // The lines a host writes go to its log; here they are formatted and dropped, warnings kept.
    log: createLogger((level, line) => (level === 'info' ? undefined : void warnings.push(line))),
    onFatal: (error) => {
      throw error;
    },
  });
  const started = cpuMs();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { invocationCount } = require(join(folder, 'queue-only-ingest.js')) as typeof QueueOnly;
  await waitUntil(async () => invocationCount() >= bodies.length, 'every queue message taken', 600_000, 50);
  const used = cpuMs() - started;
  await host.stop(10_000);
  if (warnings.length > 0) throw new Error(`the queue-only host warned:\n${warnings.slice(0, 5).join('\n')}`);
  const statusMessages = Number(messagesArg);
  console.log(
    JSON.stringify({
      statusMessages,
      queueSideCpuUsPerMsg: Math.round((used * 1000 * 10) / statusMessages) / 10,
      startupCpuMs: Math.round(started - before),
    }),
  );
  process.exit(0);
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
