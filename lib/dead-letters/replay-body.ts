import { TooLargeError, ValidationError } from '../errors';
import { decodeBody, rawBodyBytes } from '../message/decode-body';
import { isUuid } from '../message/ids';
import { parseQueueMessage } from '../message/parse-queue-message';
import type { Envelope } from '../message/types';
import { limits, names } from '../names';
import type { DeadLetter } from './dead-letter';
import { checkReplayIdentity } from './replay-identity';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A correction is either the new text of the body/item, or the JSON value itself. Without one, the letter's
 * body, read from its bytes as the ingest function read it (bytes that are not UTF-8 are refused again).
 */
const valueOf = (letter: DeadLetter, corrected: unknown): unknown => {
  if (corrected === undefined) return decodeBody(rawBodyBytes({ ...letter, raw: letter.raw ?? '' }));
  return typeof corrected === 'string' ? decodeBody(corrected) : corrected;
};

/** Wraps status messages in an envelope numbered like the original batch, so they get the same ids. */
const envelopeOf = (
  context: NonNullable<DeadLetter['envelope']>,
  offset: number,
  messages: Record<string, unknown>[],
): Envelope => ({
  schema: names.schemaVersion,
  batchId: context.batchId,
  ...(context.site === undefined ? {} : { site: context.site }),
  ...(context.machine === undefined ? {} : { machine: context.machine }),
  ...(context.seq === undefined ? {} : { seq: context.seq }),
  ...(context.traceparent === undefined ? {} : { traceparent: context.traceparent }),
  ...(offset > 0 ? { offset } : {}),
  messages,
});

/**
 * The queue message text a replay enqueues for a dead letter, corrected or not. It keeps the ids the
 * message would have had: an item of an envelope goes back in an envelope with the same batch id, defaults
 * and position (`offset`); a bare message goes back in an envelope whose batch id is its original queue
 * message id (its ids were derived from that). Throws ValidationError if the result would still be
 * rejected (nothing is enqueued then), or if a correction changes the letter's batchId, site, machine,
 * position or id (see replay-identity.ts); TooLargeError if it does not fit in a queue message.
 */
export const replayBody = (letter: DeadLetter, corrected?: unknown): string => {
  if (letter.source === 'id-conflict') {
    throw new ValidationError([
      `source: an id-conflict letter is not replayed: id ${letter.conflict?.documentId ?? ''} already holds ` +
        'other content, so a replay could only conflict again (or store the message under another id)',
    ]);
  }
  const value = valueOf(letter, corrected);
  const looksLikeEnvelope = isPlainObject(value) && ('schema' in value || 'messages' in value);
  let body: unknown = value;
  const context =
    letter.position >= 0
      ? (letter.envelope ??
        (letter.batchId && isUuid(letter.batchId) ? { batchId: letter.batchId } : undefined))
      : isUuid(letter.queueMessageId)
        ? { batchId: letter.queueMessageId }
        : undefined;
  if (isPlainObject(value) && !looksLikeEnvelope && context) {
    body = envelopeOf(context, Math.max(letter.position, 0), [value]);
  }
  const parsed = parseQueueMessage(body);
  const reasons = parsed.items.flatMap((item) => (item.ok ? [] : item.reasons));
  if (reasons.length > 0) throw new ValidationError(reasons);
  // A whole body replayed as it is goes back byte for byte (its text, not a re-serialization of it).
  const verbatim = corrected === undefined && body === value && letter.rawTruncated === undefined;
  const text = verbatim ? letter.raw : JSON.stringify(body);
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limits.queueMessageBytes) {
    throw new TooLargeError([
      `body: is ${size} bytes, a queue message holds at most ${limits.queueMessageBytes}`,
    ]);
  }
  if (corrected !== undefined) checkReplayIdentity(letter, context?.batchId, parsed);
  return text;
};
