import { randomUUID } from 'node:crypto';
import { buildEnvelopes } from '../../lib/agent/build-envelopes';
import { sampleMessages } from '../../lib/agent/sample-traffic';
import { storeDocuments } from '../../lib/cosmos/store-documents';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';
import { toDocument } from '../../lib/message/to-document';
import type { StoredStatusMessage } from '../../lib/message/types';
import { getRuntime } from '../../lib/runtime';

/** CPU time (user + system) of this process while `work` runs, in microseconds. */
const cpuOf = async (work: () => Promise<void>): Promise<number> => {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return used.user + used.system;
};

/** Runs `count` calls of `call`, `inFlight` at a time. */
const inParallel = async (count: number, inFlight: number, call: (i: number) => Promise<void>) => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await call(next++);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
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
    inParallel(batches.length, inFlight, async (i) => {
      const result = await storeDocuments(containers.messages, batches[i]!, keyOf);
      if (result.created !== batches[i]!.length)
        throw new Error('the request bench stored too few documents');
    }),
  );
  const createCpu = await cpuOf(() =>
    inParallel(calls, inFlight, async (i) => {
      await containers.summaries.items.create({
        id: randomUUID(),
        site: 'BENCH',
        kind: 'bench',
        n: i,
        at: now,
      });
    }),
  );
  return {
    batchRequestCpuUs: Math.round(batchCpu / batches.length),
    createRequestCpuUs: Math.round(createCpu / calls),
  };
};
