import type { Container } from '@azure/cosmos';
import { createBatch, maxBatchOperations } from './create-batch';
import { isConflict } from './cosmos-errors';

/**
 * `created`: the document was written for this call; `exists`: its id was already stored (409), by an earlier
 * call or, on the emulator, by this call's batch that failed on another document.
 */
export type CreateOutcome = 'created' | 'exists';

interface Waiting<T> {
  readonly document: T;
  readonly resolve: (outcome: CreateOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Creates small documents, coalescing concurrent callers of one logical partition: while a request for a
 * partition key is in flight, the documents that arrive for it wait and go together as the next request, one
 * transactional batch. There is no timer: a document that finds its partition idle is sent at once, alone.
 * Each caller learns its own document's outcome. A batch that does not commit as a whole (a 409 of one of
 * them, throttling, an outage; on Cosmos DB it then wrote nothing, on the emulator its first documents may
 * have landed) is sent again as single creates, so each document gets its own answer: `exists` for a 409,
 * the Cosmos error otherwise.
 */
export class CoalescedCreates<T extends { readonly id: string }> {
  /** Partition keys with a request in flight, each with the documents waiting for the next one. */
  private readonly busy = new Map<string, Waiting<T>[]>();

  constructor(
    private readonly container: Container,
    private readonly partitionKeyOf: (document: T) => string,
  ) {}

  create(document: T): Promise<CreateOutcome> {
    return new Promise<CreateOutcome>((resolve, reject) => {
      const key = this.partitionKeyOf(document);
      const waiting = this.busy.get(key);
      if (waiting) {
        waiting.push({ document, resolve, reject });
        return;
      }
      this.busy.set(key, []);
      void this.drain(key, [{ document, resolve, reject }]);
    });
  }

  private async drain(key: string, first: Waiting<T>[]): Promise<void> {
    let next = first;
    while (next.length > 0) {
      await this.send(key, next);
      next = this.busy.get(key)!.splice(0, maxBatchOperations);
    }
    this.busy.delete(key);
  }

  /** Settles every entry; never throws. */
  private async send(key: string, entries: readonly Waiting<T>[]): Promise<void> {
    const documents = entries.map((entry) => entry.document);
    if (entries.length > 1 && (await createBatch(this.container, documents, key)) !== undefined) {
      for (const entry of entries) entry.resolve('created');
      return;
    }
    await Promise.all(entries.map((entry) => this.createOne(entry)));
  }

  private async createOne({ document, resolve, reject }: Waiting<T>): Promise<void> {
    try {
      await this.container.items.create(document);
      resolve('created');
    } catch (error) {
      if (isConflict(error)) resolve('exists');
      else reject(error);
    }
  }
}
