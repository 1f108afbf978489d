/**
 * statmgr's agent API: what a program that reports status messages imports.
 *
 * @example
 * import { StatusReporter, agentQueueClient, authForUrl } from './lib/agent';
 *
 * const reporter = await StatusReporter.open({
 *   outboxDir: '/var/lib/statmgr-agent',
 *   queue: agentQueueClient(authForUrl(process.argv[2]!)), // a SAS URL, or a plain URL for Entra ID
 * });
 * await reporter.report({ time: new Date().toISOString(), severity: 'info', messageId: 500,
 *   component: 'MY_SERVICE', site: 'P01', machine: 'WS-0042' });
 * await reporter.close(30_000); // flush for up to 30 s; anything left goes out on the next open
 *
 * See docs/agent.md for the outbox, sequence numbers and gaps.
 */
export {
  StatusReporter,
  whenFullPolicies,
  type ReportReceipt,
  type ReporterStats,
  type StatusReporterOptions,
  type WhenFullPolicy,
} from './status-reporter';
export { agentQueueClient, authForUrl, authFromSettings, type AgentStorageAuth } from './agent-queue';
export type { BackoffOptions } from '../util/backoff';
export type { FsyncPolicy } from './outbox';
export type { Envelope, StatusMessage } from '../message/types';
export {
  OutboxFullError,
  OutboxLockedError,
  PermanentError,
  StatmgrError,
  TransientError,
  ValidationError,
} from '../errors';
