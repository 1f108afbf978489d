import { randomUUID } from 'node:crypto';
import { storeDocuments } from '../../lib/cosmos/store-documents';
import { countDocuments } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';

interface Doc {
  id: string;
  site: string;
  machine: string;
  n: number;
}

const docsOf = (count: number, machine = 'WS-0001'): Doc[] =>
  Array.from({ length: count }, (_, n) => ({ id: randomUUID(), site: 'P01', machine, n }));

const partitionKeyOf = (doc: Doc): [string, string] => [doc.site, doc.machine];

describe('storeDocuments (Cosmos emulator)', () => {
  const stack = useEmulators();

  /** The write requests that reached Cosmos (through the strict front) since `from`: batch, bulk or single. */
  const writesSince = (from: number): string[] =>
    stack()
      .cosmosFront.log.slice(from)
      .filter((entry) => entry.method === 'POST' && !String(entry.headers['content-type']).includes('query'))
      .map((entry) =>
        entry.headers['x-ms-cosmos-is-batch-request'] !== 'true'
          ? 'single'
          : entry.headers['x-ms-cosmos-batch-atomic'] === 'true'
            ? 'batch'
            : 'bulk',
      );

  it('stores the documents of one logical partition in one transactional batch', async () => {
    const { messages } = stack().containers;
    const before = await countDocuments(messages);
    const from = stack().cosmosFront.log.length;
    const result = await storeDocuments(messages, docsOf(100), partitionKeyOf);
    expect(result).toMatchObject({ created: 100, duplicates: 0, rejected: [] });
    // One request went out: the transactional batch, no bulk fallback and no single writes.
    expect(writesSince(from)).toEqual(['batch']);
    expect(await countDocuments(messages)).toBe(before + 100);
  });

  it('stores each document once when an earlier delivery stored some of them', async () => {
    const { messages } = stack().containers;
    const docs = docsOf(20);
    await storeDocuments(messages, docs.slice(5, 12), partitionKeyOf);
    const before = await countDocuments(messages);
    const result = await storeDocuments(messages, docs, partitionKeyOf);
    // The batch fails on the first 409 and writes nothing (Cosmos batches are atomic; the strict front makes
    // the emulator's atomic too); the bulk API then writes the 13 missing and finds the 7 stored.
    expect(result).toMatchObject({ created: 13, duplicates: 7, rejected: [] });
    expect(result.alreadyStored.map((doc) => doc.n).sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(await countDocuments(messages)).toBe(before + 13);
    expect(await storeDocuments(messages, docs, partitionKeyOf)).toMatchObject({
      created: 0,
      duplicates: 20,
    });
  });

  it('stores documents of several logical partitions with the bulk API', async () => {
    const { messages } = stack().containers;
    const docs = [...docsOf(3, 'WS-0002'), ...docsOf(4, 'WS-0003')];
    const from = stack().cosmosFront.log.length;
    const result = await storeDocuments(messages, docs, partitionKeyOf);
    expect(result).toMatchObject({ created: 7, duplicates: 0, rejected: [] });
    expect(writesSince(from)).toEqual(['bulk']);
  });

  // Cosmos DB honours `Prefer: return=minimal` on a batch; the emulator alone would echo every document, and
  // the ingest would parse them on every write (lib/local/minimal-batch-responses.ts).
  it('answers a batch sent with contentResponseOnWriteEnabled: false without the documents, as Cosmos does', async () => {
    const { messages } = stack().containers;
    const operationsOf = (docs: Doc[]) =>
      docs.map((doc) => ({ operationType: 'Create' as const, resourceBody: { ...doc } }));
    const minimal = await messages.items.batch(operationsOf(docsOf(3, 'WS-MIN')), ['P01', 'WS-MIN'], {
      contentResponseOnWriteEnabled: false,
    });
    expect(minimal.result?.map((result) => [result.statusCode, result.resourceBody])).toEqual([
      [201, undefined],
      [201, undefined],
      [201, undefined],
    ]);
    const docs = docsOf(2, 'WS-FULL');
    const full = await messages.items.batch(operationsOf(docs), ['P01', 'WS-FULL']);
    expect(full.result?.map((result) => (result.resourceBody as Doc | undefined)?.id)).toEqual(
      docs.map((doc) => doc.id),
    );
  });
});
