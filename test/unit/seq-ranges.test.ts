import { summarize } from '../../lib/agent-status/agent-status';
import type { AgentSummary } from '../../lib/agent-status/agent-summary';
import { mergeRange, mergeTimedRange, type TimedRange } from '../../lib/agent-status/seq-ranges';

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

describe('mergeTimedRange', () => {
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
