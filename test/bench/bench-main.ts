import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildEnvelopes } from '../../lib/agent/build-envelopes';
import { sampleMessages } from '../../lib/agent/sample-traffic';
import { loadConfig } from '../../lib/config';
import {
  createCosmosClient,
  ensureCosmosResources,
  openContainers,
  type CosmosContainers,
} from '../../lib/cosmos/cosmos-client';
import { describeError } from '../../lib/errors';
import { queueHostSettings, readHostJson } from '../../lib/local/host-settings';
import { hostJsonPath, projectRoot } from '../../lib/util/paths';
import { statusMessageId } from '../../lib/message/ids';
import { toDocument } from '../../lib/message/to-document';
import { checkStatusMessage } from '../../lib/message/validate';
import type { Envelope, StoredStatusMessage } from '../../lib/message/types';
import { names } from '../../lib/names';
import type { QueueServiceClient } from '@azure/storage-queue';
import { createQueueServiceClient } from '../../lib/queue/queue-client';
import { benchNames } from './bench-names';
import {
  distScript,
  measureHandlerCpu,
  measureQueueSideCpu,
  startBenchEmulators,
  type BenchEmulators,
} from './bench-processes';
import { measureCosmosCeiling, measureQueueCeiling } from './ceiling';
import { formatProfile, summarizeProfile } from './profile-summary';
import { runLoad, type LoadMessage, type LoadResult } from './run-load';
import type { StatusFilterRule } from '../../lib/rules/rule-types';
import { benchRules } from './bench-rules';
import { replaceRules, noRulesEtag } from '../../lib/rules/rules-store';

const usage = `Usage: npm run bench [-- options]

Starts private emulators on free ports and measures, in one run:
  1. the ceiling: raw Azurite receive+delete rate (host.json batchSize) and raw Cosmos emulator create rate
     (one transactional batch of an envelope's documents per request, batchSize requests in flight);
  2. the naive baseline: one status message per queue message, one create per document, host defaults;
  3. the pipeline as shipped (agent envelopes, the local host with host.json), at --rss-messages and at
     --messages status messages, checking that every one is stored exactly once;
  4. the handler alone (the worker's share in Azure): the real ingest handler called in a process of its own
     against the Cosmos emulator, batchSize invocations in flight, no queue work: its CPU per status message,
     also with envelopes numbered as an agent numbers them, and the CPU of one Cosmos request of each kind;
  5. the queue work alone (the Functions host's share in Azure): the local host with host.json running a
     function that does nothing on --handler-messages status messages: its CPU per status message;
  6. the same --messages pipeline run with the summaries switched off (STATMGR_SUMMARIES=off): their cost.
The last line of output is one JSON object with the results.

Options:
  --messages N           status messages of the pipeline run (default 100000)
  --rss-messages N       a smaller pipeline run first, to compare peak RSS (default 10000; 0 skips it)
  --baseline-messages N  status messages of the naive run (default 2000)
  --handler-messages N   status messages of the handler-alone and queue-alone runs (default 20000)
  --machines M           spread over M machines (default 50)
  --concurrency C        parallel enqueue requests of the agent (default 16)
  --receivers R          parallel fetch loops of the raw queue ceiling (default 4)
  --live                 enqueue while the host drains (clock from the first enqueue) instead of draining a
                         backlog enqueued before the host starts (clock from the host being ready)
  --pipeline-only        skip the ceiling and the baseline (their numbers are null in the JSON)
  --skip-no-summaries    skip the run without summaries (its numbers are null in the JSON)
  --progress-seconds S   print progress every S seconds while a run drains (default 5)
  --host-node-args=A,B   node options for the pipeline host, e.g. --host-node-args=--max-semi-space-size=32
  --profile              run the pipeline host of the main run with --cpu-prof; prints where its time goes
  --rules N              after the main pipeline run, run it again with N status filter rules stored (none
                         matches most messages; see benchRules) and report both rates (default 0: skip)
  -h, --help             this text`;

const intFlag = (value: string | undefined, flag: string, fallback: number, min = 1): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new Error(`${flag} must be a whole number >= ${min}`);
  return Number(value);
};

const log = (line: string): void => console.log(line);

const logCpu = ({ seconds, cpuSeconds: cpu }: LoadResult): void =>
  log(
    `  CPU seconds in ${seconds} s on ${availableParallelism()} cores: host ${cpu.host} (${cpu.hostStartup} of it starting up), Cosmos emulator ${cpu.cosmos}, Azurite ${cpu.azurite}, bench (agent sends, polling) ${cpu.bench}`,
  );

/** The pipeline's load: the agent's envelopes (one machine, up to 100 messages each) as plain JSON. */
const pipelineLoad = (envelopes: readonly Envelope[]): LoadMessage[] =>
  envelopes.map((envelope) => ({
    body: JSON.stringify(envelope),
    key: envelope.batchId,
    documents: envelope.messages.map((_, position) => ({
      id: statusMessageId(undefined, envelope.batchId, position),
      partitionKey: [envelope.site!, envelope.machine!] as const,
    })),
  }));

/** The naive load: one status message per queue message, base64 (the host's default encoding), own id. */
const naiveLoad = (count: number, machines: number): LoadMessage[] =>
  sampleMessages(count, machines).map((message) => {
    const id = randomUUID();
    return {
      body: Buffer.from(JSON.stringify({ ...message, id })).toString('base64'),
      key: id,
      documents: [{ id, partitionKey: [message.site, message.machine] as const }],
    };
  });

/** The documents the pipeline would store for these envelopes, one array per envelope. */
const documentsOf = (envelopes: readonly Envelope[]): StoredStatusMessage[][] => {
  const now = new Date().toISOString();
  return envelopes.map((envelope) =>
    envelope.messages.map((raw, position) => {
      const checked = checkStatusMessage({ site: envelope.site, machine: envelope.machine, ...raw });
      if (!checked.ok) throw new Error(checked.reasons.join('; '));
      return toDocument(checked.value, position, {
        batchId: envelope.batchId,
        seq: undefined,
        queueMessageId: randomUUID(),
        enqueuedAt: now,
        storedAt: now,
      });
    }),
  );
};

const newestProfile = (dir: string): string | undefined =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => join(dir, file))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];

interface Ceiling {
  readonly queueMsgsPerSec: number;
  readonly cosmosDocsPerSec: number;
  readonly msgsPerSec: number;
}

interface Stack {
  readonly env: Readonly<Record<string, string>>;
  readonly emulatorCpu: BenchEmulators['cpu'];
  readonly service: QueueServiceClient;
  /** Creates the database and its containers (the pipeline's partition keys) and opens them. */
  readonly containersOf: (database: string) => Promise<CosmosContainers>;
}

let running: BenchEmulators | undefined;

/**
 * Runs one phase on fresh emulators, stopped afterwards. Fresh per phase: Azurite's in-memory store slows
 * down with every message it has ever held (its extent GC, once a minute, stalls it for seconds per thousand
 * deleted messages), so phases must not pay for each other's messages.
 */
const withStack = async <T>(phase: (stack: Stack) => Promise<T>): Promise<T> => {
  const emulators = await startBenchEmulators();
  running = emulators;
  const config = loadConfig(emulators.env);
  const client = createCosmosClient(config.cosmos);
  try {
    return await phase({
      env: emulators.env,
      emulatorCpu: emulators.cpu,
      service: createQueueServiceClient(config.storage),
      containersOf: async (database) => {
        await ensureCosmosResources(client, database);
        return openContainers(client, database);
      },
    });
  } finally {
    client.dispose();
    await emulators.stop();
    running = undefined;
  }
};

const interrupted = (): void => {
  void (running?.stop() ?? Promise.resolve()).then(() => process.exit(130));
};

const main = async (): Promise<void> => {
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const { values } = parseArgs({
    options: {
      messages: { type: 'string' },
      'rss-messages': { type: 'string' },
      'baseline-messages': { type: 'string' },
      'handler-messages': { type: 'string' },
      machines: { type: 'string' },
      concurrency: { type: 'string' },
      receivers: { type: 'string' },
      profile: { type: 'boolean' },
      'pipeline-only': { type: 'boolean' },
      'skip-no-summaries': { type: 'boolean' },
      'host-node-args': { type: 'string' },
      live: { type: 'boolean' },
      'progress-seconds': { type: 'string' },
      rules: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(usage);
  const messages = intFlag(values.messages, '--messages', 100_000);
  const rssMessages = intFlag(values['rss-messages'], '--rss-messages', 10_000, 0);
  const baselineMessages = intFlag(values['baseline-messages'], '--baseline-messages', 2000);
  const handlerMessages = intFlag(values['handler-messages'], '--handler-messages', 20_000);
  const machines = intFlag(values.machines, '--machines', 50);
  const concurrency = intFlag(values.concurrency, '--concurrency', 16);
  const receivers = intFlag(values.receivers, '--receivers', 4);
  const mode = values.live ? 'live' : 'backlog';
  const hostNodeArgs = (values['host-node-args'] ?? '').split(/[ ,]/).filter(Boolean);
  const ruleCount = intFlag(values.rules, '--rules', 0, 0);
  const progressMs = intFlag(values['progress-seconds'], '--progress-seconds', 5) * 1000;
  const hostSettings = queueHostSettings(readHostJson(hostJsonPath));
  const benchStarted = Date.now();

  log(
    `bench: ${messages} status messages over ${machines} machines; host.json batchSize ${hostSettings.batchSize}, newBatchThreshold ${hostSettings.newBatchThreshold}`,
  );
  const envelopes = buildEnvelopes(sampleMessages(messages, machines));

  const pipelineOnly = values['pipeline-only'] === true;

  // 1. ceiling
  const measureCeiling = async (): Promise<Ceiling> => {
    const queueMsgsPerSec = await withStack(({ service }) =>
      measureQueueCeiling(
        service.getQueueClient(benchNames.ceilingQueue),
        envelopes.map((envelope) => JSON.stringify(envelope)),
        hostSettings.batchSize,
        receivers,
        concurrency,
      ),
    );
    log(
      `ceiling: Azurite receive+delete ${queueMsgsPerSec} queue messages/s (${envelopes.length} messages, batches of ${hostSettings.batchSize}, ${receivers} fetch loops)`,
    );
    const cosmosDocsPerSec = await withStack(async ({ containersOf }) =>
      measureCosmosCeiling(
        (await containersOf(benchNames.ceilingDatabase)).messages,
        documentsOf(envelopes),
        hostSettings.batchSize,
      ),
    );
    const perQueueMessage = messages / envelopes.length;
    const ceilingMsgsPerSec = Math.round(Math.min(queueMsgsPerSec * perQueueMessage, cosmosDocsPerSec));
    log(
      `ceiling: Cosmos emulator ${cosmosDocsPerSec} documents/s (transactional batches of an envelope's documents, ${hostSettings.batchSize} in flight); status messages ${ceilingMsgsPerSec}/s`,
    );

    return { queueMsgsPerSec, cosmosDocsPerSec, msgsPerSec: ceilingMsgsPerSec };
  };
  const ceiling = pipelineOnly ? undefined : await measureCeiling();

  // 2. naive baseline
  const runBaseline = async (): Promise<LoadResult> => {
    log(`baseline: ${baselineMessages} status messages, one per queue message, host defaults`);
    const baseline = await withStack(async ({ env, service, containersOf, emulatorCpu }) => {
      const naiveQueue = service.getQueueClient(benchNames.naiveQueue);
      await naiveQueue.createIfNotExists();
      await service.getQueueClient(`${benchNames.naiveQueue}-poison`).createIfNotExists();
      const containers = await containersOf(benchNames.naiveDatabase);
      return runLoad({
        host: {
          script: distScript('test', 'bench', 'naive-host-main.js'),
          env: { ...env, COSMOS_DATABASE: benchNames.naiveDatabase },
        },
        queue: naiveQueue,
        container: containers.messages,
        deadletters: containers.deadletters,
        messages: naiveLoad(baselineMessages, machines),
        concurrency,
        timeoutMs: 300_000,
        progress: log,
        progressMs,
        mode,
        emulatorCpu,
      });
    });
    logCpu(baseline);
    log(
      `baseline: ${baseline.msgsPerSec} msgs/s (${baseline.seconds} s), lag p50/p95/p99 ${baseline.lagMsP50}/${baseline.lagMsP95}/${baseline.lagMsP99} ms, peak RSS ${baseline.peakRssMb} MB`,
    );
    return baseline;
  };
  const baseline = pipelineOnly ? undefined : await runBaseline();

  // 3. the pipeline, smaller then full backlog
  const profileDir = join(projectRoot, 'bench-results');
  const runPipeline = async (
    load: readonly Envelope[],
    profile: boolean,
    rules: readonly StatusFilterRule[] = [],
    summaries = true,
  ): Promise<LoadResult> => {
    const count = load.reduce((sum, envelope) => sum + envelope.messages.length, 0);
    const withRules = rules.length > 0 ? ` with ${rules.length} status filter rules` : '';
    const without = summaries ? '' : ' without summaries';
    log(`pipeline${withRules}${without}: ${count} status messages in ${load.length} queue messages`);
    if (profile) mkdirSync(profileDir, { recursive: true });
    const result = await withStack(async ({ env, service, containersOf, emulatorCpu }) => {
      const database = benchNames.pipelineDatabase(count);
      const containers = await containersOf(database);
      if (rules.length > 0) await replaceRules(containers.rules, rules, noRulesEtag, new Date());
      return runLoad({
        host: {
          script: distScript('lib', 'cli', 'host.js'),
          env: { ...env, COSMOS_DATABASE: database, ...(summaries ? {} : { STATMGR_SUMMARIES: 'off' }) },
          nodeArgs: [...hostNodeArgs, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
        },
        queue: service.getQueueClient(names.queue),
        container: containers.messages,
        deadletters: containers.deadletters,
        messages: pipelineLoad(load),
        concurrency,
        timeoutMs: 600_000,
        progress: log,
        progressMs,
        mode,
        emulatorCpu,
      });
    });
    log(
      `pipeline: ${result.msgsPerSec} msgs/s (${result.seconds} s), lag p50/p95/p99 ${result.lagMsP50}/${result.lagMsP95}/${result.lagMsP99} ms, peak RSS ${result.peakRssMb} MB, peak queue depth ${result.peakQueueDepth}, all ${count} stored exactly once`,
    );
    logCpu(result);
    for (const warning of result.hostWarnings.filter((line) => !line.includes('test mode')).slice(0, 5)) {
      log(`  host: ${warning}`);
    }
    return result;
  };
  const small =
    rssMessages > 0 && rssMessages < messages
      ? await runPipeline(buildEnvelopes(sampleMessages(rssMessages, machines)), false)
      : undefined;
  // The summaries' cost (issue 14): the same load without them, right before the run with them.
  const withoutSummaries =
    values['skip-no-summaries'] === true ? undefined : await runPipeline(envelopes, false, [], false);
  const pipeline = await runPipeline(envelopes, values.profile === true);
  if (values.profile) {
    const profile = newestProfile(profileDir);
    if (profile) log(`${formatProfile(summarizeProfile(profile))}\n  (${profile})`);
  }
  const ruled = ruleCount > 0 ? await runPipeline(envelopes, false, benchRules(ruleCount)) : undefined;
  const rulesRatio = ruled ? Math.round((ruled.msgsPerSec / pipeline.msgsPerSec) * 100) / 100 : null;

  // 4. the worker's share alone: the real handler against Cosmos, no queue work
  const handler = await withStack(async ({ env, containersOf }) => {
    const database = benchNames.handlerDatabase;
    await containersOf(database);
    return measureHandlerCpu({ ...env, COSMOS_DATABASE: database }, handlerMessages, machines);
  });
  // ... and with the status filter rules stored: the rules' CPU cost, less at the mercy of a busy machine.
  const handlerWithRules =
    ruleCount > 0
      ? await withStack(async ({ env, containersOf }) => {
          const database = `${benchNames.handlerDatabase}-rules`;
          const containers = await containersOf(database);
          await replaceRules(containers.rules, benchRules(ruleCount), noRulesEtag, new Date());
          return measureHandlerCpu({ ...env, COSMOS_DATABASE: database }, handlerMessages, machines);
        })
      : undefined;
  if (handlerWithRules) {
    log(
      `handler CPU per status message with ${ruleCount} rules: ${handlerWithRules.handlerCpuUsPerMsg} us vs ${handler.handlerCpuUsPerMsg} us without`,
    );
  }
  const perMsg = (cpuSeconds: number): number =>
    Math.round((cpuSeconds / pipeline.statusMessages) * 1e7) / 10;
  // 5. the Functions host's share alone: the same host running a function that does nothing
  const queueSide = await withStack(({ env }) => measureQueueSideCpu(env, handlerMessages, machines));
  const hostCpuUsPerMsg = perMsg(pipeline.cpuSeconds.host);
  const hostRunningCpuUsPerMsg = perMsg(pipeline.cpuSeconds.host - pipeline.cpuSeconds.hostStartup);
  log(
    `CPU per status message: host process ${hostCpuUsPerMsg} us (queue work + handler; ${hostRunningCpuUsPerMsg} us without its start-up); the handler alone ${handler.handlerCpuUsPerMsg} us (${handler.messages} messages in ${handler.seconds} s), ${handler.handlerNumberedCpuUsPerMsg} us with envelopes numbered as an agent numbers them, ${handler.handlerFleetCpuUsPerMsg} us for a fleet's envelopes of 10 (each from a machine reporting once in the run)`,
  );
  log(
    `CPU per status message of the queue work alone (the local host running a function that does nothing): ${queueSide.queueSideCpuUsPerMsg} us`,
  );
  log(
    `CPU per Cosmos request in the handler's process: ${handler.batchRequestCpuUs} us for a transactional batch of 100 documents, ${handler.createRequestCpuUs} us for one small create`,
  );

  const speedup = baseline ? Math.round((pipeline.msgsPerSec / baseline.msgsPerSec) * 10) / 10 : null;
  const fraction = ceiling ? Math.round((pipeline.msgsPerSec / ceiling.msgsPerSec) * 100) / 100 : null;
  const row = (name: string, result: LoadResult): string =>
    `| ${name} | ${result.statusMessages} | ${result.msgsPerSec} | ${result.lagMsP50} / ${result.lagMsP95} / ${result.lagMsP99} | ${result.peakRssMb} |`;
  log('');
  log('| run | status msgs | msgs/s | lag p50 / p95 / p99 ms | host peak RSS MB |');
  log('| --- | ---: | ---: | ---: | ---: |');
  if (ceiling) log(`| ceiling | ${messages} | ${ceiling.msgsPerSec} | | |`);
  if (baseline) log(row('naive baseline', baseline));
  if (small) log(row('pipeline', small));
  if (withoutSummaries) log(row('pipeline without summaries', withoutSummaries));
  log(row('pipeline', pipeline));
  if (ruled) log(row(`pipeline, ${ruleCount} rules`, ruled));
  if (ruled)
    log(
      `with ${ruleCount} rules: ${ruled.msgsPerSec} vs ${pipeline.msgsPerSec} msgs/s without, ratio ${rulesRatio} (goal >= 0.9)`,
    );
  const summariesFraction = withoutSummaries
    ? Math.round((pipeline.msgsPerSec / withoutSummaries.msgsPerSec) * 100) / 100
    : null;
  log(`with summaries: ${summariesFraction ?? '-'} of the rate without them (goal 0.9)`);
  log(
    `speedup vs baseline ${speedup ?? '-'}x (goal 20x), fraction of ceiling ${fraction ?? '-'} (goal 0.7); bench took ${Math.round((Date.now() - benchStarted) / 1000)} s`,
  );
  console.log(
    JSON.stringify({
      statusMessages: pipeline.statusMessages,
      pipeline: {
        msgsPerSec: pipeline.msgsPerSec,
        lagMsP50: pipeline.lagMsP50,
        lagMsP95: pipeline.lagMsP95,
        lagMsP99: pipeline.lagMsP99,
        peakRssMb: pipeline.peakRssMb,
      },
      baseline: { msgsPerSec: baseline?.msgsPerSec ?? null },
      ceiling: ceiling ?? { queueMsgsPerSec: null, cosmosDocsPerSec: null, msgsPerSec: null },
      withRules: ruled
        ? {
            rules: ruleCount,
            msgsPerSec: ruled.msgsPerSec,
            ratio: rulesRatio,
            handlerCpuUsPerMsg: handlerWithRules?.handlerCpuUsPerMsg ?? null,
          }
        : null,
      speedupVsBaseline: speedup,
      fractionOfCeiling: fraction,
      hostCpuUsPerMsg,
      handlerCpuUsPerMsg: handler.handlerCpuUsPerMsg,
      handlerNumberedCpuUsPerMsg: handler.handlerNumberedCpuUsPerMsg,
      handlerFleetCpuUsPerMsg: handler.handlerFleetCpuUsPerMsg,
      hostRunningCpuUsPerMsg,
      queueSideCpuUsPerMsg: queueSide.queueSideCpuUsPerMsg,
      hostStartupCpuSeconds: pipeline.cpuSeconds.hostStartup,
      cosmosRequestCpuUs: { batchOf100: handler.batchRequestCpuUs, smallCreate: handler.createRequestCpuUs },
      withoutSummaries: { msgsPerSec: withoutSummaries?.msgsPerSec ?? null },
      summariesFraction,
    }),
  );
};

main().catch((error: unknown) => {
  console.error(`statmgr bench: ${describeError(error)}`);
  process.exit(1);
});
