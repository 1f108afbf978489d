import { readFileSync } from 'node:fs';
import { ValidationError } from '../errors';
import { parseCommand, timeoutMs, timeoutOption } from './command';
import { openReporter, reporterOptions, reporterSettings } from './agent-reporter';

const spec = {
  name: 'npm run agent -- send',
  synopsis: '[JSON ...] [--file F]',
  description:
    'Reports status messages given as arguments, as JSON lines in --file F ("-" = stdin), or on stdin,\n' +
    'through the durable outbox, and waits until the queue has accepted them.',
  options: {
    file: { type: 'string', arg: 'F', help: 'JSON lines to send ("-" = stdin)' },
    message: { type: 'string', multiple: true, arg: 'JSON', help: 'one status message (repeatable)' },
    ...timeoutOption,
    ...reporterOptions,
  },
  settings: reporterSettings,
  positionals: { min: 0, max: Number.MAX_SAFE_INTEGER },
  examples: [
    `npm run agent -- send '{"time":"2026-11-25T13:37:00Z","severity":"info","messageId":1,"component":"C","site":"P01","machine":"WS-1"}'`,
    'npm run agent -- send --file messages.jsonl',
  ],
} as const;

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

export const send = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(spec, args);
  if (!parsed) return;
  const { values, positionals } = parsed;
  let messages: unknown[];
  if (positionals.length > 0 || values.message) {
    messages = [...positionals, ...(values.message ?? [])].flatMap((text) => readJsonLines(text, 'argument'));
  } else if (values.file !== undefined && values.file !== '-') {
    messages = readJsonLines(readFileSync(values.file, 'utf8'), values.file);
  } else {
    messages = readJsonLines(readFileSync(0, 'utf8'), 'stdin');
  }
  if (messages.length === 0) throw new ValidationError(['no status messages to send']);
  const timeout = timeoutMs(values.timeout);
  const reporter = await openReporter(values);
  try {
    const receipts = [];
    for (const message of messages) receipts.push(await reporter.report(message));
    const flushed = await reporter.close(timeout);
    const seqs = receipts.map((r) => `${r.site}/${r.machine}#${r.seq}`).join(' ');
    console.log(`${flushed ? 'sent' : 'kept in the outbox (queue unreachable)'}: ${seqs}`);
    if (!flushed) process.exitCode = 1;
  } finally {
    await reporter.close(0);
  }
};
