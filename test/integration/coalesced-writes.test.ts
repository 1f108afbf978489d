import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../lib/config';
import { CoalescedWrites, type WriteOutcome } from '../../lib/cosmos/coalesced-writes';
import { createCosmosClient, openContainers } from '../../lib/cosmos/cosmos-client';
import { useEmulators } from '../helpers/emulators';

interface Doc {
  readonly id: string;
  readonly site: string;
  readonly n: number;
}

/**
 * CoalescedWrites on the Cosmos emulator, behind the strict front (which checks each batch's partition key
 * and makes batches atomic, as Cosmos does). Documents go to the `summaries` container (partition key /site);
 * each test uses sites of its own.
 */
describe('CoalescedWrites (Cosmos emulator)', () => {
  const stack = useEmulators();
  const docsOf = (site: string, count: number): Doc[] =>
    Array.from({ length: count }, (_, n) => ({ id: randomUUID(), site, n }));
  const writerOf = (): CoalescedWrites<Doc> =>
    new CoalescedWrites<Doc>(stack().containers.summaries, (doc) => doc.site);

  /** The writes since `from`: `single` creates, and `batch:N` for a transactional batch of N operations. */
  const writesSince = (from: number): string[] =>
    stack()
      .cosmosFront.log.slice(from)
      .filter((entry) => entry.method === 'POST' && !String(entry.headers['content-type']).includes('query'))
      .map((entry) =>
        entry.headers['x-ms-cosmos-is-batch-request'] === 'true'
          ? `batch:${entry.operations ?? '?'}`
          : 'single',
      );
  const storedIds = async (site: string): Promise<string[]> => {
    const { resources } = await stack()
      .containers.summaries.items.query<{ id: string }>({
        query: 'SELECT c.id FROM c WHERE c.site = @site',
        parameters: [{ name: '@site', value: site }],
      })
      .fetchAll();
    return resources.map((doc) => doc.id).sort();
  };
  const idsOf = (docs: readonly Doc[]): string[] => docs.map((doc) => doc.id).sort();

  it('sends a document that finds its partition idle at once, alone', async () => {
    const from = stack().cosmosFront.log.length;
    const [doc] = docsOf('CC-ALONE', 1);
    await expect(writerOf().create(doc!)).resolves.toBe('written');
    expect(writesSince(from)).toEqual(['single']);
    expect(await storedIds('CC-ALONE')).toEqual([doc!.id]);
  });

  it('sends the documents that arrive while a request is in flight together, as one transactional batch', async () => {
    const writer = writerOf();
    const docs = docsOf('CC-TOGETHER', 11);
    const from = stack().cosmosFront.log.length;
    const outcomes = await Promise.all(docs.map((doc) => writer.create(doc)));
    expect(outcomes).toEqual(docs.map(() => 'written'));
    // The first went alone; the ten that came while it was in flight went as one batch.
    expect(writesSince(from)).toEqual(['single', 'batch:10']);
    expect(await storedIds('CC-TOGETHER')).toEqual(idsOf(docs));
  });

  it('never puts two partitions in one batch, and a partition never waits for another', async () => {
    const writer = writerOf();
    const a = docsOf('CC-PART-A', 3);
    const b = docsOf('CC-PART-B', 3);
    const from = stack().cosmosFront.log.length;
    const outcomes = await Promise.all(
      [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!].map((doc) => writer.create(doc)),
    );
    expect(outcomes).toEqual(Array(6).fill('written'));
    expect(writesSince(from).sort()).toEqual(['batch:2', 'batch:2', 'single', 'single']);
    expect(stack().cosmosFront.refusals).toEqual([]);
    expect(await storedIds('CC-PART-A')).toEqual(idsOf(a));
    expect(await storedIds('CC-PART-B')).toEqual(idsOf(b));
  });

  it('answers exists for a document already stored, and still creates the others of its batch', async () => {
    const docs = docsOf('CC-EXISTS', 4);
    await writerOf().create(docs[2]!);
    const writer = writerOf();
    const from = stack().cosmosFront.log.length;
    const outcomes = await Promise.all(docs.map((doc) => writer.create(doc)));
    expect(outcomes).toEqual<WriteOutcome[]>(['written', 'written', 'exists', 'written']);
    // The batch of three hit the 409 and committed nothing; each was then created on its own.
    expect(writesSince(from)).toEqual(['single', 'batch:3', 'single', 'single', 'single']);
    expect(await storedIds('CC-EXISTS')).toEqual(idsOf(docs));
  });

  it('puts upserts and creates of one partition in one batch; an upsert overwrites, also when the batch falls back', async () => {
    const site = 'CC-UPSERT';
    const [kept, a, b, c, d] = docsOf(site, 5);
    await writerOf().create(kept!);
    await writerOf().create({ ...a!, n: -1 });
    const nOf = async (id: string): Promise<unknown> =>
      (await stack().containers.summaries.item(id, site).read<Doc>()).resource?.n;

    const writer = writerOf();
    let from = stack().cosmosFront.log.length;
    const together = await Promise.all([
      writer.create(b!),
      writer.upsert({ ...a!, n: 10 }),
      writer.create(c!),
    ]);
    expect(together).toEqual<WriteOutcome[]>(['written', 'written', 'written']);
    expect(writesSince(from)).toEqual(['single', 'batch:2']);
    expect(await nOf(a!.id)).toBe(10);

    // A create of a stored id fails the batch; the upsert in it is then written on its own.
    from = stack().cosmosFront.log.length;
    const fallback = await Promise.all([
      writer.create(d!),
      writer.create(kept!),
      writer.upsert({ ...a!, n: 20 }),
    ]);
    expect(fallback).toEqual<WriteOutcome[]>(['written', 'exists', 'written']);
    expect(writesSince(from)).toEqual(['single', 'batch:2', 'single', 'single']);
    expect(await nOf(a!.id)).toBe(20);
    expect(await storedIds(site)).toEqual(idsOf([kept!, a!, b!, c!, d!]));
  });

  it('on the bare emulator (a failed batch answers 200 and keeps the documents before the failure), still gives each caller its outcome', async () => {
    const client = createCosmosClient(loadConfig(stack().emulators.env).cosmos);
    try {
      const direct = openContainers(client, loadConfig(stack().emulators.env).cosmos.database).summaries;
      const docs = docsOf('CC-BARE', 4);
      await writerOf().create(docs[2]!);
      const writer = new CoalescedWrites<Doc>(direct, (doc) => doc.site);
      const outcomes = await Promise.all(docs.map((doc) => writer.create(doc)));
      // docs[1] landed with the batch that failed on docs[2]; its own create then found it.
      expect(outcomes).toEqual<WriteOutcome[]>(['written', 'exists', 'exists', 'written']);
      expect(await storedIds('CC-BARE')).toEqual(idsOf(docs));
    } finally {
      client.dispose();
    }
  });

  it('rejects only the caller whose document fails; the others are created', async () => {
    const writer = writerOf();
    const docs = docsOf('CC-FAIL', 4);
    const bad = docs[2]!.id;
    stack().cosmosFront.setFault({
      kind: 'http',
      status: 400,
      match: (request) => request.method === 'POST' && request.body.includes(bad),
    });
    try {
      const outcomes = await Promise.allSettled(docs.map((doc) => writer.create(doc)));
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: 400 });
    } finally {
      stack().cosmosFront.setFault(undefined);
    }
    expect(await storedIds('CC-FAIL')).toEqual(idsOf(docs.filter((doc) => doc.id !== bad)));
    // The writer is not stuck: the partition takes documents again.
    const [later] = docsOf('CC-FAIL', 1);
    await expect(writer.create(later!)).resolves.toBe('written');
  });

  it('sends at most 100 documents per batch', async () => {
    const writer = writerOf();
    const docs = docsOf('CC-MANY', 151);
    const from = stack().cosmosFront.log.length;
    await Promise.all(docs.map((doc) => writer.create(doc)));
    expect(writesSince(from)).toEqual(['single', 'batch:100', 'batch:50']);
    expect(await storedIds('CC-MANY')).toEqual(idsOf(docs));
  });
});
