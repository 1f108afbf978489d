import { ValidationError } from '../../lib/errors';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { rawBodyBytes, rawBodyOf, rawBodyText } from '../../lib/message/decode-body';
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

describe('rawBodyOf', () => {
  it('keeps the text of UTF-8 bytes exactly, a leading byte-order mark included', () => {
    const text = '\uFEFF {"site":1e400,"n":9007199254740993,"n":2} 𝄞';
    expect(rawBodyOf(Buffer.from(text, 'utf8'))).toEqual({ raw: text });
    expect(rawBodyOf(text)).toEqual({ raw: text });
  });

  it('keeps bytes that are not UTF-8 in rawBase64, and their text with U+FFFD in raw', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xc3, 0x28, 0xff, 0x7d]);
    const kept = rawBodyOf(bytes);
    expect(kept).toEqual({ raw: '{"a":\uFFFD(\uFFFD}', rawBase64: bytes.toString('base64') });
    expect(rawBodyBytes(kept).equals(bytes)).toBe(true);
    expect(rawBodyBytes({ raw: 'é' }).equals(Buffer.from([0xc3, 0xa9]))).toBe(true);
  });

  it('serializes a value the library already parsed (a trigger without dataType binary)', () => {
    expect(rawBodyOf({ a: [1, 'x'] })).toEqual({ raw: '{"a":[1,"x"]}' });
  });
});

describe('rawBodyText', () => {
  it('reads bytes as their UTF-8 text and keeps a string as it is', () => {
    expect(rawBodyText(Buffer.from(' {"é":1e400}', 'utf8'))).toBe(' {"é":1e400}');
    expect(rawBodyText(new Uint8Array([0x5b, 0x31, 0x5d]))).toBe('[1]');
    expect(rawBodyText('{ "a" : 1 }')).toBe('{ "a" : 1 }');
  });

  it('serializes a value nested deeper than JSON.stringify can go, exactly as JSON.stringify would', () => {
    const depth = 200_000;
    const inner = { s: 'é"\\', n: 1.5, b: true, z: null, arr: [1, undefined, 'x', [], {}] };
    let value: unknown = inner;
    for (let k = 1; k <= depth; k += 1) value = [value, { i: k, 'k"': [k] }];
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    const suffix = Array.from({ length: depth }, (_, k) => `,{"i":${k + 1},"k\\"":[${k + 1}]}]`).join('');
    expect(rawBodyText(value)).toBe(`${'['.repeat(depth)}${JSON.stringify(inner)}${suffix}`);
  });

  it('says which bytes are not UTF-8 in the reason', () => {
    expect(reasonsOf(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual([
      'body: the bytes are not valid UTF-8; send UTF-8 JSON',
    ]);
  });
});
