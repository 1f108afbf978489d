import fc from 'fast-check';
import { loadConfig } from '../../lib/config';
import {
  dayPeriodStart,
  hourBucketOf,
  hourStartOf,
  isLaterTime,
  periodStartOf,
  splitPeriod,
} from '../../lib/summaries/period';

const at = (iso: string): Date => new Date(iso);

describe('summary period', () => {
  it('starts at 00:00 UTC by default, or at the configured UTC hour (yesterday when not reached yet)', () => {
    expect(dayPeriodStart(at('2026-11-25T13:37:00Z'), 0).toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(dayPeriodStart(at('2026-11-25T00:00:00Z'), 0).toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(dayPeriodStart(at('2026-11-25T13:37:00Z'), 6).toISOString()).toBe('2026-11-25T06:00:00.000Z');
    expect(dayPeriodStart(at('2026-11-25T05:59:59Z'), 6).toISOString()).toBe('2026-11-24T06:00:00.000Z');
  });

  it('starts at the last reset when that is later than the day start, else at the day start', () => {
    const day = at('2026-11-25T00:00:00Z');
    expect(periodStartOf(day, undefined)).toBe(day);
    expect(periodStartOf(day, '2026-11-24T23:00:00Z')).toBe(day);
    expect(periodStartOf(day, '2026-11-25T10:15:00Z').toISOString()).toBe('2026-11-25T10:15:00.000Z');
  });

  it('counts whole hour buckets from the period start, and the rest of a reset hour separately', () => {
    expect(splitPeriod(at('2026-11-25T10:00:00Z'))).toEqual({
      fullFrom: '2026-11-25T10:00:00.000Z',
      partial: undefined,
    });
    expect(splitPeriod(at('2026-11-25T10:15:00Z'))).toEqual({
      fullFrom: '2026-11-25T11:00:00.000Z',
      partial: {
        bucket: '2026-11-25T10:00:00.000Z',
        from: at('2026-11-25T10:15:00Z'),
        to: at('2026-11-25T11:00:00Z'),
      },
    });
  });

  it('buckets a message time by its UTC hour, whatever its zone', () => {
    expect(hourBucketOf('2026-11-25T13:59:59.999Z')).toBe('2026-11-25T13:00:00.000Z');
    expect(hourBucketOf('2026-11-26T01:30:00+02:00')).toBe('2026-11-25T23:00:00.000Z');
  });

  it('reads and validates the summary settings', () => {
    const config = loadConfig({});
    expect(config.summaries).toMatchObject({ enabled: true, periodStartHour: 0, silentMinutes: 60 });
    expect(loadConfig({ STATMGR_SUMMARIES: 'off' }).summaries.enabled).toBe(false);
    expect(() => loadConfig({ STATMGR_SUMMARIES: 'no' })).toThrow('STATMGR_SUMMARIES must be one of on, off');
    expect(() => loadConfig({ STATMGR_SUMMARY_PERIOD_START_HOUR: '24' })).toThrow(
      'STATMGR_SUMMARY_PERIOD_START_HOUR must be a whole number from 0 to 23',
    );
    expect(() =>
      loadConfig({ STATMGR_SUMMARY_THRESHOLDS: '{"sites":{"P":{"critical":{"error":0}}}}' }),
    ).toThrow('STATMGR_SUMMARY_THRESHOLDS.sites.P.critical.error');
  });

  // hourBucketOf and isLaterTime read a stored time (toISOString's form) as text; any other form is parsed.
  // Both must agree with the parsed time for every instant, in the stored form and in an offset form.
  const instants = fc.integer({
    min: Date.parse('0001-01-01T00:00:00Z'),
    max: Date.parse('9999-12-31T23:59:59Z'),
  });
  const offsetForm = (ms: number): string => {
    const shifted = new Date(ms + 90 * 60_000).toISOString().replace('Z', '+01:30');
    return shifted;
  };

  it('buckets any time by its UTC hour, whether stored (text) or with an offset (parsed)', () => {
    fc.assert(
      fc.property(instants, (ms) => {
        const expected = new Date(hourStartOf(ms)).toISOString();
        expect(hourBucketOf(new Date(ms).toISOString())).toBe(expected);
        expect(hourBucketOf(offsetForm(ms))).toBe(expected);
      }),
    );
  });

  it('orders times as instants, whether compared as stored text or parsed', () => {
    fc.assert(
      fc.property(instants, instants, (a, b) => {
        const [isoA, isoB] = [new Date(a).toISOString(), new Date(b).toISOString()];
        expect(isLaterTime(isoA, isoB)).toBe(a > b);
        expect(isLaterTime(offsetForm(a), isoB)).toBe(a > b);
      }),
    );
    expect(isLaterTime('2026-11-25T10:00:00.000Z', '2026-11-25T10:00:00.000Z')).toBe(false);
  });
});
