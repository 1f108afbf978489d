import { hash } from 'node:crypto';
import { statusMessageFields } from './types';

/**
 * The fields of a status message as its sender sent it (after normalization). Only these enter the content
 * hash: never delivery fields (`batchId`, `position`, `seq`, queue message id, storage times), never fields
 * the server adds to a stored document (rules' `ttl`, `summarize`; Cosmos' `_rid`, `_etag`, `_ts`; the hash
 * itself). An agent that re-sends after a crash may pack the same messages differently: same hash. The `id`
 * is left out too: two versions compared on a 409 share it, and a stored document's id may be derived.
 */
const messageFields = statusMessageFields;

/** JSON with object keys sorted at every level, so that key order never changes the hash. */
const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

/** The status message fields of a message or of a stored document (anything else is left out). */
export const messageContent = (message: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const content: Record<string, unknown> = {};
  for (const field of messageFields) {
    const value = message[field];
    if (value === undefined) continue;
    content[field] = value;
  }
  return content;
};

const sha256 = (text: string): string => `sha256:${hash('sha256', text, 'hex')}`;

/**
 * The content hash of a status message (or of a stored document: its server-added fields do not count):
 * `sha256:` and 64 hex digits over the canonical JSON of the sender's fields.
 */
export const contentHashOf = (message: Readonly<Record<string, unknown>>): string =>
  sha256(canonicalMessageJson(message));

/** The fields in canonical (sorted) order, each with its JSON key prefix, computed once. */
const sortedFields = [...messageFields].sort().map((field) => [field, `${JSON.stringify(field)}:`] as const);

const isFlat = (value: unknown[]): boolean =>
  value.every((item) => typeof item !== 'object' || item === null);

/**
 * The sender's fields as canonical JSON (keys sorted): what `contentHashOf` hashes. The same text as
 * `canonicalJson(messageContent(message))`, built without the intermediate object and sort (it runs once per
 * stored status message): the top-level keys come sorted from the fixed field list, and an array of
 * primitives (insertion strings) is canonical as JSON.stringify writes it.
 */
export const canonicalMessageJson = (message: Readonly<Record<string, unknown>>): string => {
  let out = '';
  for (const [field, key] of sortedFields) {
    const value = message[field];
    if (value === undefined) continue;
    const json =
      typeof value !== 'object' || value === null || (Array.isArray(value) && isFlat(value))
        ? JSON.stringify(value)
        : canonicalJson(value);
    out += `${out === '' ? '{' : ','}${key}${json}`;
  }
  return out === '' ? '{}' : `${out}}`;
};

/** The reference form of `canonicalMessageJson` (kept for the test that pins the two as equal). */
export const canonicalMessageJsonReference = (message: Readonly<Record<string, unknown>>): string =>
  canonicalJson(messageContent(message));

/** The content hash of a dead letter: over what was received (the raw text), whatever the reasons. */
export const rawContentHash = (raw: string): string => sha256(raw);
