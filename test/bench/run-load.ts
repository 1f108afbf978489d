import { BulkOperationType, type Container } from '@azure/cosmos';
import type { QueueClient } from '@azure/storage-queue';
import { sleep } from '../../lib/util/sleep';
import { neverExpires } from '../../lib/queue/queue-client';
import { startBenchHost, type HostOptions } from './bench-processes';

/** A document a load must store: its id and (hierarchical) partition key. */
export interface ExpectedDocument {
  readonly id: string;
  readonly partitionKey: readonly [string, string];
}

/** One queue message of a load: its body, the key its send time is kept under, and what it must store. */
export interface LoadMessage {
  readonly body: string;
  readonly key: string;
  readonly documents: readonly ExpectedDocument[];
}

export interface LoadResult {
  readonly statusMessages: number;
  readonly queueMessages: number;
  readonly seconds: number;
  readonly msgsPerSec: number;
  readonly lagMsP50: number;
  readonly lagMsP95: number;
  readonly lagMsP99: number;
  readonly peakRssMb: number;
  /** Largest queue depth seen while the load ran (queue messages, visible or locked). */
  readonly peakQueueDepth: number;
  readonly hostWarnings: readonly string[];
  /** backlog mode: how long enqueueing the backlog took (not part of `seconds`). */
  readonly fillSeconds: number | undefined;
  /** CPU seconds each process used during the run (the bench itself sends and polls). */
  /** `hostStartup`: what the host had used when it was ready (loading the functions), included in `host`. */
  readonly cpuSeconds: { host: number; hostStartup: number; cosmos: number; azurite: number; bench: number };
}

export interface LoadOptions {
  readonly host: HostOptions;
  readonly queue: QueueClient;
  /** The container the host stores into; it must hold no other documents. */
  readonly container: Container;
  readonly deadletters: Container;
  readonly messages: readonly LoadMessage[];
  /** Parallel enqueue requests, as the agent CLI's --concurrency. */
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly progress: (line: string) => void;
  readonly progressMs: number;
  /**
   * `backlog`: enqueue everything first, then start the host and time the drain (from the host's "ready" to
   * the empty queue). `live`: start the host, then enqueue while it drains (the clock includes the sends).
   */
  readonly mode: 'backlog' | 'live';
  /** CPU seconds so far of the emulator processes. */
  readonly emulatorCpu: () => { cosmos: number; azurite: number };
}

/** Runs `work` on every item with at most `concurrency` in flight. */
export const forEachConcurrently = async <T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
};

/** Nearest-rank percentile of ascending numbers. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

const round = (value: number, digits = 0): number => Math.round(value * 10 ** digits) / 10 ** digits;

const queueDepth = async (queue: QueueClient): Promise<number> =>
  (await queue.getProperties()).approximateMessagesCount ?? 0;

/**
 * Reads every expected document back (transactional batches of up to 100 point reads, one logical partition
 * each: the emulator's query engine needs seconds per 10,000 documents) and returns id -> storedAt. Throws
 * naming the first document that is missing.
 */
const readStored = async (
  container: Container,
  documents: readonly ExpectedDocument[],
): Promise<Map<string, string>> => {
  const byPartition = new Map<string, ExpectedDocument[]>();
  for (const document of documents) {
    const key = JSON.stringify(document.partitionKey);
    const group = byPartition.get(key) ?? [];
    group.push(document);
    byPartition.set(key, group);
  }
  const chunks: ExpectedDocument[][] = [];
  for (const group of byPartition.values()) {
    for (let i = 0; i < group.length; i += 100) chunks.push(group.slice(i, i + 100));
  }
  const storedAt = new Map<string, string>();
  await forEachConcurrently(chunks, 8, async (chunk) => {
    const partitionKey = [...chunk[0]!.partitionKey];
    const { result = [] } = await container.items.batch(
      chunk.map(({ id }) => ({ operationType: BulkOperationType.Read, id, partitionKey })),
      partitionKey,
    );
    chunk.forEach(({ id }, index) => {
      const read = result[index];
      const body = read?.resourceBody as { storedAt?: unknown } | undefined;
      if (read?.statusCode !== 200 || typeof body?.storedAt !== 'string') {
        throw new Error(`status message ${id} is not stored (read: ${read?.statusCode ?? 'no answer'})`);
      }
      storedAt.set(id, body.storedAt);
    });
  });
  return storedAt;
};

const countAll = async (container: Container): Promise<number> =>
  (await container.items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll()).resources[0] ?? 0;

/**
 * Enqueues every message with `concurrency` requests in flight, either all before the host starts (`backlog`)
 * or while it drains the queue (`live`), and waits until the queue is empty (a message is deleted only after
 * its documents are committed). The clock runs from the host being ready (backlog) or the first enqueue
 * (live) to the empty queue. Then reads every expected document back (ids
 * are deterministic and unique per logical partition, so present means stored exactly once), checks that
 * nothing was dead-lettered, and computes the lag of each document from the moment its queue message was
 * accepted by the queue to its `storedAt`.
 */
export const runLoad = async (options: LoadOptions): Promise<LoadResult> => {
  const { queue, messages, progress } = options;
  if ((await queueDepth(queue)) !== 0) throw new Error(`queue ${queue.name} is not empty before the run`);
  const keyOf = new Map<string, string>();
  for (const message of messages) for (const { id } of message.documents) keyOf.set(id, message.key);
  if (keyOf.size !== messages.reduce((sum, message) => sum + message.documents.length, 0)) {
    throw new Error('the load repeats a document id');
  }
  const sentAt = new Map<string, number>();
  const send = (): Promise<void> =>
    forEachConcurrently(messages, options.concurrency, async (message) => {
      await queue.sendMessage(message.body, neverExpires);
      sentAt.set(message.key, Date.now());
    });
  let fillSeconds: number | undefined;
  if (options.mode === 'backlog') {
    const fillStarted = Date.now();
    await send();
    fillSeconds = round((Date.now() - fillStarted) / 1000, 2);
    progress(
      `  backlog of ${messages.length} queue messages enqueued in ${fillSeconds} s; starting the host`,
    );
  }
  const host = await startBenchHost(options.host);
  const hostStartup = host.cpuSeconds();
  let peakRssMb: number;
  let cpuSeconds: LoadResult['cpuSeconds'];
  const emulatorsBefore = options.emulatorCpu();
  const benchBefore = process.cpuUsage();
  const started = Date.now();
  let emptyAt: number;
  let peakQueueDepth = 0;
  try {
    let sendingDone = options.mode === 'backlog';
    const sending = (options.mode === 'backlog' ? Promise.resolve() : send()).finally(
      () => (sendingDone = true),
    );
    const deadline = started + options.timeoutMs;
    let lastReport = started;
    for (;;) {
      const depth = await queueDepth(queue);
      peakQueueDepth = Math.max(peakQueueDepth, depth);
      if (sendingDone && depth === 0) break;
      if (!host.isRunning()) throw new Error(`the host exited:\n${host.warnings.slice(-10).join('\n')}`);
      if (Date.now() > deadline)
        throw new Error(`queue ${queue.name} still holds ${depth} messages at timeout`);
      if (Date.now() - lastReport > options.progressMs) {
        lastReport = Date.now();
        progress(
          `  ${((lastReport - started) / 1000).toFixed(0)} s: sent ${sentAt.size}, queued ${depth}, host RSS ${host.rssMb()} MB`,
        );
      }
      await sleep(100);
    }
    emptyAt = Date.now();
    await sending;
    peakRssMb = host.peakRssMb();
    const emulatorsAfter = options.emulatorCpu();
    const bench = process.cpuUsage(benchBefore);
    cpuSeconds = {
      host: round(host.cpuSeconds(), 1),
      hostStartup: round(hostStartup, 2),
      cosmos: round(emulatorsAfter.cosmos - emulatorsBefore.cosmos, 1),
      azurite: round(emulatorsAfter.azurite - emulatorsBefore.azurite, 1),
      bench: round((bench.user + bench.system) / 1e6, 1),
    };
  } finally {
    await host.stop();
  }
  const seconds = (emptyAt - started) / 1000;

  // Every expected id is stored; ids are unique per logical partition, so each is stored exactly once.
  const stored = await readStored(
    options.container,
    messages.flatMap((message) => message.documents),
  );
  const lags = [...stored].map(([id, at]) => Date.parse(at) - sentAt.get(keyOf.get(id)!)!);
  const deadLettered = await countAll(options.deadletters);
  if (deadLettered !== 0) throw new Error(`${deadLettered} dead letters in a run of valid messages`);
  lags.sort((a, b) => a - b);
  return {
    statusMessages: keyOf.size,
    queueMessages: messages.length,
    seconds: round(seconds, 2),
    msgsPerSec: round(keyOf.size / seconds),
    lagMsP50: round(percentile(lags, 50)),
    lagMsP95: round(percentile(lags, 95)),
    lagMsP99: round(percentile(lags, 99)),
    peakRssMb,
    peakQueueDepth,
    hostWarnings: host.warnings,
    fillSeconds,
    cpuSeconds,
  };
};
