import { machineName, sampleMessage } from '../agent/sample-traffic';
import type { StatusReporter } from '../agent/status-reporter';
import { sleep } from '../util/sleep';
import { parseCommand, timeoutMs, timeoutOption, wholeNumber } from './command';
import {
  agentStatuses,
  cosmosSettings,
  openReporter,
  printStats,
  progressTimer,
  reporterOptions,
  reporterSettings,
} from './agent-reporter';

const spec = {
  name: 'npm run agent -- simulate',
  synopsis: '[options]',
  description:
    'N machines producing plausible status messages through the durable outbox (the default command:\n' +
    '"npm run agent -- --count N --machines M" alone works).',
  options: {
    count: { type: 'string', arg: 'N', help: 'status messages (default 1000)' },
    machines: { type: 'string', arg: 'M', help: 'machines WS-0000.. (default 10)' },
    site: { type: 'string', arg: 'CODE', help: 'site code (default P01)' },
    rate: { type: 'string', arg: 'R', help: 'messages per second (default: no limit)' },
    resume: { type: 'boolean', help: 'continue a simulation this outbox already started' },
    wait: {
      type: 'boolean',
      help: 'wait until the server has stored every number this run reported (agents summaries)',
    },
    ...timeoutOption,
    ...reporterOptions,
  },
  settings: [...reporterSettings, ...cosmosSettings],
  examples: [
    'npm run agent -- simulate --machines 50 --count 10000 --rate 200 --wait',
    'npm run agent -- --count 1000 --wait',
  ],
} as const;

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

/**
 * Polls the agents summaries until each machine's numbers `[first, last]` are stored as one range. Only the
 * numbers this run is about: an outbox may hold numbers from before a store that has since been wiped (the
 * local emulators keep nothing across `npm start`), which are then missing for good.
 */
const waitCaughtUp = async (
  site: string,
  expected: ReadonlyMap<string, { readonly first: number; readonly last: number }>,
  timeout: number,
): Promise<boolean> => {
  const deadline = Date.now() + timeout;
  const machines = [...expected].filter(([, { first, last }]) => first <= last).map(([machine]) => machine);
  while (Date.now() < deadline) {
    const statuses = await agentStatuses(site, machines, 0).catch(() => []);
    const done = machines.filter((machine, i) => {
      const { first, last } = expected.get(machine)!;
      return statuses[i]?.ranges.some((range) => range.first <= first && last <= range.last) ?? false;
    }).length;
    if (done === machines.length) return true;
    await sleep(250);
  }
  return false;
};

export const simulate = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(spec, args);
  if (!parsed) return;
  const { values } = parsed;
  const count = wholeNumber(values.count, 'count', 1000, 1, 10_000_000);
  const machines = wholeNumber(values.machines, 'machines', 10, 1, 100_000);
  const site = values.site ?? 'P01';
  const rate = values.rate === undefined ? undefined : wholeNumber(values.rate, 'rate', 100, 1, 1_000_000);
  const timeout = timeoutMs(values.timeout);
  const reporter = await openReporter(values);
  const timer = progressTimer(reporter);
  try {
    // Message i goes to machine i % machines as its (i / machines + 1)th number, so what an earlier run
    // of this simulation reported is exactly the numbers each machine has already used.
    const names = Array.from({ length: machines }, (_, m) => machineName(m));
    const from = values.resume ? names.reduce((sum, m) => sum + reporter.nextSeq(site, m) - 1, 0) : 0;
    if (values.resume) console.log(`resuming at message ${from} of ${count}`);
    // This run's numbers start here (a resumed simulation's at 1: it is one run, interrupted).
    const firstOf = new Map(names.map((m) => [m, values.resume ? 1 : reporter.nextSeq(site, m)]));
    const start = new Date();
    await reportAll(reporter, count, (i) => sampleMessage(i, machines, site, start), rate, from);
    printStats(reporter, 'reported');
    const expected = new Map(
      names.map((m) => [m, { first: firstOf.get(m)!, last: reporter.nextSeq(site, m) - 1 }]),
    );
    const flushed = await reporter.close(timeout);
    clearInterval(timer);
    printStats(reporter, flushed ? 'sent' : 'NOT all sent (still in the outbox)');
    if (!flushed) process.exitCode = 1;
    else if (values.wait) {
      const caughtUp = await waitCaughtUp(site, expected, timeout);
      const seconds = ((Date.now() - start.getTime()) / 1000).toFixed(2);
      console.log(
        caughtUp
          ? `stored: every number this run gave each machine, ${seconds} s after the first report`
          : 'not all stored in time',
      );
      if (!caughtUp) process.exitCode = 1;
    }
  } finally {
    clearInterval(timer);
    await reporter.close(0);
  }
};
