import { ValidationError } from '../../lib/errors';
import { triggerPayload } from '../../lib/local/queue-listener';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { limits } from '../../lib/names';
import { buildCorpus, corpusCategories, type CorpusCase } from '../fixtures/bad-messages';

/**
 * What the parser makes of a corpus body, handed over the way the queue trigger hands it over: as bytes
 * (`ingest-status` declares `dataType: 'binary'`), or, for the comparison, as the library's parse of the text.
 */
const outcomeOf = (
  body: string,
  dataType: 'binary' | 'string' = 'binary',
): { whole: readonly string[] } | { items: Map<number, readonly string[]>; ok: number } => {
  try {
    const parsed = parseQueueMessage(triggerPayload(body, 'none', dataType));
    const items = new Map(parsed.items.flatMap((item) => (item.ok ? [] : [[item.position, item.reasons]])));
    return { items, ok: parsed.items.filter((item) => item.ok).length };
  } catch (error) {
    if (error instanceof ValidationError) return { whole: error.reasons };
    throw error;
  }
};

const expectReasons = (reasons: readonly string[], texts: readonly string[]): void => {
  for (const text of texts) expect(reasons.join('\n')).toContain(text);
};

describe('the bad message corpus (test/fixtures/bad-messages.ts)', () => {
  const corpus = buildCorpus();
  const bad = corpus.filter((c) => c.category !== 'valid-edge');

  it('holds all its bad messages, covers every category and fits in a queue message', () => {
    // The exact count: a case dropped by mistake (or added without thought) shows up here.
    expect(bad.length).toBe(67);
    expect(corpus.length).toBe(71);
    expect(new Set(corpus.map((c) => c.category))).toEqual(new Set(Object.keys(corpusCategories)));
    for (const c of corpus)
      expect(Buffer.byteLength(c.body, 'utf8')).toBeLessThanOrEqual(limits.queueMessageBytes);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it.each(corpus.map((c): [string, CorpusCase] => [`${c.category}: ${c.name}`, c]))(
    'parses %s to its expected outcome',
    (_, c) => {
      const outcome = outcomeOf(c.body);
      // Receiving bytes instead of the library's parse changes no outcome (only the dead letters' raw).
      expect(outcome).toEqual(outcomeOf(c.body, 'string'));
      if (c.expect.whole) {
        expect('whole' in outcome).toBe(true);
        if ('whole' in outcome) expectReasons(outcome.whole, c.expect.whole);
        return;
      }
      expect('items' in outcome).toBe(true);
      if (!('items' in outcome)) return;
      expect(outcome.ok).toBe(c.expect.stored);
      const expected = c.expect.items ?? {};
      expect([...outcome.items.keys()].sort((a, b) => a - b)).toEqual(Object.keys(expected).map(Number));
      for (const [position, texts] of Object.entries(expected)) {
        expectReasons(outcome.items.get(Number(position)) ?? [], texts);
      }
    },
  );
});
