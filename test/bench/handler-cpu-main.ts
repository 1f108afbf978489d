import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { buildEnvelopes } from '../../lib/agent/build-envelopes';
import { sampleMessages } from '../../lib/agent/sample-traffic';
import { disposeRuntime } from '../../lib/runtime';
import { queueTypedData, type FunctionsCore, type RegisteredFunction } from '../../lib/local/functions-core';
import { loadFunctions } from '../../lib/local/local-host';
import { names } from '../../lib/names';
import { distScript } from './bench-processes';
import { measureRequestCpu } from './request-cpu';
import { forEachConcurrently } from './run-load';

/**
 * The worker's share of the CPU (what the Node worker does in Azure: the queue trigger's JSON parse, then the
 * ingest handler: decode, validate, ids, documents, the Cosmos request), measured alone: this process calls
 * the real `ingest-status` handler, loaded from dist/functions like the host does, with `batchSize`
 * invocations in flight, against the Cosmos emulator of the environment. No queue work happens here (that
 * is the Functions host's share), so this process's CPU time per status message is the handler's.
 * Then, for the arithmetic in docs/performance.md, the CPU of one Cosmos request of each kind the ingest makes.
 * The same with envelopes numbered as lib/agent numbers them (the agent's sequence range is recorded too), and
 * as a fleet sends them: envelopes of 10 messages from machines (of `fleetSites` sites, default 1: a
 * Configuration Manager primary site has thousands of clients) that each report once in the run (in a fleet
 * whose machines report every few minutes, every envelope refreshes its machine's presence; not numbered, so
 * that this figure holds the presence and the numbered one the agent's range).
 * Arguments: [messages] [machines] [in flight] [fleet sites] [profile path].
 * Prints one JSON line: {"messages","seconds","handlerCpuUsPerMsg","systemUsPerMsg",
 * "handlerNumberedCpuUsPerMsg","handlerFleetCpuUsPerMsg","batchRequestCpuUs","createRequestCpuUs"}.
 */
const [messagesArg = '20000', machinesArg = '50', inFlightArg = '16', fleetSitesArg = '1', profilePath] =
  process.argv.slice(2);

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
  core: FunctionsCore,
  ingest: RegisteredFunction,
  bodies: readonly string[],
  inFlight: number,
): Promise<void> =>
  forEachConcurrently(bodies, inFlight, async (body) => {
    const metadata = {
      Id: { json: JSON.stringify(randomUUID()) },
      DequeueCount: { json: '1' },
      InsertionTime: { json: JSON.stringify(new Date().toISOString()) },
    };
    // Through the library's invocation model, as the worker runs it: the body as the host sends it for the
    // trigger's dataType (bytes for ingest-status), and the context. Log lines, which the worker forwards to
    // the host, are dropped here.
    const data = queueTypedData(ingest.trigger, Buffer.from(body, 'utf8'));
    await core.invoke(ingest, randomUUID(), data, metadata, () => undefined);
  });

const main = async (): Promise<void> => {
  const messages = Number(messagesArg);
  const machines = Number(machinesArg);
  const inFlight = Number(inFlightArg);
  // Loaded as the host loads them: each file registers its function with @azure/functions when it loads.
  const core = loadFunctions(distScript('functions'));
  const ingest = core.functions.find(
    (fn) => fn.trigger.type === 'queueTrigger' && fn.trigger.queueName === names.queue,
  );
  if (!ingest) throw new Error('no queue function on status-messages');
  const bodiesOf = (count: number): string[] =>
    buildEnvelopes(sampleMessages(count, machines)).map((envelope) => JSON.stringify(envelope));
  // As lib/agent sends them: each machine numbers its messages (seq), so the ingest also records the agent's
  // sequence range. Numbers continue from run to run, as an agent's do.
  const nextSeq = new Map<string, number>();
  const numberedBodiesOf = (count: number): string[] =>
    buildEnvelopes(sampleMessages(count, machines), {
      seqStart: (site, machine) => nextSeq.get(`${site}/${machine}`) ?? 1,
    }).map((envelope) => {
      const key = `${envelope.site}/${envelope.machine}`;
      nextSeq.set(key, Math.max(nextSeq.get(key) ?? 1, envelope.seq! + envelope.messages.length));
      return JSON.stringify(envelope);
    });
  // A fleet: `fleetSites` sites, envelopes of 10 messages, each from a machine seen once in the run (`run` names the
  // sites, so the warm-up's machines are not the measured run's).
  const fleetSites = Number(fleetSitesArg);
  const fleetBodiesOf = (count: number, run: string): string[] => {
    const perSite = Array.from({ length: fleetSites }, (_, s) =>
      buildEnvelopes(sampleMessages(count / fleetSites, count / fleetSites / 10, `${run}${s}`)).map(
        (envelope) => JSON.stringify(envelope),
      ),
    );
    // Interleaved, as envelopes of many sites arrive together.
    return perSite[0]!.flatMap((_, i) =>
      perSite.flatMap((bodies) => (i < bodies.length ? [bodies[i]!] : [])),
    );
  };
  const measure = async (bodies: readonly string[], profile?: string): Promise<NodeJS.CpuUsage> => {
    const before = process.cpuUsage();
    await profiled(profile, () => run(core, ingest, bodies, inFlight));
    return process.cpuUsage(before);
  };
  const perMsg = (used: NodeJS.CpuUsage): number =>
    Math.round(((used.user + used.system) / messages) * 10) / 10;
  // Warm-up (JIT, connections, the SDK's caches), then the measured run on fresh batches.
  await run(core, ingest, bodiesOf(Math.min(5000, messages)), inFlight);
  const bodies = bodiesOf(messages);
  const started = process.hrtime.bigint();
  const cpu = await measure(bodies, profilePath);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await run(core, ingest, numberedBodiesOf(Math.min(5000, messages)), inFlight);
  const numbered = await measure(numberedBodiesOf(messages));
  await run(core, ingest, fleetBodiesOf(Math.min(5000, messages), 'FW'), inFlight);
  const fleet = await measure(fleetBodiesOf(messages, 'F'));
  const requests = await measureRequestCpu(200, inFlight);
  disposeRuntime();
  console.log(
    JSON.stringify({
      messages,
      seconds: Math.round(seconds * 100) / 100,
      handlerCpuUsPerMsg: perMsg(cpu),
      systemUsPerMsg: Math.round((cpu.system / messages) * 10) / 10,
      handlerNumberedCpuUsPerMsg: perMsg(numbered),
      handlerFleetCpuUsPerMsg: perMsg(fleet),
      ...requests,
    }),
  );
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
