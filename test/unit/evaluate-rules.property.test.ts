import fc from 'fast-check';
import { compileRules, evaluateRules, type RuleSubject } from '../../lib/rules/evaluate-rules';
import type { RuleMatch, StatusFilterRule } from '../../lib/rules/rule-types';
import { messageTypes, severities } from '../../lib/message/types';

const sites = ['P01', 'P02', 'p01'];
const components = ['SMS_A', 'SMS_B'];

const subject: fc.Arbitrary<RuleSubject> = fc.record({
  site: fc.constantFrom(...sites),
  machine: fc.constantFrom('WS-1', 'WS-2'),
  component: fc.constantFrom(...components),
  severity: fc.constantFrom(...severities),
  messageId: fc.integer({ min: 0, max: 4 }),
  messageType: fc.constantFrom(...messageTypes),
  attributes: fc.option(fc.record({ '400': fc.constantFrom('X', 'Y') }), { nil: undefined }),
});

/** Small domains, and each criterion left out more often than given, so that rules often match. */
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arb, weight: 1 });

const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

const match: fc.Arbitrary<RuleMatch> = fc
  .record({
    site: sometimes(fc.constantFrom(...sites)),
    component: sometimes(fc.constantFrom(...components)),
    severity: sometimes(fc.constantFrom(...severities)),
    messageId: sometimes(
      fc.oneof(
        fc.integer({ min: 0, max: 4 }),
        fc
          .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }))
          .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]),
      ),
    ),
    messageType: sometimes(fc.constantFrom(...messageTypes)),
    attribute: sometimes(fc.record({ name: fc.constant('400'), value: fc.constantFrom('X', 'Y') })),
  })
  .map(withoutUndefined);

const rule = (index: number): fc.Arbitrary<StatusFilterRule> =>
  fc.record(
    {
      name: fc.constant(`rule ${index}`),
      enabled: fc.boolean(),
      match,
      actions: fc.record(
        {
          store: fc.boolean(),
          retentionDays: fc.integer({ min: 1, max: 3650 }),
          summarize: fc.boolean(),
          notify: fc.constant({ url: `https://hooks.example.com/${index}` }),
          stop: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['name', 'match', 'actions'] },
  );

const ruleList = fc
  .integer({ min: 0, max: 8 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => rule(i))));

/** A second, deliberately naive reading of the documented semantics (docs/rules.md), to compare against. */
const matchesNaively = (m: RuleMatch, s: RuleSubject): boolean =>
  (m.site === undefined || m.site.toLowerCase() === s.site.toLowerCase()) &&
  (m.component === undefined || m.component.toLowerCase() === s.component.toLowerCase()) &&
  (m.severity === undefined || m.severity === s.severity) &&
  (m.messageType === undefined || m.messageType === s.messageType) &&
  (m.messageId === undefined ||
    (typeof m.messageId === 'number'
      ? m.messageId === s.messageId
      : m.messageId[0] <= s.messageId && s.messageId <= m.messageId[1])) &&
  (m.attribute === undefined || s.attributes?.[m.attribute.name] === m.attribute.value);

describe('evaluateRules (property)', () => {
  it('agrees with a naive reading: the last matching rule before the first stop sets each field', () => {
    fc.assert(
      fc.property(ruleList, subject, (rules, s) => {
        const result = evaluateRules(compileRules(rules), s);
        const considered: StatusFilterRule[] = [];
        for (const r of rules) {
          if (r.enabled === false || !matchesNaively(r.match, s)) continue;
          considered.push(r);
          if (r.actions.stop) break;
        }
        expect(result.matched.map((m) => m.name)).toEqual(considered.map((r) => r.name));
        const last = <K extends 'store' | 'retentionDays' | 'summarize'>(key: K) =>
          considered
            .map((r) => r.actions[key])
            .filter((v) => v !== undefined)
            .pop();
        expect(result.actions.store).toBe(last('store') ?? true);
        expect(result.actions.summarize).toBe(last('summarize') ?? true);
        const days = last('retentionDays') ?? (s.messageType === 'audit' ? 180 : 30);
        expect(result.actions.retentionDays).toBe(days);
        expect(result.actions.ttl).toBe(days * 86400);
        expect(result.actions.notify.map((n) => n.rule)).toEqual(
          considered.filter((r) => r.actions.notify).map((r) => r.name),
        );
        expect(result.stoppedBy).toBe(considered.at(-1)?.actions.stop ? considered.at(-1)?.name : undefined);
      }),
      { numRuns: 500 },
    );
  });

  it('never lets a rule after a matching stop change anything', () => {
    fc.assert(
      fc.property(ruleList, rule(99), subject, (rules, extra, s) => {
        const stopAll: StatusFilterRule = { name: 'stop all', match: {}, actions: { stop: true } };
        const before = evaluateRules(compileRules([...rules, stopAll]), s);
        const after = evaluateRules(compileRules([...rules, stopAll, extra]), s);
        expect(after).toEqual(before);
      }),
    );
  });
});
