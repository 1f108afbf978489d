import { ValidationError } from '../../lib/errors';
import { buildMessageQuery } from '../../lib/query/build-message-query';
import { decodeContinuation, encodeContinuation } from '../../lib/query/continuation';
import { csvField } from '../../lib/query/export-messages';
import { parseMessageQuery } from '../../lib/query/message-query';

const reasonsOf = (raw: Record<string, string>): string[] => {
  try {
    parseMessageQuery(raw);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.reasons];
    throw error;
  }
  return [];
};

describe('message-query', () => {
  it('parses filters given as strings: comma severities, numbers, UTC bounds, default limit 100', () => {
    expect(
      parseMessageQuery({
        site: 'P01',
        severity: 'Error, warning',
        messageId: '500',
        since: '2026-11-25T10:00:00+02:00',
      }),
    ).toEqual({
      site: 'P01',
      severity: ['error', 'warning'],
      messageId: 500,
      since: '2026-11-25T08:00:00.000Z',
      limit: 100,
    });
  });

  it('names each bad parameter', () => {
    const reasons = reasonsOf({
      limit: '0',
      severity: 'fatal',
      messageType: 'x',
      site: 'a/b',
      until: 'later',
    });
    for (const name of ['limit', 'severity', 'messageType', 'site', 'until'])
      expect(reasons.some((r) => r.startsWith(`query.${name}`))).toBe(true);
    expect(reasonsOf({ nope: '1' }).join()).toMatch(/nope/);
  });

  it('never puts a value into the query text: every filter is a parameter', () => {
    const hostile = `P01' OR 1=1 --`;
    const built = buildMessageQuery(
      parseMessageQuery({ site: hostile, component: hostile, severity: 'error,info' }),
    );
    expect(built.query).not.toContain(hostile);
    expect(built.parameters).toEqual(expect.arrayContaining([{ name: '@site', value: hostile }]));
    expect(built.query).toContain('c.severity IN (@severity0, @severity1)');
  });

  it('scopes to one logical partition when site and machine are given', () => {
    expect(buildMessageQuery(parseMessageQuery({ site: 'P01', machine: 'M' })).partitionKey).toEqual([
      'P01',
      'M',
    ]);
    expect(buildMessageQuery(parseMessageQuery({ site: 'P01' })).partitionKey).toBeUndefined();
  });

  it('round-trips a continuation for the same filters and refuses it for others', () => {
    const a = buildMessageQuery(parseMessageQuery({ site: 'P01' }));
    const b = buildMessageQuery(parseMessageQuery({ site: 'P02' }));
    const token = encodeContinuation(a, '{"token":"x"}');
    expect(decodeContinuation(a, token)).toBe('{"token":"x"}');
    expect(() => decodeContinuation(b, token)).toThrow(/other filters/);
    expect(() => decodeContinuation(a, 'garbage')).toThrow(/query.continuation/);
  });

  it('quotes CSV fields that need it and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-5)).toBe('-5');
    expect(csvField(['a', 'b'])).toBe('"[""a"",""b""]"');
    expect(csvField(undefined)).toBe('');
  });
});
