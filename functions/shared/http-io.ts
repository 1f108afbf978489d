import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { isTransient, TooLargeError, ValidationError } from '../../lib/errors';

/**
 * Input and errors of the HTTP functions: bad input is a 400 naming the field and the rule, oversize a 413,
 * a dependency that is down a 503; only a bug is a 500. Queries and bodies are validated before any use.
 */

/** The Functions host's own query parameter: the function key (`?code=KEY`), never an input of ours. */
export const keyParameter = 'code';

/**
 * The query as one string per name, without the function key; a name given twice is an error rather than a
 * silent pick, unless it is `repeatable`. Read from the URL itself: the Functions host's `request.query`
 * keeps one value per name.
 */
export const queryOf = (request: HttpRequest, repeatable: readonly string[] = []): Record<string, string> => {
  const query: Record<string, string> = {};
  const reasons: string[] = [];
  const params = new URL(request.url).searchParams;
  for (const name of new Set(params.keys())) {
    if (name === keyParameter) continue;
    const values = params.getAll(name);
    // A repeatable name (`severity=error&severity=warning`) is joined into one comma list.
    if (repeatable.includes(name)) query[name] = values.join(',');
    else {
      if (values.length > 1) reasons.push(`query.${name}: is given ${values.length} times; give it once`);
      query[name] = values[0] ?? '';
    }
  }
  if (reasons.length > 0) throw new ValidationError(reasons);
  return query;
};

/** The JSON body, undefined when empty; larger than `maxBytes`: TooLargeError (413). */
export const jsonBodyOf = async (request: HttpRequest, maxBytes: number): Promise<unknown> => {
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > maxBytes) {
    throw new TooLargeError([`body: is ${bytes.length} bytes; this endpoint takes at most ${maxBytes}`]);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError(['body: is not valid UTF-8']);
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError([
      `body: is not JSON (${error instanceof Error ? error.message : 'parse error'})`,
    ]);
  }
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit => ({
  status,
  jsonBody: body,
  headers,
});

/** Runs a handler and turns statmgr errors into 400/413/503 answers; anything else is a bug and rethrown. */
export const answer = async (work: () => Promise<HttpResponseInit>): Promise<HttpResponseInit> => {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TooLargeError)
      return json(413, { error: 'payload too large', reasons: error.reasons });
    if (error instanceof ValidationError) return json(400, { error: 'bad request', reasons: error.reasons });
    if (isTransient(error)) {
      const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 5000) / 1000));
      return json(
        503,
        { error: 'a dependency is unavailable, try again', detail: error.message },
        {
          'retry-after': String(seconds),
        },
      );
    }
    throw error;
  }
};

/** Text chunks as a response body that is sent while the chunks are produced (a streamed download). */
export async function* streamOf(chunks: AsyncIterable<string>): AsyncIterable<Uint8Array> {
  const encoder = new TextEncoder();
  for await (const chunk of chunks) yield encoder.encode(chunk);
}
