import { randomUUID } from 'node:crypto';
import { answer } from '../../functions/shared/http-io';
import { buildDeadLetter } from '../../lib/dead-letters/dead-letter';
import { boundReasons, maxReasons, ValidationError } from '../../lib/errors';
import { rawBodyText } from '../../lib/message/decode-body';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { compileRequestCheck } from '../../lib/message/validate';

/** Cosmos DB refuses an item over 2 MB. */
const cosmosItemLimit = 2 * 1024 * 1024;

/** A 60 KiB queue message whose one item breaks one rule per array element (30 100 of them). */
const sixtyKiBBody = (): string => {
  const zeros = Array<number>(30_100).fill(0);
  const body = JSON.stringify({
    schema: 'statmgr/v1',
    batchId: randomUUID(),
    site: 'P01',
    machine: 'WS-0042',
    messages: [
      {
        time: '2026-11-25T13:37:00Z',
        severity: 'info',
        messageId: 1,
        component: 'C',
        insertionStrings: zeros,
      },
    ],
  });
  expect(body.length).toBeGreaterThan(59 * 1024);
  expect(body.length).toBeLessThanOrEqual(64 * 1024);
  return body;
};

const letterBase = {
  queueMessageId: randomUUID(),
  dequeueCount: 1,
  enqueuedAt: '2026-11-25T13:37:00Z',
  now: '2026-11-25T13:37:01Z',
  batchId: undefined,
} as const;

describe('bounded reasons and dead letters', () => {
  it('keeps at most 20 reasons per item, then "and N more reasons"', () => {
    const body = sixtyKiBBody();
    const [item] = parseQueueMessage(body).items;
    expect(item?.ok).toBe(false);
    const reasons = item && !item.ok ? item.reasons : [];
    expect(reasons).toHaveLength(maxReasons + 1);
    expect(reasons[0]).toBe('messages[0].insertionStrings: must have at most 10 items, got 30100');
    expect(reasons[maxReasons]).toMatch(/^and 30081 more reasons$/);
  });

  it('keeps a dead letter of that body under the 2 MB Cosmos item limit', () => {
    const body = sixtyKiBBody();
    const [item] = parseQueueMessage(body).items;
    const letter = buildDeadLetter({
      ...letterBase,
      source: 'ingest-validation',
      reasons: item && !item.ok ? item.reasons : [],
      raw: rawBodyText(item && !item.ok ? item.raw : undefined),
      position: 0,
    });
    expect(Buffer.byteLength(JSON.stringify(letter))).toBeLessThan(100 * 1024);
  });

  it('cuts a raw body whose JSON form would not fit, and says so', () => {
    const raw = '\u0001'.repeat(3 * 1024 * 1024); // 6 bytes each once escaped: 18 MB as JSON
    const letter = buildDeadLetter({
      ...letterBase,
      source: 'store-rejected',
      reasons: Array.from({ length: 50 }, (_, i) => `reason ${i} ${'x'.repeat(5000)}`),
      raw,
      position: 0,
      lastError: 'e'.repeat(1_000_000),
    });
    const bytes = Buffer.byteLength(JSON.stringify(letter));
    expect(bytes).toBeLessThan(cosmosItemLimit - 64 * 1024);
    expect(letter.rawTruncated).toEqual({ length: raw.length });
    expect(letter.reasons).toHaveLength(maxReasons + 1);
    expect(letter.reasons[0]!.length).toBeLessThan(1100);
  });

  it('bounds HTTP 400 bodies the same way', async () => {
    const check = compileRequestCheck<unknown>(
      { type: 'object', properties: { ids: { type: 'array', items: { type: 'string', pattern: '^a$' } } } },
      'body',
    );
    const checked = check({ ids: Array<string>(5000).fill('b') });
    expect(checked.ok).toBe(false);
    const reasons = checked.ok ? [] : checked.reasons;
    const response = await answer(() => Promise.reject(new ValidationError(reasons)));
    expect(response.status).toBe(400);
    const sent = (response.jsonBody as { reasons: string[] }).reasons;
    expect(sent).toHaveLength(maxReasons + 1);
    expect(sent.at(-1)).toBe('and 4980 more reasons');
    const direct = new ValidationError(Array.from({ length: 100 }, (_, i) => `r${i}`));
    expect(direct.reasons).toHaveLength(maxReasons + 1);
  });

  it('is idempotent: bounding twice changes nothing', () => {
    const once = boundReasons(Array.from({ length: 45 }, (_, i) => `r${i}`));
    expect(boundReasons(once)).toEqual(once);
    expect(boundReasons(['a', 'b'])).toEqual(['a', 'b']);
  });
});
