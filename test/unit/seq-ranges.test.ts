import { summarize } from '../../lib/agent-status/agent-status';
import type { AgentSummary } from '../../lib/agent-status/agent-summary';
import {
  containsSeq,
  coversRange,
  highestSeq,
  mergeRange,
  mergeTimedRange,
  type TimedRange,
} from '../../lib/agent-status/seq-ranges';

describe('mergeRange', () => {
  it('joins touching and overlapping ranges and keeps them sorted', () => {
    let ranges = mergeRange([], [201, 300]);
    ranges = mergeRange(ranges, [1, 100]);
    expect(ranges).toEqual([
      [1, 100],
      [201, 300],
    ]);
    expect(mergeRange(ranges, [101, 200])).toEqual([[1, 300]]);
    expect(mergeRange(ranges, [50, 250])).toEqual([[1, 300]]);
  });

  it('changes nothing when a range is merged again (redelivery)', () => {
    const ranges = mergeRange(mergeRange([], [1, 100]), [201, 300]);
    expect(mergeRange(ranges, [1, 100])).toEqual(ranges);
    expect(mergeRange(ranges, [210, 220])).toEqual(ranges);
  });
});

describe('mergeRange, edge by edge', () => {
  it('joins a range that touches on either side, and keeps a gap of one apart', () => {
    expect(mergeRange([[1, 3]], [4, 6])).toEqual([[1, 6]]);
    expect(mergeRange([[4, 6]], [1, 3])).toEqual([[1, 6]]);
    expect(mergeRange([[1, 3]], [5, 6])).toEqual([
      [1, 3],
      [5, 6],
    ]);
    expect(mergeRange([[5, 6]], [1, 3])).toEqual([
      [1, 3],
      [5, 6],
    ]);
    expect(mergeRange([], [2, 2])).toEqual([[2, 2]]);
  });

  it('places a range between two and bridges two it touches', () => {
    expect(
      mergeRange(
        [
          [1, 2],
          [10, 12],
        ],
        [5, 6],
      ),
    ).toEqual([
      [1, 2],
      [5, 6],
      [10, 12],
    ]);
    expect(
      mergeRange(
        [
          [1, 2],
          [5, 6],
        ],
        [3, 4],
      ),
    ).toEqual([[1, 6]]);
    expect(mergeRange([[3, 4]], [1, 9])).toEqual([[1, 9]]);
  });
});

describe('coversRange, containsSeq, highestSeq', () => {
  const ranges = [
    [1, 5],
    [8, 9],
  ] as const;
  it('covers a range only when one stored range holds all of it, edges included', () => {
    expect(coversRange(ranges, [1, 5])).toBe(true);
    expect(coversRange(ranges, [2, 4])).toBe(true);
    expect(coversRange(ranges, [0, 5])).toBe(false);
    expect(coversRange(ranges, [1, 6])).toBe(false);
    expect(coversRange(ranges, [5, 8])).toBe(false);
    expect(coversRange([], [1, 1])).toBe(false);
  });
  it('contains a number only inside a range, edges included', () => {
    expect([0, 1, 5, 6, 7, 8, 9, 10].map((seq) => containsSeq(ranges, seq))).toEqual([
      false,
      true,
      true,
      false,
      false,
      true,
      true,
      false,
    ]);
  });
  it('gives the last number of the last range, or undefined for none', () => {
    expect(highestSeq(ranges)).toBe(9);
    expect(highestSeq([])).toBeUndefined();
  });
});

describe('mergeTimedRange', () => {
  it('places, joins and keeps apart as mergeRange does, with since', () => {
    const t1 = '2026-01-01T00:00:00.000Z';
    const t2 = '2026-01-02T00:00:00.000Z';
    expect(mergeTimedRange([{ first: 5, last: 6, since: t2 }], { first: 1, last: 3, since: t1 })).toEqual([
      { first: 1, last: 3, since: t1 },
      { first: 5, last: 6, since: t2 },
    ]);
    expect(mergeTimedRange([{ first: 1, last: 3, since: t2 }], { first: 5, last: 6, since: t1 })).toEqual([
      { first: 1, last: 3, since: t2 },
      { first: 5, last: 6, since: t1 },
    ]);
    expect(mergeTimedRange([{ first: 1, last: 3, since: t1 }], { first: 4, last: 4, since: t2 })).toEqual([
      { first: 1, last: 4, since: t1 },
    ]);
    expect(mergeTimedRange([{ first: 4, last: 4, since: t2 }], { first: 1, last: 3, since: t1 })).toEqual([
      { first: 1, last: 4, since: t1 },
    ]);
    expect(mergeTimedRange([], { first: 2, last: 2, since: t1 })).toEqual([{ first: 2, last: 2, since: t1 }]);
  });

  it('keeps the earliest since of the ranges it joins', () => {
    const a: TimedRange = { first: 1, last: 10, since: '2026-11-25T10:00:00.000Z' };
    const c: TimedRange = { first: 21, last: 30, since: '2026-11-25T09:00:00.000Z' };
    const b: TimedRange = { first: 11, last: 20, since: '2026-11-25T11:00:00.000Z' };
    expect(mergeTimedRange(mergeTimedRange([a], c), b)).toEqual([
      { first: 1, last: 30, since: '2026-11-25T09:00:00.000Z' },
    ]);
  });
});

describe('summarize', () => {
  const summary = (ranges: TimedRange[]): AgentSummary => ({
    id: 'x',
    site: 'P01',
    machine: 'WS-1',
    ranges,
    firstSeenAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.000Z',
  });
  const now = new Date('2026-11-25T10:10:00.000Z');

  it('reports the highest contiguous number and no gap when everything from 1 is stored', () => {
    const status = summarize(summary([{ first: 1, last: 500, since: '2026-11-25T10:00:00.000Z' }]), now, 60);
    expect(status).toMatchObject({ highestContiguous: 500, highestSeen: 500, stored: 500, gaps: [] });
  });

  it('reports a gap older than the gap age and keeps a younger one apart', () => {
    const status = summarize(
      summary([
        { first: 3, last: 10, since: '2026-11-25T10:00:00.000Z' },
        { first: 12, last: 20, since: '2026-11-25T10:00:00.000Z' },
        { first: 31, last: 40, since: '2026-11-25T10:09:30.000Z' },
      ]),
      now,
      60,
    );
    expect(status.highestContiguous).toBe(0);
    expect(status.highestSeen).toBe(40);
    expect(status.gaps.map((g) => [g.first, g.last, g.ageSeconds])).toEqual([
      [1, 2, 600],
      [11, 11, 600],
    ]);
    expect(status.recentGaps.map((g) => [g.first, g.last, g.ageSeconds])).toEqual([[21, 30, 30]]);
  });
});
