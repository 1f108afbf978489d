import { app, type InvocationContext } from '@azure/functions';
import { queueDeliveryOf } from '../../../functions/shared/queue-delivery';
import { failsWithError } from '../../../functions/shared/function-app';
import { isConflict } from '../../../lib/cosmos/cosmos-errors';
import { ValidationError } from '../../../lib/errors';
import { toDocument } from '../../../lib/message/to-document';
import { checkStatusMessage } from '../../../lib/message/validate';
import { names } from '../../../lib/names';
import { getRuntime } from '../../../lib/runtime';
import { benchNames } from '../bench-names';

/**
 * The naive baseline, the pattern most Functions samples show: one status message per queue message and one
 * `create` per document, on a host with default settings. It does the same per-message work as the pipeline
 * (schema check, deterministic id, same document, 409 counts as stored), so only the batching differs.
 * Loaded only by the bench's naive host (test/bench/naive-host-main.ts), never by the app.
 */
export const naiveIngest = async (payload: unknown, context: InvocationContext): Promise<void> => {
  const delivery = queueDeliveryOf(context);
  const checked = checkStatusMessage(payload);
  if (!checked.ok) throw new ValidationError(checked.reasons);
  const document = toDocument(checked.value, 0, {
    batchId: delivery.queueMessageId,
    seq: undefined,
    queueMessageId: delivery.queueMessageId,
    enqueuedAt: delivery.insertionTime,
    storedAt: new Date().toISOString(),
  });
  try {
    await getRuntime().containers.messages.items.create(document);
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  context.log('stored', document.id);
};

app.storageQueue('bench-naive-ingest', {
  queueName: benchNames.naiveQueue,
  connection: names.storageConnection,
  handler: failsWithError(naiveIngest),
});
