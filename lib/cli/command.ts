import { parseArgs } from 'node:util';
import { describeError, messageOf, PermanentError, ValidationError } from '../errors';
import { settingsHelp, type SettingName } from '../settings';

/**
 * What every command-line program shares: a strict option table per command (an option another command
 * takes is refused here, with the command's name), a `--help` built from that table and the settings the
 * command reads (lib/settings.ts), and one way to end: exit 2 with one line for bad input or settings, 1 for
 * anything else.
 */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** The value's placeholder in `--help`, e.g. `N` or `DIR`. */
  readonly arg?: string;
  readonly help: string;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export interface CommandSpec<T extends OptionTable> {
  /** `npm run agent -- simulate`: the words a user types. */
  readonly name: string;
  readonly synopsis: string;
  readonly description: string;
  readonly options: T;
  /** Environment settings the command reads, listed in its `--help`. */
  readonly settings?: readonly SettingName[];
  readonly examples?: readonly string[];
  /** How many positional arguments it takes (default none). */
  readonly positionals?: { readonly min: number; readonly max: number };
}

type Value<O extends OptionSpec> = O['type'] extends 'boolean'
  ? boolean | undefined
  : O['multiple'] extends true
    ? string[] | undefined
    : string | undefined;

export type OptionValues<T extends OptionTable> = { readonly [K in keyof T]: Value<T[K]> };

export interface ParsedCommand<T extends OptionTable> {
  readonly values: OptionValues<T>;
  readonly positionals: readonly string[];
}

const helpOption = { help: { type: 'boolean', help: 'this text' } } as const;

/** Edit distance (insert, delete, replace one character), for "did you mean" on typos. */
const editDistance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
};

/** `; did you mean --url?` when a known word is at most two typos away, else nothing. */
export const didYouMean = (given: string, known: readonly string[]): string => {
  const [best] = known
    .map((word) => ({ word, distance: editDistance(given, word) }))
    .sort((a, b) => a.distance - b.distance);
  return best && best.distance <= 2 ? `; did you mean ${best.word}?` : '';
};

export const commandHelp = <T extends OptionTable>(spec: CommandSpec<T>): string => {
  const rows = Object.entries({ ...spec.options, ...helpOption }).map(([flag, option]) => [
    `--${flag}${option.type === 'string' ? ` ${option.arg ?? 'VALUE'}` : ''}${flag === 'help' ? ', -h' : ''}`,
    option.help,
  ]);
  const width = Math.max(...rows.map(([left]) => left!.length)) + 2;
  return [
    `Usage: ${spec.name} ${spec.synopsis}`.trimEnd(),
    '',
    spec.description,
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left!.padEnd(width)}${right}`),
    ...(spec.settings?.length ? ['', 'Settings (environment):', settingsHelp(spec.settings)] : []),
    ...(spec.examples?.length ? ['', 'Examples:', ...spec.examples.map((line) => `  ${line}`)] : []),
  ].join('\n');
};

/**
 * Parses `args` against the command's own table. Returns undefined after printing `--help`; throws a
 * ValidationError naming the command for an unknown option, a missing value or stray arguments.
 */
export const parseCommand = <T extends OptionTable>(
  spec: CommandSpec<T>,
  args: readonly string[],
): ParsedCommand<T> | undefined => {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(commandHelp(spec));
    return undefined;
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: Object.fromEntries(
        Object.entries(spec.options).map(([flag, option]) => [
          flag,
          { type: option.type, multiple: option.multiple ?? false },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (cause) {
    const text = messageOf(cause);
    const unknown = /Unknown option '([^']+)'/.exec(text)?.[1];
    const flags = Object.keys(spec.options).map((flag) => `--${flag}`);
    const message = unknown
      ? `unknown option ${unknown}${didYouMean(unknown, flags)}`
      : text.split(/\.( |$)/)[0]!;
    throw new ValidationError([`${spec.name}: ${message}; see --help`], { cause });
  }
  const { min, max } = spec.positionals ?? { min: 0, max: 0 };
  const count = parsed.positionals.length;
  if (count > max)
    throw new ValidationError([`${spec.name}: unexpected argument "${parsed.positionals[max]}"; see --help`]);
  if (count < min) throw new ValidationError([`${spec.name}: missing argument; see --help`]);
  return { values: parsed.values as OptionValues<T>, positionals: parsed.positionals };
};

/** A whole-number option: `fallback` when absent, else a number in [min, max] or a ValidationError. */
export const wholeNumber = (
  value: string | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number,
): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ValidationError([`--${flag} must be a whole number from ${min} to ${max}, got "${value}"`]);
  }
  return Number(value);
};

/** The `--timeout S` option shared by the commands that wait, and its value in milliseconds. */
export const timeoutOption = {
  timeout: { type: 'string', arg: 'S', help: 'give up waiting after S seconds (default 600)' },
} as const;

export const timeoutMs = (value: string | undefined): number =>
  wholeNumber(value, 'timeout', 600, 1, 86_400) * 1000;

/** Runs a program's main: one line on stderr and exit 2 for bad input or settings, 1 for other failures. */
export const runMain = (program: string, main: () => Promise<void>): void => {
  main().catch((error: unknown) => {
    const permanent = error instanceof PermanentError;
    const text =
      error instanceof ValidationError
        ? error.reasons.join('\n  ')
        : permanent
          ? error.message
          : describeError(error);
    console.error(`statmgr ${program}: ${text}`);
    process.exit(permanent ? 2 : 1);
  });
};
