import { ValidationError } from '../errors';

const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false; error: string } => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    // The parser's own complaint (e.g. `Unexpected token } in JSON at position 42`) helps the sender.
    return { ok: false, error: error instanceof Error ? error.message.slice(0, 200) : 'parse error' };
  }
};

/** UTF-8 bytes to text; invalid sequences are a validation error, never silently replaced. */
const utf8 = (bytes: Uint8Array, what: string): string => {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new ValidationError([`body: ${what} not valid UTF-8; send UTF-8 JSON`]);
  }
};

/** A decoded body: its JSON value and, when it came as text or bytes, the JSON text that was parsed. */
export interface DecodedBody {
  readonly value: unknown;
  readonly text: string | undefined;
}

/**
 * Turns a queue trigger payload into a JSON value, with the JSON text it was parsed from. The Functions host
 * hands over an already parsed object when the text is JSON (no text then), a string otherwise; a string may
 * be plain JSON or base64 of JSON (the Functions default encoding), so both are accepted. Bytes (a trigger
 * declared `dataType: 'binary'`) must be UTF-8 and are then read as that text.
 */
export const decodeBodyText = (payload: unknown): DecodedBody => {
  if (payload instanceof Uint8Array) {
    const decoded = decodeText(utf8(payload, 'the bytes are'));
    // A plain JSON string is read once more, as when the library parsed the text before us (a trigger
    // without a data type): a double-encoded body (`"{\"time\":...}"`) is accepted as it always was.
    return decoded.plain && typeof decoded.value === 'string' ? decodeText(decoded.value) : decoded;
  }
  if (typeof payload !== 'string') return { value: payload, text: undefined };
  return decodeText(payload);
};

const decodeText = (payload: string): DecodedBody & { readonly plain: boolean } => {
  const text = payload.trim();
  if (text === '') throw new ValidationError(['body: is empty; expected a JSON object']);
  const plain = parseJson(text);
  if (plain.ok) return { value: plain.value, text, plain: true };
  if (text.length % 4 === 0 && base64Pattern.test(text)) {
    const decodedText = utf8(Buffer.from(text, 'base64'), 'is base64 but the decoded bytes are');
    const decoded = parseJson(decodedText);
    if (decoded.ok) return { value: decoded.value, text: decodedText, plain: false };
    throw new ValidationError(['body: is base64 but the decoded text is not JSON']);
  }
  const what = /^[[{"]/.test(text)
    ? 'looks like JSON but does not parse'
    : 'is neither JSON nor base64-encoded JSON';
  throw new ValidationError([`body: ${what} (${plain.error})`]);
};

/** The JSON value of a queue trigger payload (see decodeBodyText). */
export const decodeBody = (payload: unknown): unknown => decodeBodyText(payload).value;

/**
 * JSON.stringify without recursion: a body nested deeper than the call stack (a 60 KB `[[[[...]]]]` fits in
 * a queue message) must still be kept as a dead letter rather than crash the function.
 */
const stringifyIteratively = (root: unknown): string => {
  const out: string[] = [];
  type Frame = { kind: 'value'; value: unknown } | { kind: 'text'; text: string };
  const stack: Frame[] = [{ kind: 'value', value: root }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.kind === 'text') {
      out.push(frame.text);
      continue;
    }
    const { value } = frame;
    if (Array.isArray(value)) {
      const frames: Frame[] = [{ kind: 'text', text: '[' }];
      value.forEach((item, i) => {
        if (i > 0) frames.push({ kind: 'text', text: ',' });
        frames.push({ kind: 'value', value: item === undefined ? null : item });
      });
      frames.push({ kind: 'text', text: ']' });
      stack.push(...frames.reverse());
    } else if (typeof value === 'object' && value !== null) {
      const frames: Frame[] = [{ kind: 'text', text: '{' }];
      Object.entries(value).forEach(([key, item], i) => {
        frames.push({ kind: 'text', text: `${i > 0 ? ',' : ''}${JSON.stringify(key)}:` });
        frames.push({ kind: 'value', value: item });
      });
      frames.push({ kind: 'text', text: '}' });
      stack.push(...frames.reverse());
    } else {
      out.push(JSON.stringify(value) ?? 'null');
    }
  }
  return out.join('');
};

/**
 * The text of a payload for dead letters (never for logs). Never throws. A string or bytes are kept as they
 * are; a value the library already parsed (a trigger without `dataType: 'binary'`) can only be serialized
 * again, which loses what JSON.parse lost (see docs/dead-letters.md).
 */
export const rawBodyText = (payload: unknown): string => {
  if (typeof payload === 'string') return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload).toString('utf8');
  try {
    return JSON.stringify(payload) ?? String(payload);
  } catch {
    return stringifyIteratively(payload);
  }
};

/** A body as a dead letter keeps it: its exact text; when its bytes are not UTF-8, also the bytes in base64. */
export interface RawBody {
  /** The exact text; for bytes that are not UTF-8, their text with U+FFFD in place of each bad sequence. */
  readonly raw: string;
  /** Only for bytes that are not UTF-8: all of them, base64-encoded (the lossless form). */
  readonly rawBase64?: string;
}

/** Keeps a leading byte-order mark: the raw text is the bytes as they came, not a cleaned-up reading. */
const exactUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body a trigger with `dataType: 'binary'` received (bytes), or any other payload, as a dead letter keeps it. */
export const rawBodyOf = (payload: unknown): RawBody => {
  if (!(payload instanceof Uint8Array)) return { raw: rawBodyText(payload) };
  try {
    return { raw: exactUtf8.decode(payload) };
  } catch {
    const bytes = Buffer.from(payload);
    return { raw: bytes.toString('utf8'), rawBase64: bytes.toString('base64') };
  }
};

/** The bytes of a kept body: the base64 bytes when there are some, else the text as UTF-8. */
export const rawBodyBytes = (body: RawBody): Buffer =>
  body.rawBase64 === undefined ? Buffer.from(body.raw, 'utf8') : Buffer.from(body.rawBase64, 'base64');
