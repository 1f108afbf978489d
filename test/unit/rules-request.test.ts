import { loadConfig } from '../../lib/config';
import { ValidationError } from '../../lib/errors';
import { maxRulesBodyBytes, notifyPolicyOf, parseRulesPut, testRules } from '../../lib/rules/rules-request';
import type { StatusFilterRule } from '../../lib/rules/rule-types';

/** The reasons of the ValidationError `run` throws. */
const reasonsOf = (run: () => unknown): readonly string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).reasons;
  }
  throw new Error('no ValidationError');
};

const statusMessage = {
  time: '2026-11-25T14:37:00+01:00',
  severity: 'Error',
  messageId: 1102,
  component: 'SMS_DISTRIBUTION_MANAGER',
  site: 'P01',
  machine: 'WS-0042',
};

describe('the rules HTTP requests', () => {
  it('caps a rules body at 256 KiB', () => {
    expect(maxRulesBodyBytes).toBe(262_144);
  });

  it('takes the webhook policy from the server settings', () => {
    expect(
      notifyPolicyOf(
        loadConfig({
          STATMGR_NOTIFY_ALLOWED_HOSTS: 'hooks.example.com, *.contoso.com',
          STATMGR_NOTIFY_SECRET: 's',
        }),
      ),
    ).toEqual({ allowedHosts: ['hooks.example.com', '*.contoso.com'], secretConfigured: true });
    expect(notifyPolicyOf(loadConfig({}))).toEqual({ allowedHosts: [], secretConfigured: false });
  });

  it('PUT: returns the checked rules, and refuses a missing or bad body with its reasons', () => {
    const policy = { allowedHosts: [], secretConfigured: false };
    const rules = [{ name: 'quiet', match: { severity: 'info' }, actions: { store: false } }];
    expect(parseRulesPut({ rules }, policy)).toEqual(rules);
    expect(reasonsOf(() => parseRulesPut(undefined, policy))).toEqual([
      'body: is required: { "rules": [ ... ] }',
    ]);
    expect(
      reasonsOf(() => parseRulesPut({ rules: [{ ...rules[0], match: { sevrity: 'x' } }] }, policy)),
    ).toEqual(['rules[0] ("quiet").match.sevrity: is not a known field']);
    // the server's policy applies: no secret, no notify rules
    const notify = [{ name: 'page', match: {}, actions: { notify: { url: 'https://127.0.0.1/hook' } } }];
    expect(reasonsOf(() => parseRulesPut({ rules: notify }, policy))).toEqual([
      'rules[0] ("page").actions.notify: needs the setting STATMGR_NOTIFY_SECRET (the signing secret) on the server',
    ]);
  });

  it('test: evaluates the rules on the normalized message, and refuses a missing or bad one', () => {
    const rules: StatusFilterRule[] = [
      { name: 'keep errors longer', match: { severity: 'error' }, actions: { retentionDays: 90 } },
    ];
    const evaluation = testRules(rules, statusMessage); // `Error` is normalized to `error` first
    expect(evaluation.matched).toEqual([{ index: 0, name: 'keep errors longer' }]);
    expect(evaluation.actions.retentionDays).toBe(90);
    expect(reasonsOf(() => testRules(rules, undefined))).toEqual(['body: is required: a status message']);
    expect(reasonsOf(() => testRules(rules, { ...statusMessage, severity: 'fatal' }))).toEqual([
      expect.stringMatching(/^body\.severity: must be one of .*; got "fatal"$/),
    ]);
  });
});
