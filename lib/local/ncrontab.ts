import { ConfigError } from '../errors';

/**
 * The NCRONTAB schedules of timer triggers (`{second} {minute} {hour} {day} {month} {day-of-week}`, each a
 * `*`, a number, a range `a-b`, a step `*` or `a-b` followed by `/n`, or a comma list of those), in UTC as on
 * the Functions host by default. Names of months and days are not supported here.
 */
const fields = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 6 },
] as const;

export type Schedule = readonly ReadonlySet<number>[];

const parseField = (text: string, field: (typeof fields)[number], schedule: string): Set<number> => {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new ConfigError(`schedule "${schedule}": ${field.name} "${part}" is not understood`);
    const [, all, from, to, step] = match;
    const low = all === '*' ? field.min : Number(from);
    const high = all === '*' ? field.max : to !== undefined ? Number(to) : step ? field.max : low;
    const by = step ? Number(step) : 1;
    if (low < field.min || high > field.max || low > high || by < 1) {
      throw new ConfigError(`schedule "${schedule}": ${field.name} "${part}" is out of range`);
    }
    for (let value = low; value <= high; value += by) values.add(value);
  }
  return values;
};

export const parseNcrontab = (schedule: string): Schedule => {
  const parts = schedule.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new ConfigError(
      `schedule "${schedule}" must have six fields (second minute hour day month day-of-week)`,
    );
  }
  return fields.map((field, i) => parseField(parts[i]!, field, schedule));
};

/** The first time after `after` (whole seconds, UTC) that the schedule matches; undefined within a year. */
export const nextOccurrence = (schedule: Schedule, after: Date): Date | undefined => {
  const [seconds, minutes, hours, days, months, weekdays] = schedule;
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getTime() + 366 * 86_400_000;
  while (t.getTime() <= limit) {
    if (!months!.has(t.getUTCMonth() + 1) || !days!.has(t.getUTCDate()) || !weekdays!.has(t.getUTCDay())) {
      t.setUTCHours(24, 0, 0, 0);
    } else if (!hours!.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!minutes!.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else if (!seconds!.has(t.getUTCSeconds())) {
      t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
    } else return t;
  }
  return undefined;
};
