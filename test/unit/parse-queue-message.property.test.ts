import fc from 'fast-check';
import { ValidationError } from '../../lib/errors';
import { triggerPayload } from '../../lib/local/queue-listener';
import { rawBodyText } from '../../lib/message/decode-body';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { aStatusMessage, anEnvelope } from '../helpers/factories';

/** The parser's contract: a result, or a ValidationError with at least one reason. Nothing else. */
const parsesOrRejects = (payload: unknown): void => {
  try {
    const parsed = parseQueueMessage(payload);
    expect(parsed.items.length).toBeGreaterThan(0);
    for (const item of parsed.items) if (!item.ok) expect(item.reasons.length).toBeGreaterThan(0);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    expect(error.reasons.length).toBeGreaterThan(0);
  }
  // Dead letters keep the raw body: turning any payload into text must not throw either.
  expect(typeof rawBodyText(payload)).toBe('string');
};

/** Any JSON value, including the awkward keys a parser may trip on. */
const awkwardKeys = fc.constantFrom('__proto__', 'constructor', 'toString', 'messages', 'schema', 'site', '');
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue(),
    fc.dictionary(fc.oneof(fc.string(), awkwardKeys), tie('value'), { maxKeys: 6 }),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value;

/** A valid message or envelope with one field replaced by an arbitrary value (or removed). */
const fields = [
  'time',
  'severity',
  'messageId',
  'component',
  'site',
  'machine',
  'id',
  'insertionStrings',
  'attributes',
  'text',
];
const mutatedMessage = fc
  .record({ field: fc.constantFrom(...fields), value: fc.option(jsonish) })
  .map(({ field, value }) => {
    const message = aStatusMessage();
    if (value === null) delete message[field];
    else message[field] = value;
    return message;
  });
const envelopeFields = ['schema', 'batchId', 'site', 'machine', 'seq', 'offset', 'traceparent', 'messages'];
const mutatedEnvelope = fc
  .record({
    field: fc.constantFrom(...envelopeFields),
    value: fc.option(jsonish),
    items: fc.array(fc.oneof(mutatedMessage, jsonish), { maxLength: 5 }),
  })
  .map(({ field, value, items }) => {
    const envelope: Record<string, unknown> = { ...anEnvelope(1), messages: items };
    if (value === null) delete envelope[field];
    else envelope[field] = value;
    return envelope;
  });

const asText = (value: unknown): string => JSON.stringify(value) ?? 'null';

describe('parseQueueMessage (property-based)', () => {
  it('never throws anything but a ValidationError, for any JSON value as the trigger hands it over', () => {
    fc.assert(
      fc.property(fc.oneof(jsonish, mutatedMessage, mutatedEnvelope), (value) => {
        parsesOrRejects(value);
        parsesOrRejects(triggerPayload(asText(value), 'none'));
        parsesOrRejects(triggerPayload(asText(value), 'none', 'binary'));
      }),
      { numRuns: 600 },
    );
  });

  it('never throws anything but a ValidationError, for any text, base64 text or bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('base64')),
          fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
          mutatedEnvelope.map((value) => Buffer.from(asText(value)).toString('base64')),
          mutatedEnvelope.map((value) => asText(value).slice(0, Math.floor(asText(value).length / 2))),
        ),
        (payload) => parsesOrRejects(payload),
      ),
      { numRuns: 600 },
    );
  });

  it('rejects 60 KB values in every field without backtracking for long', () => {
    const long = '9'.repeat(20_000) + '-'.repeat(20_000) + 'T:'.repeat(10_000);
    for (const field of fields) parsesOrRejects(aStatusMessage({ [field]: long }));
    for (const field of envelopeFields) parsesOrRejects({ ...anEnvelope(1), [field]: long });
  });

  it('rejects deeply nested bodies without running out of stack', () => {
    for (const depth of [1_000, 10_000, 30_000]) {
      parsesOrRejects(triggerPayload('['.repeat(depth) + ']'.repeat(depth), 'none'));
      parsesOrRejects(triggerPayload(`{"x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`, 'none'));
    }
  });
});
