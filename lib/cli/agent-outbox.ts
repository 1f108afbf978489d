import { Outbox, parseAgentKey } from '../agent/outbox';
import { parseCommand, timeoutMs, timeoutOption } from './command';
import {
  openReporter,
  outboxDir,
  outboxOptions,
  printStats,
  progressTimer,
  reporterOptions,
  reporterSettings,
} from './agent-reporter';

const showSpec = {
  name: 'npm run agent -- outbox show',
  synopsis: '[--outbox DIR]',
  description: 'What the outbox holds: pending messages per agent and the next sequence numbers.',
  options: outboxOptions,
  settings: ['STATMGR_AGENT_OUTBOX'],
} as const;

const flushSpec = {
  name: 'npm run agent -- outbox flush',
  synopsis: '[options]',
  description: 'Sends what the outbox holds and waits until the queue has accepted it.',
  options: { ...timeoutOption, ...reporterOptions },
  settings: reporterSettings,
} as const;

const flush = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(flushSpec, args);
  if (!parsed) return;
  const timeout = timeoutMs(parsed.values.timeout);
  const reporter = await openReporter(parsed.values);
  const timer = progressTimer(reporter);
  try {
    const flushed = await reporter.close(timeout);
    printStats(reporter, flushed ? 'flushed' : 'NOT all sent (still in the outbox)');
    if (!flushed) process.exitCode = 1;
  } finally {
    clearInterval(timer);
  }
};

const show = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(showSpec, args);
  if (!parsed) return;
  const box = await Outbox.open(outboxDir(parsed.values));
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

/** `outbox show` (the default) or `outbox flush`. */
export const outbox = async (args: readonly string[]): Promise<void> =>
  args[0] === 'flush' ? flush(args.slice(1)) : show(args[0] === 'show' ? args.slice(1) : args);
