import { randomUUID } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { InvocationContext } from '@azure/functions';
import { buildEnvelopes } from '../../lib/agent/build-envelopes';
import { sampleMessages } from '../../lib/agent/sample-traffic';
import { disposeRuntime } from '../../lib/runtime';
import { registeredFunctions, type QueueFunctionDefinition } from '../../functions/shared/register';
import { names } from '../../lib/names';
import { distScript } from './bench-processes';

/**
 * The worker's share of the CPU (what the Node worker does in Azure: the queue trigger's JSON parse, then the
 * ingest handler: decode, validate, ids, documents, the Cosmos request), measured alone: this process calls
 * the real `ingest-status` handler, loaded from dist/functions like the host does, with `batchSize`
 * invocations in flight, against the Cosmos emulator of the environment. No queue work happens here (that
 * is the Functions host's share), so this process's CPU time per status message is the handler's.
 * Prints one JSON line: {"messages","seconds","handlerCpuUsPerMsg"}.
 */
const [messagesArg = '20000', machinesArg = '50', inFlightArg = '16', profilePath] = process.argv.slice(2);

/** Profiles `work` alone (not the warm-up) with the inspector, into `path` when given. */
const profiled = async (path: string | undefined, work: () => Promise<void>): Promise<void> => {
  if (!path) return work();
  const session = new Session();
  session.connect();
  const post = (method: string): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  await work();
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  writeFileSync(path, JSON.stringify(profile));
  session.disconnect();
};

const run = async (
  handler: QueueFunctionDefinition['handler'],
  bodies: readonly string[],
  inFlight: number,
): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const invocationId = randomUUID();
      const context = new InvocationContext({
        invocationId,
        functionName: 'ingest-status',
        triggerMetadata: { id: randomUUID(), dequeueCount: 1, insertionTime: new Date().toISOString() },
        // The worker forwards each log line to the host; here it is dropped, as the host's share.
        logHandler: () => undefined,
      });
      // The Node library JSON-parses a string trigger body before the handler sees it.
      await handler(JSON.parse(body) as unknown, context);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
};

const main = async (): Promise<void> => {
  const messages = Number(messagesArg);
  const machines = Number(machinesArg);
  const inFlight = Number(inFlightArg);
  const dir = distScript('functions');
  // Loaded as the host loads them (each file registers its function when it loads).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.js'))) require(`${dir}/${file}`);
  const ingest = registeredFunctions().find(
    (definition): definition is QueueFunctionDefinition =>
      definition.kind === 'queue' && definition.queueName === names.queue,
  );
  if (!ingest) throw new Error('no queue function on status-messages');
  const bodiesOf = (count: number): string[] =>
    buildEnvelopes(sampleMessages(count, machines)).map((envelope) => JSON.stringify(envelope));
  // Warm-up (JIT, connections, the SDK's caches), then the measured run on fresh batches.
  await run(ingest.handler, bodiesOf(Math.min(5000, messages)), inFlight);
  const bodies = bodiesOf(messages);
  const started = process.hrtime.bigint();
  const before = process.cpuUsage();
  await profiled(profilePath, () => run(ingest.handler, bodies, inFlight));
  const cpu = process.cpuUsage(before);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  disposeRuntime();
  const handlerCpuUsPerMsg = Math.round(((cpu.user + cpu.system) / messages) * 10) / 10;
  console.log(JSON.stringify({ messages, seconds: Math.round(seconds * 100) / 100, handlerCpuUsPerMsg }));
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
