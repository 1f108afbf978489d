/**
 * A small message catalog, as the SMS Status Message Viewer kept one: (component, messageId) -> a text with
 * `%1`..`%n` standing for the message's insertion strings. `component: '*'` applies to every component that has
 * no entry of its own. The texts are modelled on the SMS 2.0 catalog, abridged; add entries here.
 */
export interface CatalogEntry {
  readonly component: string;
  readonly messageId: number;
  readonly template: string;
}

export const messageCatalog: readonly CatalogEntry[] = [
  { component: '*', messageId: 500, template: 'This component started.' },
  { component: '*', messageId: 501, template: 'This component is stopping.' },
  { component: '*', messageId: 502, template: 'This component stopped.' },
  {
    component: 'SMS_DISTRIBUTION_MANAGER',
    messageId: 2300,
    template: 'Distribution Manager is beginning to process package "%1" (package ID = %2).',
  },
  {
    component: 'SMS_DISTRIBUTION_MANAGER',
    messageId: 2301,
    template: 'Distribution Manager successfully processed package "%1" (package ID = %2).',
  },
  {
    component: 'SMS_DISTRIBUTION_MANAGER',
    messageId: 2302,
    template: 'Distribution Manager failed to process package "%1" (package ID = %2).',
  },
  {
    component: 'SMS_STATUS_MANAGER',
    messageId: 4609,
    template: 'Status Manager could not commit a batch of %1 status messages; they stay queued for retry.',
  },
  {
    component: '*',
    messageId: 10000,
    template: 'The program for package %1 was received (request %2).',
  },
  {
    component: '*',
    messageId: 10002,
    template: 'The program for package %1 has begun running (request %2).',
  },
  {
    component: '*',
    messageId: 10005,
    template: 'The program for package %1 completed successfully (request %2).',
  },
  {
    component: '*',
    messageId: 10006,
    template: 'The program for package %1 failed (request %2). A failure exit code was returned.',
  },
  {
    component: 'CCMEXEC',
    messageId: 10018,
    template: 'The program for package %1 failed: it ran longer than its maximum run time (request %2).',
  },
  {
    component: 'SMS_POLICY_PROVIDER',
    messageId: 10001,
    template: 'Policy Provider updated the policy for package %1 (request %2).',
  },
  {
    component: 'SMS_EXECUTIVE',
    messageId: 10003,
    template: 'SMS Executive started thread %2 for package %1.',
  },
  {
    component: 'SMS_STATUS_MANAGER',
    messageId: 10004,
    template: 'Status Manager stored status for package %1 (request %2).',
  },
];
