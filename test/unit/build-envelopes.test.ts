import { buildEnvelopes } from '../../lib/agent/build-envelopes';
import { sampleMessages } from '../../lib/agent/sample-traffic';
import { ValidationError } from '../../lib/errors';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { aStatusMessage } from '../helpers/factories';

describe('buildEnvelopes', () => {
  it('packs messages per machine, at most 100 per envelope, and each envelope parses back whole', () => {
    const messages = sampleMessages(450, 2);
    const envelopes = buildEnvelopes(messages);
    expect(envelopes.map((e) => e.messages.length).sort((a, b) => b - a)).toEqual([
      100, 100, 100, 100, 25, 25,
    ]);
    expect(new Set(envelopes.map((e) => e.machine))).toEqual(new Set(['WS-0000', 'WS-0001']));
    for (const envelope of envelopes) {
      const parsed = parseQueueMessage(JSON.stringify(envelope));
      expect(parsed.items.every((item) => item.ok)).toBe(true);
    }
  });

  it('keeps each envelope under the byte limit', () => {
    const big = Array.from({ length: 50 }, () => aStatusMessage({ text: 'x'.repeat(3000) }));
    const envelopes = buildEnvelopes(big, { maxBytes: 20_000 });
    expect(envelopes.length).toBeGreaterThan(1);
    for (const envelope of envelopes)
      expect(Buffer.byteLength(JSON.stringify(envelope))).toBeLessThanOrEqual(20_000);
    expect(envelopes.reduce((n, e) => n + e.messages.length, 0)).toBe(50);
  });

  it('numbers envelopes from the sequence start, continuing across envelopes', () => {
    const envelopes = buildEnvelopes(sampleMessages(250, 1), { seqStart: () => 1000 });
    expect(envelopes.map((e) => e.seq)).toEqual([1000, 1100, 1200]);
  });

  it('refuses invalid messages, naming each', () => {
    expect(() => buildEnvelopes([aStatusMessage(), aStatusMessage({ severity: 'bad' })])).toThrow(
      ValidationError,
    );
    expect(() => buildEnvelopes([aStatusMessage({ severity: 'bad' })])).toThrow(/\[0\]\.severity/);
  });
});
