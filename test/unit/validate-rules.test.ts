import {
  checkRuleFile,
  hostAllowed,
  notifyUrlProblem,
  type NotifyPolicy,
} from '../../lib/rules/validate-rules';
import exampleRules from '../../examples/status-filter-rules.json';

const policy: NotifyPolicy = { allowedHosts: ['hooks.example.com', '*.contoso.com'], secretConfigured: true };

const reasonsFor = (body: unknown, given: NotifyPolicy | undefined = policy): string[] => {
  const checked = checkRuleFile(body, given);
  return checked.ok ? [] : checked.reasons;
};

const rule = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'noisy info',
  match: { component: 'SMS_DISTRIBUTION_MANAGER', severity: 'info' },
  actions: { store: false },
  ...overrides,
});

describe('checkRuleFile', () => {
  it('accepts the example rule file and an empty list', () => {
    expect(reasonsFor(exampleRules)).toEqual([]);
    expect(reasonsFor({ rules: [] })).toEqual([]);
  });

  it('refuses unknown fields, naming the rule by index and name and the field', () => {
    expect(reasonsFor({ rules: [rule(), rule({ name: 'second', match: { sevrity: 'error' } })] })).toEqual([
      'rules[1] ("second").match.sevrity: is not a known field',
    ]);
    expect(reasonsFor({ rules: [rule({ actions: { store: false, keepDays: 3 } })] })).toEqual([
      'rules[0] ("noisy info").actions.keepDays: is not a known field',
    ]);
    expect(reasonsFor({ rules: [], extra: 1 })).toEqual(['extra: is not a known field']);
    expect(reasonsFor([rule()])).toEqual(['body: must be an object, got an array of 1']);
  });

  it('refuses a reversed range, a malformed message id and wrong types', () => {
    expect(reasonsFor({ rules: [rule({ match: { messageId: [20, 10] } })] })).toEqual([
      'rules[0] ("noisy info").match.messageId: range [20, 10] must have from <= to',
    ]);
    expect(reasonsFor({ rules: [rule({ match: { messageId: [1, 2, 3] } })] })).toEqual([
      'rules[0] ("noisy info").match.messageId: must be a message id (0 to 65535) or a range [from, to] of two, got an array of 3',
    ]);
    expect(reasonsFor({ rules: [rule({ match: { messageId: '5' } })] })[0]).toMatch(
      /messageId: must be a message id/,
    );
    expect(reasonsFor({ rules: [rule({ match: { messageId: 70000 } })] })[0]).toMatch(
      /messageId: must be a message id/,
    );
    expect(reasonsFor({ rules: [rule({ actions: { retentionDays: 0 } })] })).toEqual([
      'rules[0] ("noisy info").actions.retentionDays: must be at least 1, got 0',
    ]);
    expect(reasonsFor({ rules: [rule({ match: { severity: 'fatal' } })] })[0]).toMatch(
      /^rules\[0\] \("noisy info"\)\.match\.severity: must be one of info, warning, error; got "fatal"$/,
    );
    expect(reasonsFor({ rules: [{ match: {}, actions: {} }] })).toEqual(['rules[0].name: is required']);
  });

  it('refuses duplicate names (they key the notifications)', () => {
    expect(reasonsFor({ rules: [rule(), rule()] })).toEqual([
      'rules[1] ("noisy info").name: is already the name of rules[0]; names must be unique',
    ]);
  });

  it('allows https webhooks to allowed hosts and http only to loopback', () => {
    const notify = (url: string) => ({ rules: [rule({ actions: { notify: { url } } })] });
    expect(reasonsFor(notify('https://hooks.example.com/statmgr'))).toEqual([]);
    expect(reasonsFor(notify('https://alerts.contoso.com/x'))).toEqual([]);
    expect(reasonsFor(notify('http://127.0.0.1:8080/hook'))).toEqual([]);
    expect(reasonsFor(notify('https://localhost/hook'))).toEqual([]);
    expect(reasonsFor(notify('https://evil.example.net/x'))).toEqual([
      'rules[0] ("noisy info").actions.notify.url: host "evil.example.net" is not in STATMGR_NOTIFY_ALLOWED_HOSTS (hooks.example.com, *.contoso.com)',
    ]);
    expect(reasonsFor(notify('http://hooks.example.com/x'))[0]).toMatch(
      /must use https \(http only on loopback/,
    );
    expect(reasonsFor(notify('ftp://hooks.example.com/x'))[0]).toMatch(/must use https/);
    expect(reasonsFor(notify('hooks.example.com/x'))[0]).toMatch(/must be an absolute URL/);
    expect(reasonsFor(notify('https://contoso.com.evil.net/x'))[0]).toMatch(
      /is not in STATMGR_NOTIFY_ALLOWED_HOSTS/,
    );
    expect(reasonsFor(notify('https://user:pw@hooks.example.com/x'))[0]).toMatch(/user name or password/);
  });

  it('refuses notify rules when the server has no signing secret, and skips host checks without a policy', () => {
    const body = { rules: [rule({ actions: { notify: { url: 'https://elsewhere.example.org/' } } })] };
    expect(reasonsFor(body, { allowedHosts: ['elsewhere.example.org'], secretConfigured: false })).toEqual([
      'rules[0] ("noisy info").actions.notify: needs the setting STATMGR_NOTIFY_SECRET (the signing secret) on the server',
    ]);
    expect(checkRuleFile(body).ok).toBe(true);
  });
});

describe('checkRuleFile, at the edges', () => {
  const notify = (url: string) => ({ rules: [rule({ actions: { notify: { url } } })] });

  it('accepts a range of one id, and names no rule for an entry that is not an object', () => {
    expect(reasonsFor({ rules: [rule({ match: { messageId: [10, 10] } })] })).toEqual([]);
    expect(reasonsFor({ rules: [5] })).toEqual(['rules[0]: must be an object, got 5']);
    expect(reasonsFor({ rules: [{ name: 7, match: {}, actions: {} }] })).toEqual([
      'rules[0].name: must be a string, got 7',
    ]);
    expect(reasonsFor({})).toEqual(['rules: is required']);
    // a range of strings is refused once, as a malformed id, not also as a reversed range
    expect(reasonsFor({ rules: [rule({ match: { messageId: ['b', 'a'] } })] })).toEqual([
      'rules[0] ("noisy info").match.messageId: must be a message id (0 to 65535) or a range [from, to] of two, got an array of 2',
    ]);
  });

  it('lets *.domain allow its subdomains only, whatever the case', () => {
    expect(reasonsFor(notify('https://contoso.com/x'))[0]).toMatch(/is not in STATMGR_NOTIFY_ALLOWED_HOSTS/);
    expect(reasonsFor(notify('https://evilcontoso.com/x'))[0]).toMatch(
      /is not in STATMGR_NOTIFY_ALLOWED_HOSTS/,
    );
    expect(reasonsFor(notify('https://hooks.example.com.evil.net/x'))[0]).toMatch(/is not in/);
    expect(hostAllowed('Alerts.Contoso.COM', ['*.CONTOSO.com'])).toBe(true);
    expect(hostAllowed('HOOKS.example.com', ['hooks.EXAMPLE.com'])).toBe(true);
    expect(hostAllowed('hooks.example.com', [])).toBe(false);
  });

  it('says the allowed list is empty, and refuses a password alone', () => {
    expect(
      reasonsFor(notify('https://hooks.example.com/x'), { allowedHosts: [], secretConfigured: true }),
    ).toEqual([
      'rules[0] ("noisy info").actions.notify.url: host "hooks.example.com" is not in STATMGR_NOTIFY_ALLOWED_HOSTS (empty: loopback only)',
    ]);
    expect(reasonsFor(notify('https://:pw@hooks.example.com/x'))).toEqual([
      'rules[0] ("noisy info").actions.notify.url: must not carry a user name or password',
    ]);
    expect(notifyUrlProblem('ftp://hooks.example.com/x', ['hooks.example.com'])).toBe(
      'must use https, got "ftp://hooks.example.com/x"',
    );
    expect(notifyUrlProblem('http://[::1]:8080/hook', [])).toBeUndefined();
  });

  it('words every broken rule, naming each rule once', () => {
    expect(
      reasonsFor({
        rules: [
          rule({ name: 'a', match: { messageId: [9, 1] } }),
          rule({ name: 'a', match: { messageId: 'x' } }),
        ],
      }),
    ).toEqual([
      'rules[1] ("a").match.messageId: must be a message id (0 to 65535) or a range [from, to] of two, got "x"',
      'rules[0] ("a").match.messageId: range [9, 1] must have from <= to',
      'rules[1] ("a").name: is already the name of rules[0]; names must be unique',
    ]);
  });
});
