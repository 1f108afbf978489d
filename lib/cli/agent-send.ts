import { readFileSync } from 'node:fs';
import { checkReportable } from '../agent/status-reporter';
import { describeError, StatmgrError, ValidationError } from '../errors';
import { parseCommand, timeoutMs, timeoutOption } from './command';
import { openReporter, reporterOptions, reporterSettings } from './agent-reporter';

const spec = {
  name: 'npm run agent -- send',
  synopsis: '[JSON ...] [--file F]',
  description:
    'Reports status messages given as arguments, as JSON lines in --file F ("-" = stdin), or on stdin,\n' +
    'through the durable outbox, and waits until the queue has accepted them. Every line is checked\n' +
    'first: if any is invalid, nothing is reported and each bad line is named (exit code 2).',
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

interface InputLine {
  /** `stdin line 2`, `messages.jsonl line 7`, `argument 1 line 1`. */
  readonly where: string;
  readonly text: string;
}

const linesOf = (text: string, source: string): InputLine[] =>
  text
    .split('\n')
    .map((line, index) => ({ where: `${source} line ${index + 1}`, text: line.trim() }))
    .filter(({ text: line }) => line !== '');

/**
 * Checks every line before anything is reported: JSON, the schema, and that an envelope can carry it. Any bad
 * line refuses the whole input (nothing is reported), with one reason per problem naming its line.
 */
const checkAll = (lines: readonly InputLine[]): unknown[] => {
  const reasons: string[] = [];
  const messages = lines.map(({ where, text }) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      reasons.push(`${where}: is not valid JSON`);
      return undefined;
    }
    try {
      checkReportable(value);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      reasons.push(...error.reasons.map((reason) => `${where}: ${reason}`));
    }
    return value;
  });
  if (reasons.length > 0) {
    const bad = new Set(reasons.map((reason) => reason.slice(0, reason.indexOf(':')))).size;
    throw new ValidationError([
      `nothing was reported: ${bad} of ${lines.length} line(s) are invalid; fix them and send the input again`,
      ...reasons,
    ]);
  }
  return messages;
};

export const send = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(spec, args);
  if (!parsed) return;
  const { values, positionals } = parsed;
  let lines: InputLine[];
  if (positionals.length > 0 || values.message) {
    lines = [...positionals, ...(values.message ?? [])].flatMap((text, i) =>
      linesOf(text, `argument ${i + 1}`),
    );
  } else if (values.file !== undefined && values.file !== '-') {
    lines = linesOf(readFileSync(values.file, 'utf8'), values.file);
  } else {
    lines = linesOf(readFileSync(0, 'utf8'), 'stdin');
  }
  if (lines.length === 0) throw new ValidationError(['no status messages to send']);
  const messages = checkAll(lines);
  const timeout = timeoutMs(values.timeout);
  const reporter = await openReporter(values);
  try {
    const receipts = [];
    for (const [index, message] of messages.entries()) {
      try {
        receipts.push(await reporter.report(message));
      } catch (error) {
        // Only the outbox itself can fail here (all lines were checked): say exactly what was taken.
        throw new StatmgrError(
          `${lines[index]!.where} could not be reported (${describeError(error)}); ` +
            (index === 0
              ? 'nothing was reported'
              : `the ${index} line(s) before it are in the outbox and will be sent; send the rest again`),
          { cause: error },
        );
      }
    }
    const flushed = await reporter.close(timeout);
    const seqs = receipts.map((r) => `${r.site}/${r.machine}#${r.seq}`).join(' ');
    console.log(`${flushed ? 'sent' : 'kept in the outbox (queue unreachable)'}: ${seqs}`);
    if (!flushed) process.exitCode = 1;
  } finally {
    await reporter.close(0);
  }
};
