import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getRuntime } from '../lib/runtime';
import { sampleStatusQueues } from '../lib/telemetry/sample-queues';
import { failsWithError } from './shared/function-app';

/**
 * Every minute: samples `status-messages` and `status-messages-poison` (depth, age of the oldest waiting
 * message) into the `statmgr.queue.*` gauges that the poison-queue and oldest-message alerts read. Storage's
 * platform metrics cannot serve: they count messages per account, hourly, without a queue dimension or age.
 * A failed sample throws, so the invocation counts as a failure and the gauges go missing (which the
 * oldest-message alert treats as too old).
 */
export const queueMonitorFunction = async (_timer: Timer, _context: InvocationContext): Promise<void> => {
  const runtime = getRuntime();
  await sampleStatusQueues(runtime.queues, runtime.now());
};

app.timer('queue-monitor', { schedule: '0 */1 * * * *', handler: failsWithError(queueMonitorFunction) });
