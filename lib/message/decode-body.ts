import { ValidationError } from '../errors';

const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
};

/**
 * Turns a queue trigger payload into a JSON value. The Functions host hands over an already parsed
 * object when the text is JSON, a string otherwise; a string may be plain JSON or base64 of JSON
 * (the Functions default encoding), so both are accepted.
 */
export const decodeBody = (payload: unknown): unknown => {
  if (Buffer.isBuffer(payload)) return decodeBody(payload.toString('utf8'));
  if (typeof payload !== 'string') return payload;
  const text = payload.trim();
  if (text === '') throw new ValidationError(['body: is empty; expected a JSON object']);
  const plain = parseJson(text);
  if (plain.ok) return plain.value;
  if (text.length % 4 === 0 && base64Pattern.test(text)) {
    const decoded = parseJson(Buffer.from(text, 'base64').toString('utf8'));
    if (decoded.ok) return decoded.value;
    throw new ValidationError(['body: is base64 but the decoded bytes are not UTF-8 JSON']);
  }
  throw new ValidationError(['body: is neither JSON nor base64-encoded JSON']);
};

/** The raw text of a payload as it was received, for dead letters (never for logs). */
export const rawBodyText = (payload: unknown): string => {
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  try {
    return JSON.stringify(payload) ?? String(payload);
  } catch {
    return String(payload);
  }
};
