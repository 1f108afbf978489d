/** The threshold period and the hour buckets the summaries count in. Pure. */

export const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** Start of the UTC hour that holds `ms`. */
export const hourStartOf = (ms: number): number => Math.floor(ms / hourMs) * hourMs;

/** A time as stored (`toISOString`: 2026-11-25T22:40:07.123Z): fixed width, so its text sorts as time does. */
const storedTimePattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The bucket of a message time: the ISO text of its UTC hour's start (sorts as time does). */
export const hourBucketOf = (time: string): string =>
  storedTimePattern.test(time)
    ? `${time.slice(0, 13)}:00:00.000Z`
    : new Date(hourStartOf(Date.parse(time))).toISOString();

/** Whether time `a` is later than `b` (stored times compare as text; anything else is parsed). */
export const isLaterTime = (a: string, b: string): boolean =>
  storedTimePattern.test(a) && storedTimePattern.test(b) ? a > b : Date.parse(a) > Date.parse(b);

/** The start of the day's period that holds `now`: the latest `startHour`:00 UTC not after `now`. */
export const dayPeriodStart = (now: Date, startHour: number): Date => {
  const midnight = Math.floor(now.getTime() / dayMs) * dayMs;
  const start = midnight + startHour * hourMs;
  return new Date(start <= now.getTime() ? start : start - dayMs);
};

/** The period of a component: the day's period, or from its last reset when that is later. */
export const periodStartOf = (dayStart: Date, resetAt: string | undefined): Date => {
  const reset = resetAt === undefined ? Number.NaN : Date.parse(resetAt);
  return Number.isFinite(reset) && reset > dayStart.getTime() ? new Date(reset) : dayStart;
};

/**
 * How a period start splits into hour buckets: buckets from `fullFrom` on count whole; when the start is not on
 * an hour boundary (a reset), the part `[start, fullFrom)` of the bucket `partialBucket` is counted separately.
 */
export interface PeriodSplit {
  readonly fullFrom: string;
  readonly partial: { readonly bucket: string; readonly from: Date; readonly to: Date } | undefined;
}

export const splitPeriod = (start: Date): PeriodSplit => {
  const ms = start.getTime();
  const hour = hourStartOf(ms);
  if (hour === ms) return { fullFrom: start.toISOString(), partial: undefined };
  const next = new Date(hour + hourMs);
  return {
    fullFrom: next.toISOString(),
    partial: { bucket: new Date(hour).toISOString(), from: start, to: next },
  };
};
