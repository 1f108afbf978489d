import { randomUUID } from 'node:crypto';
import { buildDeadLetter, type DeadLetter } from '../../lib/dead-letters/dead-letter';
import { buildListQuery, parseDeadLetterQuery } from '../../lib/dead-letters/list-dead-letters';
import { replayBody } from '../../lib/dead-letters/replay-body';
import { parseReplayRequest } from '../../lib/dead-letters/replay-request';
import { TooLargeError, ValidationError } from '../../lib/errors';
import { statusMessageId } from '../../lib/message/ids';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { toDocument } from '../../lib/message/to-document';
import { aStatusMessage } from '../helpers/factories';

const letter = (overrides: Partial<Parameters<typeof buildDeadLetter>[0]>): DeadLetter =>
  buildDeadLetter({
    source: 'ingest-validation',
    reasons: ['x'],
    raw: '{}',
    position: -1,
    batchId: undefined,
    queueMessageId: randomUUID(),
    dequeueCount: 1,
    enqueuedAt: '2026-11-25T13:00:00.000Z',
    now: '2026-11-25T13:00:01.000Z',
    ...overrides,
  });

/** The ids the replayed text would be stored under, as the ingest function derives them. */
const storedIds = (text: string, queueMessageId = randomUUID()): string[] => {
  const parsed = parseQueueMessage(text);
  return parsed.items.map((item) =>
    item.ok
      ? toDocument(item.message, item.position, {
          batchId: parsed.batchId ?? queueMessageId,
          seq: parsed.seq,
          queueMessageId,
          enqueuedAt: '',
          storedAt: '',
        }).id
      : 'invalid',
  );
};

const reasonsOf = (work: () => unknown): readonly string[] => {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return error.reasons;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('replayBody', () => {
  const { site: _s, machine: _m, ...item } = aStatusMessage();

  it('puts a corrected envelope item back at its position, with the envelope defaults, so it keeps its id', () => {
    const batchId = randomUUID();
    const bad = letter({
      raw: JSON.stringify({ ...item, severity: 'fatal' }),
      position: 7,
      batchId,
      envelope: { batchId, site: 'S01', machine: 'M7', seq: 100 },
    });
    const text = replayBody(bad, { ...item, severity: 'error' });
    expect(JSON.parse(text)).toMatchObject({ batchId, site: 'S01', machine: 'M7', seq: 100, offset: 7 });
    expect(storedIds(text)).toEqual([statusMessageId(undefined, batchId, 7)]);
    const parsed = parseQueueMessage(text);
    expect(parsed.items[0]).toMatchObject({ ok: true, position: 7 });
  });

  it('wraps a corrected bare message in an envelope named after its original queue message id', () => {
    const queueMessageId = randomUUID();
    const bad = letter({ raw: '{"time":"x"}', position: 0, batchId: queueMessageId, queueMessageId });
    const text = replayBody(bad, JSON.stringify(aStatusMessage()));
    expect(storedIds(text)).toEqual([statusMessageId(undefined, queueMessageId, 0)]);
  });

  it('accepts a correction as JSON text, base64 JSON or a value, and a whole envelope as it is', () => {
    const envelope = {
      schema: 'statmgr/v1',
      batchId: randomUUID(),
      site: 'S',
      machine: 'M',
      messages: [item],
    };
    const bad = letter({ raw: 'garbage' });
    for (const corrected of [
      envelope,
      JSON.stringify(envelope),
      Buffer.from(JSON.stringify(envelope)).toString('base64'),
    ]) {
      expect(JSON.parse(replayBody(bad, corrected))).toEqual(envelope);
    }
  });

  it('refuses a correction that would still be rejected, naming why, and one that does not fit a queue message', () => {
    const bad = letter({ raw: 'garbage' });
    expect(reasonsOf(() => replayBody(bad))).toEqual([expect.stringContaining('body: is neither JSON')]);
    expect(reasonsOf(() => replayBody(bad, aStatusMessage({ severity: 'fatal' })))).toEqual([
      expect.stringContaining('severity: must be one of'),
    ]);
    const huge = aStatusMessage({
      text: 'x'.repeat(32_768),
      insertionStrings: Array(10).fill('i'.repeat(4096)),
    });
    expect(() => replayBody(bad, huge)).toThrow(TooLargeError);
  });
});

describe('parseReplayRequest and parseDeadLetterQuery', () => {
  it('takes ids, or one id with a correction', () => {
    const id = randomUUID();
    expect(parseReplayRequest({ ids: [id] })).toEqual({ ids: [id] });
    expect(parseReplayRequest({ id, corrected: { a: 1 } })).toEqual({ ids: [id], corrected: { a: 1 } });
  });

  it('names what is wrong with a replay request', () => {
    expect(reasonsOf(() => parseReplayRequest(undefined))[0]).toContain('body: is required');
    expect(reasonsOf(() => parseReplayRequest({ ids: ['nope', 'nope'] }))).toEqual([
      expect.stringContaining('body.ids[0]: must be a UUID'),
      expect.stringContaining('body.ids[1]: must be a UUID'),
      expect.stringContaining('body.ids: must NOT have duplicate items'),
    ]);
    expect(reasonsOf(() => parseReplayRequest({}))[0]).toContain('either "ids"');
  });

  it('coerces and checks list filters, and keeps user text out of the query text', () => {
    const query = parseDeadLetterQuery({
      limit: '5',
      reason: "x' OR 1=1",
      since: '2026-11-25T14:00:00+01:00',
    });
    expect(query).toMatchObject({ limit: 5, since: '2026-11-25T13:00:00.000Z' });
    const built = buildListQuery(query);
    expect(built.query).not.toContain('1=1');
    expect(built.parameters).toContainEqual({ name: '@reason', value: "x' or 1=1" });
    expect(reasonsOf(() => parseDeadLetterQuery({ limit: '101', source: 'elsewhere' }))).toEqual([
      expect.stringContaining('query.source: must be one of ingest-validation'),
      'query.limit: must be at most 100, got 101',
    ]);
    expect(
      reasonsOf(() => parseDeadLetterQuery({ since: '2026-11-25T14:00:00Z', until: '2026-11-25T13:00:00Z' })),
    ).toEqual(['query.until: must be later than query.since']);
  });
});

describe('replayBody (raw bodies)', () => {
  it('replays an unchanged whole body byte for byte, not re-serialized', () => {
    const { site: _s, machine: _m, ...item } = aStatusMessage();
    const raw = `  {"machine":"WS-0042" ,"schema":"statmgr/v1","batchId":"${randomUUID()}","site":"P01","messages":[${JSON.stringify(item)}], "seq": 1.0 }`;
    expect(replayBody(letter({ source: 'poison-queue', raw }))).toBe(raw);
  });

  it('refuses to replay, as it is, a body whose bytes are not UTF-8 (its raw text holds U+FFFD instead)', () => {
    const bytes = Buffer.concat([
      Buffer.from(JSON.stringify(aStatusMessage()).slice(0, -1)),
      Buffer.from(',"text":"\xff"}', 'latin1'),
    ]);
    const kept = letter({ raw: bytes.toString('utf8'), rawBase64: bytes.toString('base64') });
    expect(() => replayBody(kept)).toThrow(ValidationError);
    expect(() => replayBody(kept)).toThrow(/not valid UTF-8/);
  });
});
