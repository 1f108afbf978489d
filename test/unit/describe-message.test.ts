import { describeMessage, describeMessageWith, renderTemplate } from '../../lib/query/describe-message';
import { messageCatalog } from '../../lib/query/message-catalog';

describe('describe-message', () => {
  it('fills %1..%n with the insertion strings, leaves a missing one visible and turns %% into %', () => {
    expect(renderTemplate('Package "%1" (%2) at %3, 100%%', ['Office', 'P0100001'])).toBe(
      'Package "Office" (P0100001) at %3, 100%',
    );
    expect(renderTemplate('%10 then %1', ['a', ...Array.from({ length: 8 }, () => '-'), 'j'])).toBe(
      'j then a',
    );
  });

  it('prefers the component entry over the * entry, and matches the component without regard to case', () => {
    const describe = describeMessageWith([
      { component: '*', messageId: 7, template: 'generic %1' },
      { component: 'SMS_X', messageId: 7, template: 'x says %1' },
    ]);
    expect(describe({ component: 'sms_x', messageId: 7, insertionStrings: ['hi'] })).toBe('x says hi');
    expect(describe({ component: 'OTHER', messageId: 7, insertionStrings: ['hi'] })).toBe('generic hi');
  });

  it('falls back to text, then the insertion strings, then a line naming component and id', () => {
    const base = { component: 'NOBODY', messageId: 65000 };
    expect(describeMessage({ ...base, text: 'own text', insertionStrings: ['a'] })).toBe('own text');
    expect(describeMessage({ ...base, text: '  ', insertionStrings: ['a', 'b'] })).toBe('a; b');
    expect(describeMessage(base)).toBe('Message 65000 from NOBODY.');
  });

  it('has a catalog without duplicate keys, each template using only %1..%10', () => {
    const keys = messageCatalog.map((e) => `${e.component.toUpperCase()}/${e.messageId}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const entry of messageCatalog) {
      for (const [, n] of entry.template.matchAll(/%(\d+)/g)) expect(Number(n)).toBeGreaterThanOrEqual(1);
      for (const [, n] of entry.template.matchAll(/%(\d+)/g)) expect(Number(n)).toBeLessThanOrEqual(10);
    }
  });
});
