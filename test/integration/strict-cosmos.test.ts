import { randomUUID } from 'node:crypto';
import { BulkOperationType, type OperationInput } from '@azure/cosmos';
import { storeDocuments } from '../../lib/cosmos/store-documents';
import type { DeadLetter } from '../../lib/dead-letters/dead-letter';
import { statusMessageId } from '../../lib/message/ids';
import type { StoredStatusMessage } from '../../lib/message/types';
import { waitUntil } from '../../lib/util/wait-until';
import { readAll } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';
import { anEnvelope } from '../helpers/factories';
import { startHostProcess, type HostProcess } from '../helpers/host-process';

interface Doc {
  id: string;
  site: string;
  machine: string;
}

const docsOf = (count: number, machine: string): Doc[] =>
  Array.from({ length: count }, () => ({ id: randomUUID(), site: 'P01', machine }));

const statusOf = (error: unknown): unknown => (error as { code?: unknown }).code;

describe('the strict Cosmos stand-in (partition keys checked as Cosmos checks them)', () => {
  const stack = useEmulators();
  afterEach(() => stack().strict.rejectDocuments(undefined));

  it('refuses a write whose partition key is not the document [site, machine], and takes the right one', async () => {
    const { messages } = stack().containers;
    const doc = docsOf(1, `WS-${randomUUID().slice(0, 6)}`)[0]!;
    await expect(messages.items.create(doc)).resolves.toMatchObject({ statusCode: 201 });
    // The SDK takes a create's key from the document; a replace sends the key of the item reference.
    const swapped = { ...doc, n: 1 };
    const wrong = await messages.item(doc.id, [doc.machine, doc.site]).replace(swapped).catch(statusOf);
    expect(wrong).toBe(400);
    expect(stack().cosmosFront.refusals.at(-1)?.message).toMatch(/PartitionKey extracted from document/);
    await expect(messages.item(doc.id, [doc.site, doc.machine]).replace(swapped)).resolves.toMatchObject({
      statusCode: 200,
    });
  });

  it('refuses a transactional batch that spans two logical partitions', async () => {
    const { messages } = stack().containers;
    const docs = [...docsOf(2, 'WS-A'), ...docsOf(1, 'WS-B')];
    const operations: OperationInput[] = docs.map((doc) => ({
      operationType: BulkOperationType.Create,
      resourceBody: { ...doc },
    }));
    await expect(messages.items.batch(operations, ['P01', 'WS-A'])).rejects.toThrow();
    expect(stack().cosmosFront.refusals.at(-1)?.message).toMatch(/operation 2/);
    const stored = (await readAll<Doc>(messages)).filter((doc) => docs.some((d) => d.id === doc.id));
    expect(stored).toEqual([]);
  });

  it('makes a transactional batch atomic: one failed operation and nothing of the batch is stored', async () => {
    const { messages } = stack().containers;
    const docs = docsOf(4, `WS-${randomUUID().slice(0, 6)}`);
    await messages.items.create(docs[2]!);
    const operations: OperationInput[] = docs.map((doc) => ({
      operationType: BulkOperationType.Create,
      resourceBody: { ...doc },
    }));
    await expect(messages.items.batch(operations, ['P01', docs[0]!.machine])).rejects.toThrow();
    const stored = (await readAll<Doc>(messages)).filter((doc) => docs.some((d) => d.id === doc.id));
    expect(stored.map((doc) => doc.id)).toEqual([docs[2]!.id]);
  });

  it('finds nothing on a point read with the wrong partition key (the emulator would match the id alone)', async () => {
    const { messages } = stack().containers;
    const doc = docsOf(1, 'WS-READ')[0]!;
    await messages.items.create(doc);
    expect((await messages.item(doc.id, [doc.site, doc.machine]).read()).statusCode).toBe(200);
    expect((await messages.item(doc.id, [doc.machine, doc.site]).read()).statusCode).toBe(404);
  });

  it('rejects every document storeDocuments writes under a swapped key, and stores none', async () => {
    const { messages } = stack().containers;
    const docs = docsOf(3, `WS-${randomUUID().slice(0, 6)}`);
    const result = await storeDocuments(messages, docs, (doc) => [doc.machine, doc.site]);
    expect(result.created).toBe(0);
    expect(result.rejected.map((r) => r.document.id).sort()).toEqual(docs.map((d) => d.id).sort());
    expect(result.rejected[0]?.reason).toMatch(/\(400\)/);
    const stored = (await readAll<Doc>(messages)).filter((doc) => docs.some((d) => d.id === doc.id));
    expect(stored).toEqual([]);
  });

  describe('store-rejected, through the local host process', () => {
    let host: HostProcess;
    beforeAll(async () => {
      host = await startHostProcess(stack().env);
    });
    afterAll(async () => {
      await host?.stop();
    });

    it('dead-letters the one item Cosmos refuses as store-rejected, stores the others, and drains the queue', async () => {
      const { queues, containers, strict } = stack();
      const envelope = anEnvelope(3, { machine: `WS-${randomUUID().slice(0, 6)}` });
      const refusedId = statusMessageId(undefined, envelope.batchId, 1);
      strict.rejectDocuments((document) =>
        (document as { id?: unknown }).id === refusedId ? 'too large (test)' : undefined,
      );
      await queues.main.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 });
      let letters: DeadLetter[] = [];
      await waitUntil(
        async () =>
          (letters = (await readAll<DeadLetter>(containers.deadletters)).filter(
            (letter) => letter.batchId === envelope.batchId,
          )).length > 0,
        'the store-rejected dead letter',
        30_000,
      );
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ source: 'store-rejected', position: 1 });
      expect(letters[0]!.reasons.join(' ')).toMatch(/400.*too large \(test\)/);
      expect(JSON.parse(letters[0]!.raw)).toMatchObject({ id: refusedId, machine: envelope.machine });
      const stored = (await readAll<StoredStatusMessage>(containers.messages)).filter(
        (doc) => doc.batchId === envelope.batchId,
      );
      expect(stored.map((doc) => doc.position).sort()).toEqual([0, 2]);
      await waitUntil(
        async () => ((await queues.main.getProperties()).approximateMessagesCount ?? 0) === 0,
        'queue drained',
        30_000,
      );
    });
  });
});
