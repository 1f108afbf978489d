/** An inclusive range of sequence numbers, `[first, last]`, with `first <= last`. */
export type SeqRange = readonly [number, number];

/**
 * Merges `range` into a sorted list of disjoint ranges, joining ranges that touch or overlap. Pure and
 * idempotent: merging a range that is already covered returns an equal list, so a redelivered envelope
 * changes nothing.
 */
export const mergeRange = (ranges: readonly SeqRange[], range: SeqRange): SeqRange[] => {
  let [first, last] = range;
  const out: SeqRange[] = [];
  let placed = false;
  for (const [a, b] of ranges) {
    if (b + 1 < first) out.push([a, b]);
    else if (last + 1 < a) {
      if (!placed) out.push([first, last]);
      placed = true;
      out.push([a, b]);
    } else {
      first = Math.min(first, a);
      last = Math.max(last, b);
    }
  }
  if (!placed) out.push([first, last]);
  return out;
};

export const coversRange = (ranges: readonly SeqRange[], [first, last]: SeqRange): boolean =>
  ranges.some(([a, b]) => a <= first && last <= b);

export const containsSeq = (ranges: readonly SeqRange[], seq: number): boolean =>
  ranges.some(([a, b]) => a <= seq && seq <= b);

export const highestSeq = (ranges: readonly SeqRange[]): number | undefined => ranges.at(-1)?.[1];

/** A stored range with `since`: when the server first stored any number in it (ISO 8601). */
export interface TimedRange {
  readonly first: number;
  readonly last: number;
  readonly since: string;
}

const earlier = (a: string, b: string): string => (Date.parse(a) <= Date.parse(b) ? a : b);

/** `mergeRange` for timed ranges: joined ranges keep the earliest `since`. Idempotent. */
export const mergeTimedRange = (ranges: readonly TimedRange[], range: TimedRange): TimedRange[] => {
  let { first, last, since } = range;
  const out: TimedRange[] = [];
  let placed = false;
  for (const r of ranges) {
    if (r.last + 1 < first) out.push(r);
    else if (last + 1 < r.first) {
      if (!placed) out.push({ first, last, since });
      placed = true;
      out.push(r);
    } else {
      first = Math.min(first, r.first);
      last = Math.max(last, r.last);
      since = earlier(since, r.since);
    }
  }
  if (!placed) out.push({ first, last, since });
  return out;
};
