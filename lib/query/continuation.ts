import { createHash } from 'node:crypto';
import { ValidationError } from '../errors';
import type { CosmosMessageQuery } from './build-message-query';

/**
 * The API's continuation token: opaque (base64url) and bound to the query it was given for, so that a token
 * passed with other filters is a clear 400 rather than a page of some other query.
 */
interface TokenBody {
  readonly v: 1;
  /** Hash of the query text and parameters. */
  readonly q: string;
  /** The Cosmos continuation token. */
  readonly c: string;
}

const queryHash = (query: CosmosMessageQuery): string =>
  createHash('sha256')
    .update(JSON.stringify([query.query, query.parameters]))
    .digest('base64url')
    .slice(0, 16);

export const encodeContinuation = (query: CosmosMessageQuery, cosmosToken: string): string =>
  Buffer.from(JSON.stringify({ v: 1, q: queryHash(query), c: cosmosToken } satisfies TokenBody)).toString(
    'base64url',
  );

export const badContinuation = (why: string): ValidationError =>
  new ValidationError([`query.continuation: ${why}; pass the continuation of the previous page unchanged`]);

/** The Cosmos token inside an API token; ValidationError (400) when it is not one or belongs to another query. */
export const decodeContinuation = (query: CosmosMessageQuery, token: string): string => {
  let body: Partial<TokenBody>;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    throw badContinuation('is not a continuation this API gave out');
  }
  if (body?.v !== 1 || typeof body.q !== 'string' || typeof body.c !== 'string')
    throw badContinuation('is not a continuation this API gave out');
  if (body.q !== queryHash(query))
    throw badContinuation('was given out for other filters (site, machine, severity, ...)');
  return body.c;
};
