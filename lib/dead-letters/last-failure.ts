import { createHash } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { classifyCosmosError } from '../cosmos/cosmos-errors';
import { describeError } from '../errors';
import { rawBodyText } from '../message/decode-body';
import { uuidV5 } from '../message/ids';

/**
 * The Functions host copies only the body of a poisoned message (new id, no dequeue count, no error), so the
 * ingest function leaves a note with its last failure, keyed by a hash of the body, in `deadletters`; the
 * poison archiver finds it by the same hash. Notes carry a TTL (they are not dead letters and may expire).
 */
export const failureNoteType = 'last-failure';

/** 30 days: longer than any message stays queued before it is poisoned. Needs TTL enabled on the container. */
export const failureNoteTtlSeconds = 30 * 24 * 3600;

export interface FailureNote {
  id: string;
  type: typeof failureNoteType;
  bodyHash: string;
  queueMessageId: string;
  dequeueCount: number;
  error: string;
  failedAt: string;
  ttl: number;
}

/**
 * SHA-256 of the body's bytes: what the ingest function received (bytes, `dataType: 'binary'`) and what the
 * poison archiver receives for the host's copy of it are the same bytes. A string is hashed as its UTF-8.
 */
export const bodyHashOf = (payload: unknown): string =>
  createHash('sha256')
    .update(payload instanceof Uint8Array ? payload : Buffer.from(rawBodyText(payload), 'utf8'))
    .digest('hex');

export const failureNoteId = (bodyHash: string): string => uuidV5(`last-failure:${bodyHash}`);

export interface FailureFacts {
  readonly queueMessageId: string;
  readonly dequeueCount: number;
  readonly error: unknown;
  readonly now: Date;
}

/**
 * Best effort, never throws and waits at most `timeoutMs`: the failure being recorded may well be that
 * Cosmos is down, and the caller must get on with its own error handling.
 */
export const recordLastFailure = async (
  container: Container,
  payload: unknown,
  facts: FailureFacts,
  timeoutMs = 2000,
): Promise<boolean> => {
  try {
    const bodyHash = bodyHashOf(payload);
    const note: FailureNote = {
      id: failureNoteId(bodyHash),
      type: failureNoteType,
      bodyHash,
      queueMessageId: facts.queueMessageId,
      dequeueCount: facts.dequeueCount,
      error: describeError(facts.error).slice(0, 2000),
      failedAt: facts.now.toISOString(),
      ttl: failureNoteTtlSeconds,
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const write = container.items.upsert(note).then(
      () => true,
      () => false,
    );
    const written = await Promise.race([write, timeout]);
    clearTimeout(timer);
    return written;
  } catch {
    return false;
  }
};

/** The note for this body, if the ingest function could leave one; throws TransientError if Cosmos is down. */
export const readLastFailure = async (
  container: Container,
  payload: unknown,
): Promise<FailureNote | undefined> => {
  const id = failureNoteId(bodyHashOf(payload));
  try {
    const { resource } = await container.item(id, id).read<FailureNote>();
    return resource?.type === failureNoteType ? resource : undefined;
  } catch (error) {
    throw classifyCosmosError(error, `reading the failure note ${id}`);
  }
};

/** Removes a note once its letter is archived (best effort: the TTL removes it anyway). */
export const forgetLastFailure = async (container: Container, note: FailureNote): Promise<void> => {
  await container
    .item(note.id, note.id)
    .delete()
    .catch(() => undefined);
};
