import type { Container } from '@azure/cosmos';
import { isConflict } from './cosmos-errors';
import { maxBatchOperations, writeBatch, type Write, type WriteKind } from './write-batch';

/**
 * `written`: the document was written for this call; `exists`: a create found its id stored (409), written by
 * an earlier call or, on the emulator, by this call's batch that failed on another document.
 */
export type WriteOutcome = 'written' | 'exists';

interface Waiting extends Write {
  readonly resolve: (outcome: WriteOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Creates and upserts small documents, coalescing concurrent callers of one logical partition: while a request
 * for a partition key is in flight, the writes that arrive for it wait and go together as the next request,
 * one transactional batch. There is no timer: a write that finds its partition idle is sent at once, alone.
 * Each caller learns its own document's outcome. A batch that does not commit as a whole (a 409 of one of
 * its creates, throttling, an outage; on Cosmos DB it then wrote nothing, on the emulator its first writes
 * may have landed) is sent again as single writes, so each document gets its own answer: `exists` for a
 * create's 409, the Cosmos error otherwise.
 */
export class CoalescedWrites<T extends { readonly id: string }> {
  /** Partition keys with a request in flight, each with the writes waiting for the next one. */
  private readonly busy = new Map<string, Waiting[]>();

  constructor(
    private readonly container: Container,
    private readonly partitionKeyOf: (document: T) => string,
  ) {}

  create(document: T): Promise<WriteOutcome> {
    return this.write('create', document);
  }

  upsert(document: T): Promise<WriteOutcome> {
    return this.write('upsert', document);
  }

  private write(kind: WriteKind, document: T): Promise<WriteOutcome> {
    return new Promise<WriteOutcome>((resolve, reject) => {
      const key = this.partitionKeyOf(document);
      const waiting = this.busy.get(key);
      if (waiting) {
        waiting.push({ kind, document, resolve, reject });
        return;
      }
      this.busy.set(key, []);
      void this.drain(key, [{ kind, document, resolve, reject }]);
    });
  }

  private async drain(key: string, first: Waiting[]): Promise<void> {
    let next = first;
    while (next.length > 0) {
      await this.send(key, next);
      next = this.busy.get(key)!.splice(0, maxBatchOperations);
    }
    this.busy.delete(key);
  }

  /** Settles every entry; never throws. */
  private async send(key: string, entries: readonly Waiting[]): Promise<void> {
    if (entries.length > 1 && (await writeBatch(this.container, entries, key)) !== undefined) {
      for (const entry of entries) entry.resolve('written');
      return;
    }
    await Promise.all(entries.map((entry) => this.writeOne(entry)));
  }

  private async writeOne({ kind, document, resolve, reject }: Waiting): Promise<void> {
    try {
      if (kind === 'create') await this.container.items.create(document);
      else await this.container.items.upsert(document);
      resolve('written');
    } catch (error) {
      if (kind === 'create' && isConflict(error)) resolve('exists');
      else reject(error);
    }
  }
}
