import type { Container } from '@azure/cosmos';
import { boundReasons, PermanentError } from '../errors';
import { rawContentHash } from '../message/content-hash';
import { deadLetterId, uuidV5 } from '../message/ids';
import type { EnvelopeContext } from '../message/parse-queue-message';
import { storeDocuments } from '../cosmos/store-documents';

export const deadLetterSources = [
  'ingest-validation',
  'store-rejected',
  'poison-queue',
  'notify-poison',
  'id-conflict',
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
  /**
   * The queue message body exactly as received (a whole body), or the item's text as sent (one bad item of an
   * envelope). Bytes that are not UTF-8 are here with U+FFFD in place of each bad sequence, and in `rawBase64`.
   */
  raw: string;
  /** Only for a body whose bytes are not UTF-8: all of them, base64-encoded (`raw` cannot hold them). */
  rawBase64?: string;
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
  /** `sha256:` over `raw`: a letter id taken by a letter with another hash gets a new id, never dropped. */
  contentHash: string;
  /** Set when `raw` was too large to keep whole (only its start is kept): its length in characters. */
  rawTruncated?: { readonly length: number };
  /** Source `id-conflict`: the id that is taken, and both versions' content hashes. */
  conflict?: IdConflictDetail;
  /** This letter's own id was taken by a different letter (`conflictsWith`); it was stored under a new id. */
  conflictsWith?: string;
}

export interface IdConflictDetail {
  /** The status message id already stored with other content. */
  readonly documentId: string;
  readonly storedHash: string;
  readonly incomingHash: string;
}

export interface DeadLetterInput {
  readonly source: DeadLetterSource;
  readonly reasons: readonly string[];
  readonly raw: string;
  readonly rawBase64?: string | undefined;
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
  readonly conflict?: IdConflictDetail;
}

/**
 * Cosmos DB refuses an item over 2 MB (system properties included). `raw` is at most this many bytes as JSON,
 * reasons are bounded (20 of at most 1 KiB, see boundReasons) and so is `lastError`: a dead letter always fits.
 */
const maxRawJsonBytes = 1024 * 1024;
const maxLastErrorLength = 4096;

const jsonBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text), 'utf8');

/** `raw`, cut (never split inside a character pair) until its JSON form fits in maxRawJsonBytes. */
const boundedRaw = (raw: string): { raw: string; truncated: boolean } => {
  let bytes = jsonBytes(raw);
  if (bytes <= maxRawJsonBytes) return { raw, truncated: false };
  let cut = raw;
  while (bytes > maxRawJsonBytes) {
    let length = Math.floor((cut.length * maxRawJsonBytes) / bytes) - 16;
    if (/[\uD800-\uDBFF]/.test(cut.charAt(length - 1))) length -= 1;
    cut = cut.slice(0, Math.max(0, length));
    bytes = jsonBytes(cut);
  }
  return { raw: cut, truncated: true };
};

const cutText = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text;

/** The id is derived from the batch (or queue message) and position, so a redelivery adds no second copy. */
export const buildDeadLetter = (input: DeadLetterInput): DeadLetter => {
  const { raw, truncated } = boundedRaw(input.raw);
  return {
    id: deadLetterId(input.idKey ?? input.batchId ?? input.queueMessageId, input.position),
    type: deadLetterType,
    source: input.source,
    reasons: boundReasons(input.reasons),
    raw,
    ...(truncated ? { rawTruncated: { length: input.raw.length } } : {}),
    ...(input.rawBase64 === undefined ? {} : { rawBase64: input.rawBase64 }),
    position: input.position,
    batchId: input.batchId,
    ...(input.envelope ? { envelope: input.envelope } : {}),
    queueMessageId: input.queueMessageId,
    dequeueCount: input.dequeueCount,
    enqueuedAt: input.enqueuedAt,
    deadLetteredAt: input.now,
    ...(input.lastError === undefined ? {} : { lastError: cutText(input.lastError, maxLastErrorLength) }),
    replay: { state: 'pending' },
    contentHash: rawContentHash(input.rawBase64 ?? input.raw),
    ...(input.conflict ? { conflict: { ...input.conflict } } : {}),
  };
};

/** A letter's `contentHash`; for a letter stored before hashes existed, the hash of its `raw`. */
const letterHash = (value: Readonly<Record<string, unknown>>): string =>
  typeof value.contentHash === 'string'
    ? value.contentHash
    : rawContentHash(typeof value.raw === 'string' ? value.raw : JSON.stringify(value.raw));

/**
 * Stores dead letters idempotently and returns the ones this call wrote (not those an earlier delivery
 * already stored); throws TransientError while Cosmos is unavailable. A letter Cosmos refuses is never
 * dropped quietly: that throws, so the message is retried and, in the end, poisoned. A letter whose id is
 * already taken by a letter with other content (a replayed item failing again, a reused batch id) is stored
 * under an id derived from its own content hash, with `conflictsWith` naming the taken id.
 */
export const storeDeadLetters = async (
  container: Container,
  letters: readonly DeadLetter[],
): Promise<DeadLetter[]> => {
  const result = await storeDocuments(container, letters, (letter) => letter.id, { contentHash: letterHash });
  if (result.rejected.length > 0) {
    throw new PermanentError(
      `Cosmos DB refused ${result.rejected.length} dead letter(s): ${result.rejected[0]!.reason}`,
    );
  }
  const notWritten = new Set([
    ...result.alreadyStored.map((letter) => letter.id),
    ...result.conflicts.map(({ document }) => document.id),
  ]);
  const written = letters.filter((letter) => !notWritten.has(letter.id));
  if (result.conflicts.length === 0) return written;
  const renamed = result.conflicts.map(({ document, incomingHash }): DeadLetter => ({
    ...document,
    id: uuidV5(`deadletter-conflict:${document.id}:${incomingHash}`),
    conflictsWith: document.id,
  }));
  const again = await storeDocuments(container, renamed, (letter) => letter.id, { contentHash: letterHash });
  if (again.rejected.length > 0 || again.conflicts.length > 0) {
    throw new PermanentError(`Cosmos DB refused a renamed dead letter (${renamed[0]!.conflictsWith ?? ''})`);
  }
  const already = new Set(again.alreadyStored.map((letter) => letter.id));
  return [...written, ...renamed.filter((letter) => !already.has(letter.id))];
};
