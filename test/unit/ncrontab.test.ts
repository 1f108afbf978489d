import { ConfigError } from '../../lib/errors';
import { nextOccurrence, parseNcrontab } from '../../lib/local/ncrontab';

describe('ncrontab', () => {
  it('finds the next run of every-minute and every-ten-seconds schedules', () => {
    const after = new Date('2026-11-25T20:00:30.500Z');
    expect(nextOccurrence(parseNcrontab('0 */1 * * * *'), after)?.toISOString()).toBe(
      '2026-11-25T20:01:00.000Z',
    );
    expect(nextOccurrence(parseNcrontab('*/10 * * * * *'), after)?.toISOString()).toBe(
      '2026-11-25T20:00:40.000Z',
    );
    expect(nextOccurrence(parseNcrontab('0 30 9 * * 1-5'), after)?.toISOString()).toBe(
      '2026-11-26T09:30:00.000Z',
    );
  });

  it('rejects what it does not understand', () => {
    expect(() => parseNcrontab('* * * * *')).toThrow(ConfigError);
    expect(() => parseNcrontab('0 */1 * * * MON')).toThrow('day-of-week "MON" is not understood');
    expect(() => parseNcrontab('0 61 * * * *')).toThrow('out of range');
  });
});
