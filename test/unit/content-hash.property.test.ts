import fc from 'fast-check';
import { canonicalMessageJson, canonicalMessageJsonReference } from '../../lib/message/content-hash';
import { statusMessageFields } from '../../lib/message/types';

/** Status-message-like objects: the sender's fields in any order, other fields, nested values. */
const messageLike = fc.dictionary(
  fc.constantFrom(...statusMessageFields, 'id', 'batchId', 'ttl'),
  fc.oneof(
    fc.string(),
    fc.integer(),
    fc.constant(null),
    fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null))),
    fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
    fc.array(fc.dictionary(fc.string(), fc.string())),
  ),
);

describe('canonicalMessageJson', () => {
  it('writes exactly the canonical JSON of the reference form, for any message-like object', () => {
    fc.assert(
      fc.property(messageLike, (message) => {
        expect(canonicalMessageJson(message)).toBe(canonicalMessageJsonReference(message));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts keys at every level and leaves out non-message fields', () => {
    expect(
      canonicalMessageJson({ text: 'x', attributes: { '401': 'b', '400': 'a' }, id: 'i', batchId: 'b' }),
    ).toBe('{"attributes":{"400":"a","401":"b"},"text":"x"}');
  });
});
