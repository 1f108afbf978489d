import type { StatusMessage } from '../message/types';

const components = [
  'SMS_DISTRIBUTION_MANAGER',
  'SMS_POLICY_PROVIDER',
  'SMS_EXECUTIVE',
  'CCMEXEC',
  'SMS_STATUS_MANAGER',
];
const severities = ['info', 'info', 'info', 'warning', 'error'] as const;

export const machineName = (index: number): string => `WS-${String(index).padStart(4, '0')}`;

/** The `i`th plausible status message of a simulation over `machines` machines of `site` (round-robin). */
export const sampleMessage = (
  i: number,
  machines: number,
  site = 'P01',
  start = new Date(),
): StatusMessage => ({
  time: new Date(start.getTime() + i).toISOString(),
  severity: severities[i % severities.length]!,
  messageId: 10000 + (i % 500),
  component: components[i % components.length]!,
  site,
  machine: machineName(i % machines),
  messageType: i % 10 === 0 ? 'milestone' : 'detail',
  module: 'SMS Client',
  processId: 4000 + (i % 7),
  threadId: 100 + (i % 13),
  insertionStrings: [`PKG${String(i % 100).padStart(5, '0')}`, String(i)],
  attributes: { '400': `P0100${String(i % 50).padStart(3, '0')}` },
});

/** `count` plausible status messages spread round-robin over `machines` machines of `site`. */
export const sampleMessages = (
  count: number,
  machines: number,
  site = 'P01',
  start = new Date(),
): StatusMessage[] => Array.from({ length: count }, (_, i) => sampleMessage(i, machines, site, start));
