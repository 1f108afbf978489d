import type { Container } from '@azure/cosmos';
import { deadLetterId } from '../message/ids';
import { storeDocuments } from '../cosmos/store-documents';

export const deadLetterSources = ['ingest-validation', 'store-rejected', 'poison-queue'] as const;
export type DeadLetterSource = (typeof deadLetterSources)[number];

/** A document in Cosmos `deadletters`: what could not be stored, why, and where it came from. */
export interface DeadLetter {
  id: string;
  source: DeadLetterSource;
  reasons: string[];
  /** The raw queue message body, or the raw item for one bad item of an envelope. */
  raw: string;
  /** Position of the item in its envelope; -1 when the whole body is dead-lettered. */
  position: number;
  batchId: string | undefined;
  queueMessageId: string;
  dequeueCount: number;
  enqueuedAt: string;
  deadLetteredAt: string;
  replay: { state: 'pending' | 'replayed'; replayedAt?: string };
}

export interface DeadLetterInput {
  readonly source: DeadLetterSource;
  readonly reasons: readonly string[];
  readonly raw: string;
  readonly position: number;
  readonly batchId: string | undefined;
  readonly queueMessageId: string;
  readonly dequeueCount: number;
  readonly enqueuedAt: string;
  readonly now: string;
}

/** The id is derived from the batch (or queue message) and position, so a redelivery adds no second copy. */
export const buildDeadLetter = (input: DeadLetterInput): DeadLetter => ({
  id: deadLetterId(input.batchId ?? input.queueMessageId, input.position),
  source: input.source,
  reasons: [...input.reasons],
  raw: input.raw,
  position: input.position,
  batchId: input.batchId,
  queueMessageId: input.queueMessageId,
  dequeueCount: input.dequeueCount,
  enqueuedAt: input.enqueuedAt,
  deadLetteredAt: input.now,
  replay: { state: 'pending' },
});

/** Stores dead letters idempotently; throws TransientError while Cosmos is unavailable. */
export const storeDeadLetters = async (
  container: Container,
  letters: readonly DeadLetter[],
): Promise<number> => {
  const result = await storeDocuments(container, letters, (letter) => letter.id);
  return result.created + result.duplicates;
};
