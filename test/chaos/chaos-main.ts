import { parseArgs } from 'node:util';
import { runChaos, type ChaosReport } from './run-chaos';

const usage = `Usage: npm run chaos [-- options]

Starts private emulators, enqueues status messages (in envelopes and bare), stops the host process at random
moments by SIGKILL or SIGTERM, cuts Cosmos off (black hole, then refused connections) and the queue (black
hole) through TCP proxies, lets one last host drain the queue, and checks that every status message is stored
exactly once with its derived id, the poison queue is empty and nothing was dead-lettered, and that the faults
hit work in flight (hand-backs, an outage while a host ran, redeliveries after a kill). Exits 1 otherwise.
Every run prints its seed first; --seed repeats the schedule (traffic, batch ids, stops and their timing).

Options (defaults in brackets):
  --messages N       status messages in all [20000]
  --bare N           of which sent one per queue message [1000]
  --stops N          host stops (SIGKILL or SIGTERM, at random) [16]
  --outage S         seconds Cosmos is cut off [30]
  --queue-outage S   seconds the queue is cut off for the host [8]
  --seed N           random seed, to repeat a run [time-based]`;

const wholeNumber = (value: string | undefined, flag: string, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`${flag} must be a whole number, got "${value}"`);
  return Number(value);
};

const print = (report: ChaosReport): void => {
  const rows: [string, string | number][] = [
    ['seed', report.seed],
    ['status messages sent', report.messages],
    ['  in envelopes (queue messages)', report.envelopes],
    ['  bare (queue messages)', report.bare],
    ['host stops: SIGKILL', report.sigkills],
    ['host stops: SIGTERM', report.sigterms],
    ['Cosmos outage (s)', report.cosmosOutageMs / 1000],
    ['queue outage (s)', report.queueOutageMs / 1000],
    ['handed back after a transient failure', report.handBacks],
    ['handed back after repeated deliveries', report.crashHandBacks],
    ['faults in flight: hand-backs', report.faultsInFlight.handBacks],
    ['faults in flight: outages over a host', report.faultsInFlight.outagesOverlappingHost],
    ['faults in flight: redelivered after kill', report.faultsInFlight.redeliveredAfterKill],
    ['stored', report.stored],
    ['missing', report.missing],
    ['duplicates', report.duplicates],
    ['wrong ids', report.wrongIds],
    ['poison queue', report.poisoned],
    ['dead-lettered', report.deadLettered],
    ['left in queue', report.leftInQueue],
    ['summary counts not equal to the stored', report.summaryMismatches],
    ['time to drain after the last stop (s)', (report.drainMs / 1000).toFixed(1)],
    ['total time (s)', (report.totalMs / 1000).toFixed(1)],
  ];
  for (const [label, value] of rows) console.log(`${label.padEnd(40)} ${value}`);
  for (const problem of report.problems) console.log(`problem: ${problem}`);
  console.log(
    report.ok
      ? 'CHAOS PASSED: every message stored and counted exactly once, and the faults hit work in flight'
      : `CHAOS FAILED (repeat with --seed ${report.seed})`,
  );
  console.log(JSON.stringify(report));
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string' },
      bare: { type: 'string' },
      stops: { type: 'string' },
      outage: { type: 'string' },
      'queue-outage': { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(usage);
  const messages = wholeNumber(values.messages, '--messages', 20_000);
  const bare = wholeNumber(values.bare, '--bare', 1_000);
  if (bare > messages) throw new Error('--bare must not exceed --messages');
  const report = await runChaos({
    envelopeMessages: messages - bare,
    bareMessages: bare,
    stops: wholeNumber(values.stops, '--stops', 16),
    uptimeMs: [2_000, 8_000],
    cosmosOutageMs: wholeNumber(values.outage, '--outage', 30) * 1000,
    queueOutageMs: wholeNumber(values['queue-outage'], '--queue-outage', 8) * 1000,
    drainTimeoutMs: 10 * 60_000,
    seed: wholeNumber(values.seed, '--seed', Date.now() % 1_000_000_007),
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
  print(report);
  process.exitCode = report.ok ? 0 : 1;
};

main().catch((error: unknown) => {
  console.error(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
