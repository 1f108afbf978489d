import { ValidationError } from '../../lib/errors';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { aStatusMessage, anEnvelope } from '../helpers/factories';

const reasonsOf = (payload: unknown): readonly string[] => {
  try {
    parseQueueMessage(payload);
  } catch (error) {
    if (error instanceof ValidationError) return error.reasons;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('parseQueueMessage', () => {
  it('accepts an envelope as an object, as plain JSON text and as base64 JSON', () => {
    const envelope = anEnvelope(2);
    const text = JSON.stringify(envelope);
    for (const payload of [envelope, text, Buffer.from(text).toString('base64')]) {
      const parsed = parseQueueMessage(payload);
      expect(parsed.kind).toBe('envelope');
      expect(parsed.batchId).toBe(envelope.batchId);
      expect(parsed.items.map((item) => item.ok)).toEqual([true, true]);
    }
  });

  it('applies the envelope site and machine as defaults, a message may override them', () => {
    const envelope = anEnvelope(1, { site: 'S01', machine: 'M1' });
    envelope.messages.push({ ...envelope.messages[0], machine: 'M2' });
    const parsed = parseQueueMessage(envelope);
    const machines = parsed.items.map((item) =>
      item.ok ? `${item.message.site}/${item.message.machine}` : '-',
    );
    expect(machines).toEqual(['S01/M1', 'S01/M2']);
  });

  it('normalizes SMS severity names and defaults messageType to detail', () => {
    const parsed = parseQueueMessage(aStatusMessage({ severity: 'Informational' }));
    expect(parsed.kind).toBe('bare');
    const item = parsed.items[0]!;
    expect(item.ok && item.message.severity).toBe('info');
    expect(item.ok && item.message.messageType).toBe('detail');
  });

  it('keeps valid items when one item of an envelope is invalid, naming the field', () => {
    const envelope = anEnvelope(3);
    envelope.messages[1] = { ...envelope.messages[1], severity: 'fatal' };
    const parsed = parseQueueMessage(envelope);
    expect(parsed.items.map((item) => item.ok)).toEqual([true, false, true]);
    const bad = parsed.items[1]!;
    expect(!bad.ok && bad.reasons).toEqual([
      'messages[1].severity: must be one of info, warning, error, Informational, Warning, Error; got "fatal"',
    ]);
  });

  it('rejects a body that is neither JSON nor base64 JSON', () => {
    expect(reasonsOf('not json at all')).toEqual([
      expect.stringMatching(/^body: is neither JSON nor base64-encoded JSON \(Unexpected token/),
    ]);
    expect(reasonsOf(Buffer.from('still not json').toString('base64'))).toEqual([
      'body: is base64 but the decoded text is not JSON',
    ]);
    expect(reasonsOf(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'))).toEqual([
      'body: is base64 but the decoded bytes are not valid UTF-8; send UTF-8 JSON',
    ]);
  });

  it('rejects a body that is not an object', () => {
    expect(reasonsOf('[1,2]')).toEqual([
      'body: must be a JSON object (an envelope or a status message), got an array',
    ]);
    expect(reasonsOf('42')).toEqual([
      'body: must be a JSON object (an envelope or a status message), got a number',
    ]);
  });

  it('rejects an envelope with an unknown schema, no messages or more than 100', () => {
    expect(reasonsOf({ ...anEnvelope(1), schema: 'statmgr/v9' })).toEqual([
      'schema: must be "statmgr/v1"; got "statmgr/v9"',
    ]);
    expect(reasonsOf({ ...anEnvelope(1), messages: [] })).toEqual([
      'messages: must have at least 1 item(s), got 0',
    ]);
    expect(reasonsOf(anEnvelope(101))).toEqual(['messages: must have at most 100 items, got 101']);
  });

  it('names every missing required field of a bare message', () => {
    const reasons = parseQueueMessage({ time: '2026-11-25T13:37:00Z' }).items[0];
    expect(reasons?.ok).toBe(false);
    expect(!reasons?.ok && [...reasons!.reasons].sort()).toEqual([
      'component: is required',
      'machine: is required',
      'messageId: is required',
      'severity: is required',
      'site: is required',
    ]);
  });

  it('rejects a time without a zone and an out-of-range messageId', () => {
    const item = parseQueueMessage(aStatusMessage({ time: '2026-11-25T13:37:00', messageId: 70000 }))
      .items[0]!;
    expect(!item.ok && [...item.reasons].sort()).toEqual([
      'messageId: must be at most 65535, got 70000',
      'time: must be an ISO 8601 date-time with a zone, e.g. 2026-11-25T13:37:00Z; got "2026-11-25T13:37:00"',
    ]);
  });
});

describe('parseQueueMessage: the envelope context a dead letter keeps (for a replay under the same ids)', () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('keeps batchId (lower-cased), site, machine, seq and traceparent, exactly', () => {
    const envelope = { ...anEnvelope(2, { seq: 40 }), traceparent };
    const parsed = parseQueueMessage(
      JSON.stringify({ ...envelope, batchId: envelope.batchId.toUpperCase() }),
    );
    if (parsed.kind !== 'envelope') throw new Error('not an envelope');
    expect(parsed.envelope).toStrictEqual({
      batchId: envelope.batchId.toLowerCase(),
      site: 'P01',
      machine: 'WS-0042',
      seq: 40,
      traceparent,
    });
  });

  it('carries no key for a default the envelope does not give', () => {
    const { site: _s, machine: _m, ...bare } = anEnvelope(1);
    const messages = [aStatusMessage()];
    const parsed = parseQueueMessage(JSON.stringify({ ...bare, messages }));
    if (parsed.kind !== 'envelope') throw new Error('not an envelope');
    expect(parsed.envelope).toStrictEqual({ batchId: bare.batchId.toLowerCase() });
    const [item] = parsed.items;
    expect(item?.ok).toBe(true);
  });

  it("takes an item's site and machine from the envelope when the item has none, its own otherwise", () => {
    const envelope = anEnvelope(1, { site: 'P02', machine: 'WS-0100' });
    const own = aStatusMessage({ site: 'P03', machine: 'WS-0200' });
    const parsed = parseQueueMessage(JSON.stringify({ ...envelope, messages: [...envelope.messages, own] }));
    const sites = parsed.items.map((item) =>
      item.ok ? [item.message.site, item.message.machine] : undefined,
    );
    expect(sites).toEqual([
      ['P02', 'WS-0100'],
      ['P03', 'WS-0200'],
    ]);
  });

  it('takes only the default the envelope gives: its site for items that name their machine, and so on', () => {
    const { site: _s, machine: _m, ...bare } = anEnvelope(1);
    const { site: _ms, ...noSite } = aStatusMessage({ machine: 'WS-0300' });
    const { machine: _mm, ...noMachine } = aStatusMessage({ site: 'P04' });
    const parsed = parseQueueMessage(JSON.stringify({ ...bare, site: 'P05', messages: [noSite] }));
    expect(parsed.items.map((i) => (i.ok ? [i.message.site, i.message.machine] : i.reasons))).toEqual([
      ['P05', 'WS-0300'],
    ]);
    const other = parseQueueMessage(JSON.stringify({ ...bare, machine: 'WS-0400', messages: [noMachine] }));
    expect(other.items.map((i) => (i.ok ? [i.message.site, i.message.machine] : i.reasons))).toEqual([
      ['P04', 'WS-0400'],
    ]);
  });

  it('reads a body with a schema but no messages as a broken envelope, not as a bare message', () => {
    expect(reasonsOf(JSON.stringify({ schema: 'statmgr/v1', batchId: anEnvelope(1).batchId }))).toEqual([
      'messages: is required',
    ]);
  });
});
