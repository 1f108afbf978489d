import type { Container } from '@azure/cosmos';
import { PermanentError } from '../errors';
import { deadLetterId } from '../message/ids';
import type { EnvelopeContext } from '../message/parse-queue-message';
import { storeDocuments } from '../cosmos/store-documents';

export const deadLetterSources = [
  'ingest-validation',
  'store-rejected',
  'poison-queue',
  'notify-poison',
] as const;
export type DeadLetterSource = (typeof deadLetterSources)[number];

export const replayStates = ['pending', 'replaying', 'replayed'] as const;
export type ReplayStateName = (typeof replayStates)[number];

/** `type` of every dead letter; the container also holds `last-failure` notes (see last-failure.ts). */
export const deadLetterType = 'deadletter';

export interface ReplayState {
  state: ReplayStateName;
  /** When a replay claimed the letter (state `replaying`); a stale claim can be taken over. */
  claimedAt?: string;
  replayedAt?: string;
  /** The id of the queue message the replay enqueued. */
  queueMessageId?: string;
  /** True when the replay sent a corrected body instead of the raw one. */
  corrected?: boolean;
}

/** A document in Cosmos `deadletters`: what could not be stored, why, and where it came from. */
export interface DeadLetter {
  id: string;
  type: typeof deadLetterType;
  source: DeadLetterSource;
  reasons: string[];
  /** The raw queue message body, or the raw item for one bad item of an envelope. */
  raw: string;
  /** Position of the item in its envelope; -1 when the whole body is dead-lettered. */
  position: number;
  batchId: string | undefined;
  /** For an item of an envelope: the envelope's defaults and numbering, so that a replay keeps its ids. */
  envelope?: EnvelopeContext;
  /** The queue message id of the delivery that failed (for poison letters: the original, when recorded). */
  queueMessageId: string;
  dequeueCount: number;
  enqueuedAt: string;
  deadLetteredAt: string;
  /** Poison letters: the last error the ingest function recorded for this body, when it could. */
  lastError?: string;
  replay: ReplayState;
}

export interface DeadLetterInput {
  readonly source: DeadLetterSource;
  readonly reasons: readonly string[];
  readonly raw: string;
  readonly position: number;
  readonly batchId: string | undefined;
  readonly envelope?: EnvelopeContext | undefined;
  readonly queueMessageId: string;
  readonly dequeueCount: number;
  readonly enqueuedAt: string;
  readonly now: string;
  readonly lastError?: string | undefined;
  /** What the id is derived from, when not the batch (or queue message) id: the poison message id. */
  readonly idKey?: string;
}

/** The id is derived from the batch (or queue message) and position, so a redelivery adds no second copy. */
export const buildDeadLetter = (input: DeadLetterInput): DeadLetter => ({
  id: deadLetterId(input.idKey ?? input.batchId ?? input.queueMessageId, input.position),
  type: deadLetterType,
  source: input.source,
  reasons: [...input.reasons],
  raw: input.raw,
  position: input.position,
  batchId: input.batchId,
  ...(input.envelope ? { envelope: input.envelope } : {}),
  queueMessageId: input.queueMessageId,
  dequeueCount: input.dequeueCount,
  enqueuedAt: input.enqueuedAt,
  deadLetteredAt: input.now,
  ...(input.lastError === undefined ? {} : { lastError: input.lastError }),
  replay: { state: 'pending' },
});

/**
 * Stores dead letters idempotently and returns the ones this call wrote (not those an earlier delivery
 * already stored); throws TransientError while Cosmos is unavailable. A letter Cosmos refuses is never
 * dropped quietly: that throws, so the message is retried and, in the end, poisoned.
 */
export const storeDeadLetters = async (
  container: Container,
  letters: readonly DeadLetter[],
): Promise<DeadLetter[]> => {
  const result = await storeDocuments(container, letters, (letter) => letter.id);
  if (result.rejected.length > 0) {
    throw new PermanentError(
      `Cosmos DB refused ${result.rejected.length} dead letter(s): ${result.rejected[0]!.reason}`,
    );
  }
  const earlier = new Set(result.alreadyStored.map((letter) => letter.id));
  return letters.filter((letter) => !earlier.has(letter.id));
};
