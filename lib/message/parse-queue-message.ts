import { ValidationError } from '../errors';
import { limits } from '../names';
import { decodeBodyText } from './decode-body';
import { messageItemTexts } from './json-item-texts';
import type { StatusMessage } from './types';
import { checkEnvelope, checkStatusMessage } from './validate';

export type ParsedItem =
  | { readonly position: number; readonly ok: true; readonly message: StatusMessage }
  | {
      readonly position: number;
      readonly ok: false;
      readonly raw: unknown;
      /** The item's text as the sender wrote it, when the body came as text or bytes (envelope items). */
      readonly rawText?: string;
      readonly reasons: readonly string[];
    };

/** What an envelope gives its items (defaults and numbering): kept with a dead-lettered item for its replay. */
export interface EnvelopeContext {
  readonly batchId: string;
  readonly site?: string;
  readonly machine?: string;
  readonly seq?: number;
  readonly traceparent?: string;
}

export interface ParsedQueueMessage {
  readonly kind: 'envelope' | 'bare';
  /** The envelope's batch id; undefined for a bare message (its queue message id stands in). */
  readonly batchId: string | undefined;
  readonly seq: number | undefined;
  readonly traceparent: string | undefined;
  readonly items: readonly ParsedItem[];
  /** The envelope's defaults and numbering; undefined for a bare message. */
  readonly envelope?: EnvelopeContext;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const looksLikeEnvelope = (value: Record<string, unknown>): boolean =>
  'schema' in value || 'messages' in value;

/**
 * Parses a queue trigger payload into its status messages. A body that is not usable as a whole (not JSON,
 * not an object, a malformed envelope) throws a ValidationError; an invalid item inside a well-formed
 * envelope is returned as a failed item so that its valid siblings can still be stored.
 */
export const parseQueueMessage = (payload: unknown): ParsedQueueMessage => {
  const { value: body, text } = decodeBodyText(payload);
  if (!isPlainObject(body)) {
    const got = Array.isArray(body) ? 'an array' : body === null ? 'null' : `a ${typeof body}`;
    throw new ValidationError([`body: must be a JSON object (an envelope or a status message), got ${got}`]);
  }
  if (!looksLikeEnvelope(body)) {
    const checked = checkStatusMessage(body);
    const item: ParsedItem = checked.ok
      ? { position: 0, ok: true, message: checked.value }
      : { position: 0, ok: false, raw: body, reasons: checked.reasons };
    return { kind: 'bare', batchId: undefined, seq: undefined, traceparent: undefined, items: [item] };
  }
  const envelope = checkEnvelope(body);
  if (!envelope.ok) throw new ValidationError(envelope.reasons);
  const { site, machine, messages, offset = 0 } = envelope.value;
  if (offset + messages.length > limits.maxMessagesPerEnvelope) {
    throw new ValidationError([
      `offset: offset (${offset}) plus the number of messages (${messages.length}) must be at most ${limits.maxMessagesPerEnvelope}`,
    ]);
  }
  const items = (messages as unknown[]).map((raw, index): ParsedItem => {
    const position = offset + index;
    // A non-object item is checked as it is, so that its reason says "must be an object".
    // (Spread, never Object.assign: a JSON "__proto__" key must stay a plain property.)
    const merged = !isPlainObject(raw)
      ? raw
      : site !== undefined && machine !== undefined
        ? { site, machine, ...raw }
        : { ...(site === undefined ? {} : { site }), ...(machine === undefined ? {} : { machine }), ...raw };
    // `merged` is a fresh object of ours: the check may normalize it in place instead of copying it.
    const checked = checkStatusMessage(merged, `messages[${index}]`, merged !== raw);
    return checked.ok
      ? { position, ok: true, message: checked.value }
      : { position, ok: false, raw, reasons: checked.reasons };
  });
  const batchId = envelope.value.batchId.toLowerCase();
  // Only for a body with bad items: the text of each item as sent, which its dead letter keeps.
  const texts = text !== undefined && items.some((item) => !item.ok) ? messageItemTexts(text) : undefined;
  return {
    kind: 'envelope',
    batchId,
    seq: envelope.value.seq,
    traceparent: envelope.value.traceparent,
    items: texts
      ? items.map((item, index) => {
          const rawText = texts[index];
          return item.ok || rawText === undefined ? item : { ...item, rawText };
        })
      : items,
    envelope: {
      batchId,
      ...(site === undefined ? {} : { site }),
      ...(machine === undefined ? {} : { machine }),
      ...(envelope.value.seq === undefined ? {} : { seq: envelope.value.seq }),
      ...(envelope.value.traceparent === undefined ? {} : { traceparent: envelope.value.traceparent }),
    },
  };
};
