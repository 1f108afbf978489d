import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { backoffSeconds, delayedCopyOf, handBacksOf } from '../../lib/ingest/requeue-delayed';
import { statusMessageId } from '../../lib/message/ids';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { toDocument } from '../../lib/message/to-document';
import { aStatusMessage, anEnvelope } from '../helpers/factories';

const settings = { minDelaySeconds: 5, maxDelaySeconds: 300 };
const noJitter = (): number => 0.5;

/** The ids the ingest function gives the status messages of a payload delivered under queueMessageId. */
const idsOf = (payload: unknown, queueMessageId: string): string[] => {
  const parsed = parseQueueMessage(payload);
  const delivery = {
    batchId: parsed.batchId ?? queueMessageId,
    seq: parsed.seq,
    queueMessageId,
    enqueuedAt: '2026-11-25T00:00:00.000Z',
    storedAt: '2026-11-25T00:00:00.000Z',
  };
  return parsed.items.map((item) => {
    if (!item.ok) throw new Error(`item ${item.position} is invalid: ${item.reasons.join('; ')}`);
    return toDocument(item.message, item.position, delivery).id;
  });
};

describe('backoffSeconds', () => {
  it('doubles from the minimum delay per hand-back up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 40].map((attempt) =>
      backoffSeconds(attempt, settings, undefined, noJitter),
    );
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 300, 300, 300]);
  });

  it('spreads delays by at most 20% either way', () => {
    expect(backoffSeconds(3, settings, undefined, () => 0)).toBe(16);
    expect(backoffSeconds(3, settings, undefined, () => 0.999999)).toBe(24);
  });

  it('waits at least as long as the dependency asked (retry-after), but never beyond the 7-day queue limit', () => {
    expect(backoffSeconds(1, settings, 42_500, noJitter)).toBe(43);
    expect(backoffSeconds(1, settings, 30 * 24 * 3600 * 1000, noJitter)).toBe(7 * 24 * 3600);
  });
});

describe('delayedCopyOf', () => {
  it('keeps an envelope as it is, with its batchId and so its ids, and counts the hand-back', () => {
    const envelope = anEnvelope(3, { seq: 7 });
    const copy = delayedCopyOf(JSON.stringify(envelope), randomUUID(), 1);
    expect(copy).toEqual({ ...envelope, attempt: 1 });
    expect(idsOf(JSON.stringify(copy), randomUUID())).toEqual(idsOf(envelope, randomUUID()));
    expect(handBacksOf(JSON.stringify(copy))).toBe(1);
    expect(delayedCopyOf(copy, randomUUID(), 2)?.attempt).toBe(2);
  });

  it('wraps a bare message in an envelope whose batchId is its queue message id, so its id stays the same', () => {
    const queueMessageId = randomUUID();
    const bare = aStatusMessage();
    for (const payload of [bare, Buffer.from(JSON.stringify(bare)).toString('base64')]) {
      const copy = delayedCopyOf(payload, queueMessageId, 1);
      expect(copy).toMatchObject({
        schema: 'statmgr/v1',
        batchId: queueMessageId,
        attempt: 1,
        messages: [bare],
      });
      expect(idsOf(JSON.stringify(copy), randomUUID())).toEqual([
        statusMessageId(undefined, queueMessageId, 0),
      ]);
    }
  });

  it('gives a bare message its derived id explicitly when the queue message id is not a UUID', () => {
    const copy = delayedCopyOf(aStatusMessage(), 'message-17', 1);
    expect(idsOf(copy, randomUUID())).toEqual([statusMessageId(undefined, 'message-17', 0)]);
  });

  it("keeps a sender's own id", () => {
    const id = randomUUID();
    expect(idsOf(delayedCopyOf(aStatusMessage({ id }), 'message-17', 1), randomUUID())).toEqual([id]);
  });

  it('has no copy for a body that is not a statmgr message at all', () => {
    expect(delayedCopyOf('not json', randomUUID(), 1)).toBeUndefined();
    expect(delayedCopyOf({ schema: 'statmgr/v1', messages: [] }, randomUUID(), 1)).toBeUndefined();
    expect(handBacksOf('not json')).toBe(0);
  });

  it('is rejected by the schema when an agent sends a bad attempt count', () => {
    expect(() => parseQueueMessage({ ...anEnvelope(1), attempt: 0 })).toThrow(/attempt/);
  });
});

describe('loadConfig retry settings', () => {
  it('defaults to 5 s doubling up to 5 minutes and refuses a cap below the minimum', () => {
    expect(loadConfig({}).retry).toEqual({ minDelaySeconds: 5, maxDelaySeconds: 300 });
    expect(() => loadConfig({ STATMGR_RETRY_MIN_SECONDS: '60', STATMGR_RETRY_MAX_SECONDS: '10' })).toThrow(
      ConfigError,
    );
  });
});
