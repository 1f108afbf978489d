import { randomUUID } from 'node:crypto';
import { buildEnvelopes } from '../../lib/agent/build-envelopes';
import { sampleMessages } from '../../lib/agent/sample-traffic';
import { storeDocuments } from '../../lib/cosmos/store-documents';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { toDocument } from '../../lib/message/to-document';
import type { StoredStatusMessage } from '../../lib/message/types';
import { getRuntime } from '../../lib/runtime';
import { forEachConcurrently } from './run-load';

/** CPU time (user + system) of this process while `work` runs, in microseconds. */
const cpuOf = async (work: () => Promise<void>): Promise<number> => {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return used.user + used.system;
};

/**
 * What one Cosmos request costs this process in CPU, through the same client and code as the ingest: the
 * transactional batch of an envelope's 100 documents (`storeDocuments`, documents built beforehand), and one
 * small create (a summary delta's size). The ingest makes one of each per envelope, plus presence upserts.
 */
export const measureRequestCpu = async (
  calls: number,
  inFlight: number,
): Promise<{ batchRequestCpuUs: number; createRequestCpuUs: number }> => {
  const { containers } = getRuntime();
  const now = new Date().toISOString();
  const envelopes = buildEnvelopes(sampleMessages(calls * 100, Math.max(1, calls)));
  const batches = envelopes.map((envelope) => {
    const parsed = parseQueueMessage(envelope);
    const delivery = {
      batchId: envelope.batchId,
      seq: undefined,
      queueMessageId: randomUUID(),
      enqueuedAt: now,
      storedAt: now,
    };
    return parsed.items.flatMap((item) =>
      item.ok ? [toDocument(item.message, item.position, delivery)] : [],
    );
  });
  const keyOf = (document: StoredStatusMessage): [string, string] => [document.site, document.machine];
  const batchCpu = await cpuOf(() =>
    forEachConcurrently(batches, inFlight, async (batch) => {
      const result = await storeDocuments(containers.messages, batch, keyOf);
      if (result.created !== batch.length) throw new Error('the request bench stored too few documents');
    }),
  );
  const numbers = Array.from({ length: calls }, (_, n) => n);
  const createCpu = await cpuOf(() =>
    forEachConcurrently(numbers, inFlight, async (n) => {
      await containers.summaries.items.create({ id: randomUUID(), site: 'BENCH', kind: 'bench', n, at: now });
    }),
  );
  return {
    batchRequestCpuUs: Math.round(batchCpu / batches.length),
    createRequestCpuUs: Math.round(createCpu / calls),
  };
};
