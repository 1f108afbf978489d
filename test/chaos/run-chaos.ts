import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueueClient } from '@azure/storage-queue';
import { azuriteConnectionString } from '../../lib/config';
import { describeError } from '../../lib/errors';
import { createCosmosClient, openContainers, type CosmosContainers } from '../../lib/cosmos/cosmos-client';
import { startEmulators, type Emulators } from '../../lib/local/emulators';
import { readHostJson } from '../../lib/local/host-settings';
import { hostJsonPath } from '../../lib/util/paths';
import { sleep } from '../../lib/util/sleep';
import { storeDocuments } from '../../lib/cosmos/store-documents';
import { statusMessageId } from '../../lib/message/ids';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { toDocument } from '../../lib/message/to-document';
import type { Envelope } from '../../lib/message/types';
import { names } from '../../lib/names';
import {
  createQueueServiceClient,
  neverExpires,
  openQueues,
  type StatusQueues,
} from '../../lib/queue/queue-client';
import { countDocuments } from '../helpers/cosmos';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { startHostProcess, type HostProcess } from '../helpers/host-process';
import { summaryMismatches } from '../helpers/summary-check';

export interface ChaosOptions {
  /** Status messages sent in envelopes (of random size, 20 to 100). */
  readonly envelopeMessages: number;
  /** Status messages sent one per queue message (bare; their ids come from the queue message id). */
  readonly bareMessages: number;
  /** How often the host process is stopped at a random moment, by SIGKILL or SIGTERM (chosen at random). */
  readonly stops: number;
  /** How long a host runs between stops, at random within this range (ms). */
  readonly uptimeMs: readonly [number, number];
  /** Cosmos cut off through the proxy: the first half black-holed, the second half refused (ms). */
  readonly cosmosOutageMs: number;
  /** The queue cut off (black-holed) through the proxy for the host, after the Cosmos outage (ms; 0: none). */
  readonly queueOutageMs: number;
  /** Give up waiting for the drain after this long (ms). */
  readonly drainTimeoutMs: number;
  readonly seed: number;
  readonly log: (line: string) => void;
  /** More settings for the host processes (the negative control sets STATMGR_TEST_BREAK_INGEST). */
  readonly hostSettings?: Readonly<Record<string, string>>;
}

/**
 * What the faults hit: the run only counts as a proof when they hit work in flight. A run in which every
 * fault fell on an idle host would pass even against a broken ingest.
 */
export interface FaultsInFlight {
  /** Hand-backs after a transient failure (an outage met a message being ingested). */
  readonly handBacks: number;
  /** Outages (Cosmos, queue) during which a host process was running. */
  readonly outagesOverlappingHost: number;
  /**
   * Deliveries with a dequeue count of 2 or more seen by the hosts started after the first SIGKILL: the
   * messages a killed host held come back that way (a black-holed write that outlives its lock does too).
   */
  readonly redeliveredAfterKill: number;
}

export interface ChaosReport {
  readonly seed: number;
  readonly messages: number;
  readonly envelopes: number;
  readonly bare: number;
  readonly sigkills: number;
  readonly sigterms: number;
  readonly cosmosOutageMs: number;
  readonly queueOutageMs: number;
  readonly stored: number;
  readonly missing: number;
  readonly duplicates: number;
  /** Stored documents whose id is not the one derived from the message as it was sent. */
  readonly wrongIds: number;
  readonly poisoned: number;
  readonly deadLettered: number;
  readonly leftInQueue: number;
  /** Summary counts (per site, component, machine, severity, hour) that differ from the stored documents. */
  readonly summaryMismatches: number;
  /** Delayed copies the hosts reported handing back after a transient failure. */
  readonly handBacks: number;
  /** Delayed copies handed back before running because the message kept coming back (crashed workers). */
  readonly crashHandBacks: number;
  /** From the end of the last stop until everything was stored and the queue was empty (ms). */
  readonly drainMs: number;
  readonly totalMs: number;
  readonly faultsInFlight: FaultsInFlight;
  /** Why the run does not count, when it does not (empty when ok). */
  readonly problems: readonly string[];
  readonly ok: boolean;
}

/**
 * The project's host.json with a stricter retry rule: 3 deliveries, 1 s apart. Retrying failed messages in
 * place (the host's own rule) would then walk messages into the poison queue within seconds of an outage, so
 * the run proves that statmgr hands them back instead; and a message whose worker was killed once is already
 * on its last but one delivery, which exercises the crash hand-back too.
 */
const writeChaosHostJson = (dir: string): string => {
  const hostJson = readHostJson(hostJsonPath) as { extensions: { queues: Record<string, unknown> } };
  const path = join(dir, 'host.json');
  const queues = { ...hostJson.extensions.queues, maxDequeueCount: 3, visibilityTimeout: '00:00:01' };
  writeFileSync(path, JSON.stringify({ ...hostJson, extensions: { ...hostJson.extensions, queues } }));
  return path;
};

/** A small seeded PRNG (mulberry32), so that a failing run can be repeated with its seed. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** A UUID (version 4 layout) drawn from the seeded generator, so a seed repeats the batch ids too. */
const seededUuid = (random: () => number): string => {
  const bytes = Buffer.from(Array.from({ length: 16 }, () => Math.floor(random() * 256)));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

const shuffle = <T>(items: T[], random: () => number): T[] => {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
};

interface Outgoing {
  readonly body: string;
  /** Tags (one per status message) and, for envelopes, their expected ids; bare ids are known once sent. */
  readonly tags: readonly string[];
  readonly ids: readonly string[] | undefined;
  /**
   * Positions stored before the envelope is sent, as a delivery that wrote them and crashed before counting
   * and deleting would have left them: the delivery that follows finds them stored (409) and must count them.
   */
  readonly preStored?: readonly number[];
}

/** Writes those documents of an envelope directly, as an earlier delivery that crashed would have. */
const preStore = async (messages: CosmosContainers['messages'], item: Outgoing): Promise<void> => {
  const parsed = parseQueueMessage(JSON.parse(item.body));
  const info = {
    batchId: parsed.batchId!,
    seq: undefined,
    queueMessageId: 'crashed-delivery',
    enqueuedAt: new Date().toISOString(),
    storedAt: new Date().toISOString(),
  };
  const documents = parsed.items.flatMap((entry) =>
    entry.ok && item.preStored?.includes(entry.position)
      ? [toDocument(entry.message, entry.position, info)]
      : [],
  );
  await storeDocuments(messages, documents, (document) => [document.site, document.machine]);
};

/** Times spread over 30 hours (two days), three severities and three components: many summary buckets. */
const statusMessage = (tag: string, index: number, machine: string): Record<string, unknown> => ({
  time: new Date(Date.UTC(2026, 10, 25, index % 30, index % 60, 0, index)).toISOString(),
  severity: index % 7 === 0 ? 'error' : index % 5 === 0 ? 'warning' : 'info',
  messageId: 10000 + (index % 500),
  component: `SMS_CHAOS_${index % 3}`,
  site: 'CHS',
  machine,
  insertionStrings: [tag],
});

/** The traffic of the run, shuffled so that envelopes and bare messages arrive mixed. */
const buildTraffic = (
  options: Pick<ChaosOptions, 'envelopeMessages' | 'bareMessages' | 'seed'>,
  random: () => number,
): Outgoing[] => {
  const out: Outgoing[] = [];
  let index = 0;
  const tag = (): string => `chaos-${options.seed}-${index}`;
  let remaining = options.envelopeMessages;
  while (remaining > 0) {
    const size = Math.min(remaining, 20 + Math.floor(random() * 81));
    const machine = `M-${String(out.length % 50).padStart(3, '0')}`;
    const batchId = seededUuid(random);
    const tags: string[] = [];
    const messages: Record<string, unknown>[] = [];
    for (let i = 0; i < size; i += 1, index += 1) {
      tags.push(tag());
      const { site: _s, machine: _m, ...rest } = statusMessage(tag(), index, machine);
      messages.push(rest);
    }
    const envelope: Envelope = { schema: names.schemaVersion, batchId, site: 'CHS', machine, messages };
    // One envelope in eight: some or all of its messages already stored by a "crashed" delivery.
    const preStored =
      random() < 0.125 ? tags.map((_, position) => position).filter(() => random() < 0.6) : undefined;
    out.push({
      body: JSON.stringify(envelope),
      tags,
      ids: tags.map((_, position) => statusMessageId(undefined, batchId, position)),
      ...(preStored ? { preStored } : {}),
    });
    remaining -= size;
  }
  for (let i = 0; i < options.bareMessages; i += 1, index += 1) {
    out.push({
      body: JSON.stringify(statusMessage(tag(), index, `B-${i % 20}`)),
      tags: [tag()],
      ids: undefined,
    });
  }
  return shuffle(out, random);
};

/** The run's own reads of the in-process emulator, tried again after a client timeout (a loaded machine). */
const patiently = async <T>(read: () => Promise<T>): Promise<T> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
};

export interface ChaosSchedule {
  readonly traffic: readonly Outgoing[];
  /** Each host's fate and how long it runs first (ms). */
  readonly stops: readonly { readonly kind: 'SIGKILL' | 'SIGTERM'; readonly uptimeMs: number }[];
}

/** Everything random in a run, drawn from the seed alone: the same seed gives the same schedule. */
export const chaosSchedule = (
  options: Pick<ChaosOptions, 'envelopeMessages' | 'bareMessages' | 'stops' | 'uptimeMs' | 'seed'>,
): ChaosSchedule => {
  const random = seededRandom(options.seed);
  const traffic = buildTraffic(options, random);
  // Half SIGKILL (a crash), half SIGTERM (a drain), in random order.
  const kinds = shuffle(
    Array.from({ length: options.stops }, (_, i): 'SIGKILL' | 'SIGTERM' =>
      i % 2 === 0 ? 'SIGKILL' : 'SIGTERM',
    ),
    random,
  );
  const [min, max] = options.uptimeMs;
  return {
    traffic,
    stops: kinds.map((kind) => ({ kind, uptimeMs: Math.round(min + random() * (max - min)) })),
  };
};

/** True when two time spans share some time; an empty span (an outage of 0 ms) overlaps nothing. */
const overlaps = (a: readonly [number, number], b: readonly [number, number]): boolean =>
  a[0] < a[1] && b[0] < b[1] && a[0] < b[1] && b[0] < a[1];

const depth = async (queue: QueueClient): Promise<number> =>
  (await queue.getProperties()).approximateMessagesCount ?? 0;

/**
 * The chaos run: the emulators, the host behind two fault proxies (Cosmos and the queue), traffic enqueued
 * while the host is stopped again and again by SIGKILL or SIGTERM at random moments and while Cosmos and then
 * the queue are cut off; then one last host drains the queue and every status message is checked: stored
 * exactly once with the id derived from what was sent, nothing in the poison queue or in deadletters.
 */
export const runChaos = async (options: ChaosOptions): Promise<ChaosReport> => {
  const { log } = options;
  const schedule = chaosSchedule(options);
  const started = Date.now();
  let emulators: Emulators | undefined;
  let cosmosProxy: FaultProxy | undefined;
  let queueProxy: FaultProxy | undefined;
  let host: HostProcess | undefined;
  let containers: CosmosContainers | undefined;
  const outputs: string[][] = [];
  const tempDir = mkdtempSync(join(tmpdir(), 'statmgr-chaos-'));
  try {
    emulators = await startEmulators({ queue: 0, cosmos: 0 });
    cosmosProxy = await startFaultProxy(emulators.cosmosPort);
    queueProxy = await startFaultProxy(emulators.queuePort);
    // The test itself talks to the emulators directly: it plays the agents, which the cuts do not concern.
    const queues: StatusQueues = openQueues(createQueueServiceClient(emulators.config.storage));
    containers = openContainers(
      createCosmosClient(emulators.config.cosmos),
      emulators.config.cosmos.database,
    );
    const hostEnv = {
      ...emulators.env,
      StatusStorage: azuriteConnectionString(queueProxy.port),
      COSMOS_ENDPOINT: `https://127.0.0.1:${cosmosProxy.port}`,
    };
    const hostSettings = {
      STATMGR_QUEUE_LOCK_SECONDS: '5',
      STATMGR_DRAIN_SECONDS: '5',
      STATMGR_RETRY_MIN_SECONDS: '1',
      STATMGR_RETRY_MAX_SECONDS: '8',
      STATMGR_HOST_JSON: writeChaosHostJson(tempDir),
      ...options.hostSettings,
    };

    const traffic = [...schedule.traffic];
    const messages = traffic.reduce((sum, item) => sum + item.tags.length, 0);
    const expectedIds = new Map<string, string>();
    log(
      `chaos seed=${options.seed}: ${messages} status messages in ${traffic.length} queue messages ` +
        `(${options.bareMessages} bare), ${options.stops} stops, Cosmos outage ${options.cosmosOutageMs} ms, ` +
        `queue outage ${options.queueOutageMs} ms`,
    );

    // Agents: enqueue the traffic over the first two thirds of the stops, 8 requests at a time.
    const chaosMs = options.stops * ((options.uptimeMs[0] + options.uptimeMs[1]) / 2 + 1500);
    const sendWindowMs = (chaosMs * 2) / 3;
    let sent = 0;
    const send = async (): Promise<void> => {
      const worker = async (): Promise<void> => {
        while (sent < traffic.length) {
          const item = traffic[sent++]!;
          if (item.preStored) await preStore(containers!.messages, item);
          const response = await queues.main.sendMessage(item.body, neverExpires);
          item.tags.forEach((tag, position) =>
            expectedIds.set(tag, item.ids?.[position] ?? statusMessageId(undefined, response.messageId, 0)),
          );
          await sleep((sendWindowMs / traffic.length) * 8);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    };

    // Outages: Cosmos from a third of the way in, then the queue.
    const outageSpans: [number, number][] = [];
    const hostSpans: [number, number][] = [];
    const outages = async (): Promise<void> => {
      await sleep(chaosMs / 3);
      const cosmosFrom = Date.now();
      log(`cutting Cosmos off: black hole for ${options.cosmosOutageMs / 2} ms`);
      await cosmosProxy!.setMode('blackhole');
      await sleep(options.cosmosOutageMs / 2);
      log(`Cosmos refusing connections for ${options.cosmosOutageMs / 2} ms`);
      await cosmosProxy!.setMode('refuse');
      await sleep(options.cosmosOutageMs / 2);
      await cosmosProxy!.setMode('pass');
      if (options.cosmosOutageMs > 0) outageSpans.push([cosmosFrom, Date.now()]);
      log('Cosmos back');
      if (options.queueOutageMs > 0) {
        await sleep(2000);
        log(`cutting the queue off (black hole) for ${options.queueOutageMs} ms`);
        const queueFrom = Date.now();
        await queueProxy!.setMode('blackhole');
        await sleep(options.queueOutageMs);
        await queueProxy!.setMode('pass');
        outageSpans.push([queueFrom, Date.now()]);
        log('queue back');
      }
    };

    let sigkills = 0;
    let sigterms = 0;
    /** The output of each host started after the first SIGKILL (a killed host's messages come back to them). */
    const afterKill: string[][] = [];
    let killedLast = false;
    const stops = async (): Promise<void> => {
      for (const { kind, uptimeMs } of schedule.stops) {
        host = await startHostProcess(hostEnv, hostSettings, { waitFor: 'started' });
        const from = Date.now();
        outputs.push(host.output);
        if (killedLast) afterKill.push(host.output);
        await sleep(uptimeMs);
        if (kind === 'SIGKILL') {
          // A crash proves something only with work in flight: kill right after the host finishes an
          // invocation (its batch-mates are then still running), waiting at most 5 s for one.
          const seen = host.output.length;
          const busyBy = Date.now() + 5000;
          while (host.output.length === seen && Date.now() < busyBy) await sleep(20);
          sigkills += 1;
          await host.kill();
        } else {
          sigterms += 1;
          await host.stop();
        }
        killedLast ||= kind === 'SIGKILL';
        hostSpans.push([from, Date.now()]);
        host = undefined;
      }
    };

    await Promise.all([send(), outages(), stops()]);
    log(`stops done (${sigkills} SIGKILL, ${sigterms} SIGTERM), ${sent} queue messages sent; draining`);
    const drainStarted = Date.now();
    host = await startHostProcess(hostEnv, hostSettings, { waitFor: 'started' });
    outputs.push(host.output);
    if (killedLast) afterKill.push(host.output);
    let stored = 0;
    let queued = Number.POSITIVE_INFINITY;
    let lastProgress = 0;
    let emptySince: number | undefined;
    while (Date.now() - drainStarted < options.drainTimeoutMs) {
      // The emulator runs in this process and scans every document for a query: under a loaded machine a
      // count can outlast the client's 15 s timeout. That is no finding; count again on the next round.
      const counted = await countDocuments(containers.messages).catch((error: unknown) => {
        log(`counting the stored messages failed (${describeError(error)}); trying again`);
        return undefined;
      });
      if (counted === undefined) continue;
      stored = counted;
      queued = await depth(queues.main);
      if (stored >= messages && queued === 0) break;
      // The queue count includes invisible (delayed, locked) messages: once it stays at zero, nothing more
      // can arrive, and waiting longer would only hide a loss behind the timeout.
      emptySince = queued === 0 ? (emptySince ?? Date.now()) : undefined;
      if (emptySince !== undefined && Date.now() - emptySince > 15_000) break;
      if (Date.now() - lastProgress > 10_000) {
        lastProgress = Date.now();
        log(`draining: ${stored} of ${messages} stored, ${queued} queue messages left`);
      }
      await sleep(500);
    }
    const drainMs = Date.now() - drainStarted;
    await host.stop();
    host = undefined;

    // Verify every status message by its tag: stored once, with the id derived from what was sent.
    const { resources } = await patiently(() =>
      containers!.messages.items
        .query<{ id: string; insertionStrings: string[] }>('SELECT c.id, c.insertionStrings FROM c')
        .fetchAll(),
    );
    const seen = new Map<string, number>();
    let wrongIds = 0;
    for (const document of resources) {
      const tag = document.insertionStrings[0] ?? '';
      seen.set(tag, (seen.get(tag) ?? 0) + 1);
      if (expectedIds.get(tag) !== document.id) wrongIds += 1;
    }
    let missing = 0;
    let duplicates = 0;
    for (const tag of expectedIds.keys()) {
      const count = seen.get(tag) ?? 0;
      if (count === 0) missing += 1;
      else duplicates += count - 1;
    }
    duplicates += [...seen.keys()].filter((tag) => !expectedIds.has(tag)).length;
    const poisoned = await depth(queues.poison);
    const deadLettered = await countDocuments(containers.deadletters);
    const leftInQueue = await depth(queues.main);
    // Summaries (issue 14): every count equals the recount from the stored documents.
    const mismatches = await patiently(() => summaryMismatches(containers!));
    for (const line of mismatches.slice(0, 10)) log(`summary mismatch: ${line}`);
    const lines = outputs.flat().filter((line) => line.includes('handed back as a delayed copy'));
    const crashHandBacks = lines.filter((line) => line.includes('"why":"repeated-delivery"')).length;
    const redelivered = /"dequeueCount":([2-9]|\d{2,})[,}]/;
    const faultsInFlight: FaultsInFlight = {
      handBacks: lines.length - crashHandBacks,
      outagesOverlappingHost: outageSpans.filter((outage) => hostSpans.some((span) => overlaps(outage, span)))
        .length,
      redeliveredAfterKill: afterKill.flat().filter((line) => redelivered.test(line)).length,
    };
    const report: ChaosReport = {
      seed: options.seed,
      messages,
      envelopes: traffic.length - options.bareMessages,
      bare: options.bareMessages,
      sigkills,
      sigterms,
      cosmosOutageMs: options.cosmosOutageMs,
      queueOutageMs: options.queueOutageMs,
      stored: resources.length,
      missing: missing + (messages - expectedIds.size),
      duplicates,
      wrongIds,
      poisoned,
      deadLettered,
      leftInQueue,
      summaryMismatches: mismatches.length,
      handBacks: faultsInFlight.handBacks,
      crashHandBacks,
      drainMs,
      totalMs: Date.now() - started,
      faultsInFlight,
      problems: [],
      ok: false,
    };
    const problems = [
      ...(report.stored === messages ? [] : [`stored ${report.stored} of ${messages}`]),
      ...(report.missing === 0 ? [] : [`${report.missing} status messages missing`]),
      ...(duplicates === 0 ? [] : [`${duplicates} duplicates`]),
      ...(wrongIds === 0 ? [] : [`${wrongIds} wrong ids`]),
      ...(poisoned === 0 ? [] : [`${poisoned} in the poison queue`]),
      ...(deadLettered === 0 ? [] : [`${deadLettered} dead-lettered`]),
      ...(leftInQueue === 0 ? [] : [`${leftInQueue} left in the queue`]),
      ...(mismatches.length === 0
        ? []
        : [`${mismatches.length} summaries differ from the recount of the stored documents`]),
      // Not a proof unless the faults hit work in flight.
      ...(faultsInFlight.handBacks > 0 ? [] : ['no hand-back: no outage met a message being ingested']),
      ...(faultsInFlight.outagesOverlappingHost > 0 ? [] : ['no outage overlapped a running host']),
      ...(faultsInFlight.redeliveredAfterKill > 0 || sigkills === 0
        ? []
        : ['no message was redelivered after a SIGKILL']),
    ];
    return { ...report, problems, ok: problems.length === 0 };
  } finally {
    await host?.kill();
    containers?.client.dispose();
    await cosmosProxy?.close();
    await queueProxy?.close();
    await emulators?.stop();
    rmSync(tempDir, { recursive: true, force: true });
  }
};
