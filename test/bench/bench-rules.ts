import type { StatusFilterRule } from '../../lib/rules/rule-types';

/**
 * `count` status filter rules for the cost measurement: all but the last match none of the sample traffic
 * (other components, sites, machines, message ids, attributes), so every message is checked against every
 * criterion kind; the last keeps milestones (1 message in 10) for 90 days.
 */
export const benchRules = (count: number): StatusFilterRule[] =>
  Array.from({ length: count }, (_, i): StatusFilterRule => {
    if (i === count - 1)
      return { name: `rule ${i}`, match: { messageType: 'milestone' }, actions: { retentionDays: 90 } };
    const kinds: StatusFilterRule[] = [
      {
        name: `rule ${i}`,
        match: { component: `SMS_BENCH_${i}`, severity: 'error' },
        actions: { notify: { url: 'http://127.0.0.1:9/x' } },
      },
      { name: `rule ${i}`, match: { site: `B${i}` }, actions: { store: false } },
      {
        name: `rule ${i}`,
        match: { messageId: [20000 + i * 10, 20005 + i * 10] },
        actions: { retentionDays: 365 },
      },
      {
        name: `rule ${i}`,
        match: { attribute: { name: '401', value: `X${i}` } },
        actions: { summarize: false },
      },
      { name: `rule ${i}`, match: { machine: `NOPE-${i}`, messageType: 'audit' }, actions: { stop: true } },
    ];
    return kinds[i % kinds.length]!;
  });
