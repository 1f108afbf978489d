import { compileRules, evaluateRules, type RuleSubject } from '../../lib/rules/evaluate-rules';
import type { StatusFilterRule } from '../../lib/rules/rule-types';

const message = (overrides: Partial<RuleSubject> = {}): RuleSubject => ({
  site: 'P01',
  machine: 'WS-0042',
  component: 'SMS_DISTRIBUTION_MANAGER',
  severity: 'info',
  messageId: 2300,
  messageType: 'detail',
  ...overrides,
});

const evaluate = (rules: StatusFilterRule[], overrides: Partial<RuleSubject> = {}) =>
  evaluateRules(compileRules(rules), message(overrides));

describe('evaluateRules', () => {
  it('stores, summarizes and keeps 30 days (180 for audit messages) when no rule matches', () => {
    expect(evaluate([])).toEqual({
      matched: [],
      stoppedBy: undefined,
      actions: { store: true, retentionDays: 30, ttl: 30 * 86400, summarize: true, notify: [] },
    });
    expect(evaluate([], { messageType: 'audit' }).actions).toMatchObject({
      retentionDays: 180,
      ttl: 180 * 86400,
    });
    const other = { name: 'other site', match: { site: 'P02' }, actions: { store: false } };
    expect(evaluate([other]).actions.store).toBe(true);
  });

  it('applies every matching rule in order, a later one overriding an earlier one field by field', () => {
    const rules: StatusFilterRule[] = [
      { name: 'all', match: {}, actions: { retentionDays: 10, summarize: false } },
      { name: 'dist', match: { component: 'sms_distribution_manager' }, actions: { retentionDays: 90 } },
      { name: 'errors', match: { severity: 'error' }, actions: { store: false } },
    ];
    const result = evaluate(rules);
    expect(result.matched).toEqual([
      { index: 0, name: 'all' },
      { index: 1, name: 'dist' },
    ]);
    expect(result.actions).toMatchObject({
      store: true,
      retentionDays: 90,
      ttl: 90 * 86400,
      summarize: false,
    });
    const discardThenKeep: StatusFilterRule[] = [
      { name: 'drop info', match: { severity: 'info' }, actions: { store: false, summarize: false } },
      { name: 'but keep P01', match: { site: 'P01' }, actions: { store: true } },
    ];
    expect(evaluate(discardThenKeep).actions).toMatchObject({ store: true, summarize: false });
    expect(evaluate(discardThenKeep, { site: 'P02' }).actions.store).toBe(false);
  });

  it('stops after the first matching rule with stop, and skips disabled rules', () => {
    const rules: StatusFilterRule[] = [
      { name: 'off', enabled: false, match: {}, actions: { store: false, stop: true } },
      { name: 'keep', match: { site: 'p01' }, actions: { retentionDays: 365, stop: true } },
      { name: 'never reached', match: {}, actions: { store: false } },
    ];
    const result = evaluate(rules);
    expect(result.matched).toEqual([{ index: 1, name: 'keep' }]);
    expect(result.stoppedBy).toBe('keep');
    expect(result.actions).toMatchObject({ store: true, retentionDays: 365 });
  });

  it('matches a message id or an inclusive range', () => {
    const rules = (messageId: number | [number, number]): StatusFilterRule[] => [
      { name: 'r', match: { messageId }, actions: { store: false } },
    ];
    expect(evaluate(rules(2300)).actions.store).toBe(false);
    expect(evaluate(rules(2301)).actions.store).toBe(true);
    expect(evaluate(rules([2300, 2310])).actions.store).toBe(false);
    expect(evaluate(rules([2290, 2300])).actions.store).toBe(false);
    expect(evaluate(rules([2301, 2310])).actions.store).toBe(true);
    expect(evaluate(rules([2200, 2299])).actions.store).toBe(true);
  });

  it('matches every criterion at once: site, machine, component case-insensitively, the rest exactly', () => {
    const rule: StatusFilterRule = {
      name: 'all criteria',
      match: {
        site: 'p01',
        machine: 'ws-0042',
        component: 'SMS_Distribution_Manager',
        severity: 'warning',
        messageType: 'milestone',
        attribute: { name: '400', value: 'P0100001' },
      },
      actions: { summarize: false },
    };
    const hit = {
      severity: 'warning',
      messageType: 'milestone',
      attributes: { '400': 'P0100001' },
    } as const;
    expect(evaluate([rule], hit).actions.summarize).toBe(false);
    const misses: Partial<RuleSubject>[] = [
      { site: 'P02' },
      { machine: 'WS-0043' },
      { component: 'SMS_HIERARCHY_MANAGER' },
      { severity: 'error' as const },
      { messageType: 'detail' as const },
      { attributes: { '400': 'P0100002' } },
      { attributes: { '401': 'P0100001' } },
    ];
    for (const miss of misses) {
      expect(evaluate([rule], { ...hit, ...miss }).actions.summarize).toBe(true);
    }
    const numeric: StatusFilterRule = {
      name: 'n',
      match: { attribute: { name: '401', value: '7' } },
      actions: { store: false },
    };
    expect(evaluate([numeric], { attributes: { '401': 7 } }).actions.store).toBe(false);
  });

  it('adds one notification per matching rule with notify, in order, up to the rule with stop', () => {
    const rules: StatusFilterRule[] = [
      { name: 'a', match: {}, actions: { notify: { url: 'https://hooks.example.com/a' } } },
      {
        name: 'b',
        match: { severity: 'error' },
        actions: { notify: { url: 'https://hooks.example.com/b' } },
      },
      { name: 'c', match: {}, actions: { notify: { url: 'http://127.0.0.1:9/c' }, stop: true } },
      { name: 'd', match: {}, actions: { notify: { url: 'https://hooks.example.com/d' } } },
    ];
    expect(evaluate(rules).actions.notify).toEqual([
      { rule: 'a', url: 'https://hooks.example.com/a' },
      { rule: 'c', url: 'http://127.0.0.1:9/c' },
    ]);
  });
});
