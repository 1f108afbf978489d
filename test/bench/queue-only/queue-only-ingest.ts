import { app, type InvocationContext } from '@azure/functions';
import { queueDeliveryOf } from '../../../functions/shared/queue-delivery';
import { binaryQueueTrigger } from '../../../functions/shared/binary-queue-trigger';
import { failsWithError } from '../../../functions/shared/function-app';
import { names } from '../../../lib/names';

let invocations = 0;

/** How many queue messages the function has taken so far. */
export const invocationCount = (): number => invocations;

/**
 * The queue side alone: a function on the pipeline's queue, declared as `ingest-status` is, whose handler
 * does nothing but log the line the real one logs. What its host process spends per status message is what
 * the Functions host does in Azure (fetch, XML, delete, the invocation), not the ingest's work. Loaded only
 * by test/bench/queue-cpu-main.ts, never by the app.
 */
export const queueOnlyIngest = async (_payload: unknown, context: InvocationContext): Promise<void> => {
  const delivery = queueDeliveryOf(context);
  invocations += 1;
  context.log('ingested', JSON.stringify({ invocationId: context.invocationId, ...delivery }));
};

app.generic('bench-queue-only', {
  trigger: binaryQueueTrigger(names.queue),
  handler: failsWithError(queueOnlyIngest),
});
