import type { Container, SqlParameter } from '@azure/cosmos';
import { classifyCosmosError } from '../cosmos/cosmos-errors';
import { PermanentError, ValidationError } from '../errors';
import { compileRequestCheck } from '../message/validate';
import { utcTimeRange } from '../query/time-range';
import { deadLetterSources, deadLetterType, replayStates, type DeadLetter } from './dead-letter';

export interface DeadLetterQuery {
  /** Case-insensitive text that one of the reasons contains, e.g. `severity` or `messages[2]`. */
  readonly reason?: string;
  readonly source?: DeadLetter['source'];
  readonly state?: DeadLetter['replay']['state'];
  /** Dead-lettered at or after (ISO 8601). */
  readonly since?: string;
  /** Dead-lettered before (ISO 8601). */
  readonly until?: string;
  readonly limit: number;
  /** From the previous page's `continuationToken`. */
  readonly continuation?: string;
}

export const maxListLimit = 100;

const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 200 },
    source: { enum: [...deadLetterSources] },
    state: { enum: [...replayStates] },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    limit: { type: 'integer', minimum: 1, maximum: maxListLimit },
    continuation: { type: 'string', minLength: 1, maxLength: 8192 },
  },
} as const;

const checkQuery = compileRequestCheck<Partial<DeadLetterQuery>>(listQuerySchema, 'query');

/** Validates list filters given as strings (an HTTP query, CLI flags); throws ValidationError naming each. */
export const parseDeadLetterQuery = (raw: Readonly<Record<string, string>>): DeadLetterQuery => {
  const checked = checkQuery({ ...raw });
  if (!checked.ok) throw new ValidationError(checked.reasons);
  return utcTimeRange({ limit: 20, ...checked.value });
};

export type DeadLetterSummary = Omit<DeadLetter, 'raw' | 'rawBase64'> & {
  rawPreview: string;
  rawLength: number;
  /** The body's bytes are not UTF-8: `GET /api/deadletters/{id}` has them all in `rawBase64`. */
  rawNotUtf8?: true;
};

export interface DeadLetterPage {
  readonly items: readonly DeadLetterSummary[];
  readonly continuationToken: string | undefined;
}

const summarize = (letter: DeadLetter): DeadLetterSummary => {
  const { raw, rawBase64, ...rest } = letter;
  const clean = Object.fromEntries(Object.entries(rest).filter(([key]) => !key.startsWith('_')));
  return {
    ...(clean as Omit<DeadLetter, 'raw' | 'rawBase64'>),
    rawPreview: raw.length > 200 ? `${raw.slice(0, 200)}...` : raw,
    rawLength: raw.length,
    ...(rawBase64 === undefined ? {} : { rawNotUtf8: true as const }),
  };
};

/** Every filter is a fixed clause with a parameter: user input never becomes query text. */
export const buildListQuery = (query: DeadLetterQuery): { query: string; parameters: SqlParameter[] } => {
  const clauses = ['c.type = @type'];
  const parameters: SqlParameter[] = [{ name: '@type', value: deadLetterType }];
  if (query.source) {
    clauses.push('c.source = @source');
    parameters.push({ name: '@source', value: query.source });
  }
  if (query.state) {
    clauses.push('c.replay.state = @state');
    parameters.push({ name: '@state', value: query.state });
  }
  if (query.since) {
    clauses.push('c.deadLetteredAt >= @since');
    parameters.push({ name: '@since', value: query.since });
  }
  if (query.until) {
    clauses.push('c.deadLetteredAt < @until');
    parameters.push({ name: '@until', value: query.until });
  }
  if (query.reason) {
    clauses.push('EXISTS(SELECT VALUE r FROM r IN c.reasons WHERE CONTAINS(LOWER(r), @reason))');
    parameters.push({ name: '@reason', value: query.reason.toLowerCase() });
  }
  return {
    query: `SELECT * FROM c WHERE ${clauses.join(' AND ')} ORDER BY c.deadLetteredAt DESC`,
    parameters,
  };
};

const badContinuation = (): ValidationError =>
  new ValidationError([
    'query.continuation: is not a continuation token this list gave out (pass continuationToken from the previous page)',
  ]);

const isJsonObject = (text: string): boolean => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
};

/** One page of dead letters, newest first, without their raw bodies (a preview and the length instead). */
export const listDeadLetters = async (
  container: Container,
  query: DeadLetterQuery,
): Promise<DeadLetterPage> => {
  if (query.continuation && !isJsonObject(query.continuation)) throw badContinuation();
  try {
    const page = await container.items
      .query<DeadLetter>(buildListQuery(query), {
        maxItemCount: query.limit,
        ...(query.continuation ? { continuationToken: query.continuation } : {}),
      })
      .fetchNext();
    return { items: page.resources.map(summarize), continuationToken: page.continuationToken };
  } catch (error) {
    const classified = classifyCosmosError(error, 'listing dead letters');
    // A forged or stale continuation token is the caller's mistake, not an outage.
    if (query.continuation && classified instanceof PermanentError) throw badContinuation();
    throw classified;
  }
};

/** One dead letter with its raw body, or undefined. */
export const getDeadLetter = async (container: Container, id: string): Promise<DeadLetter | undefined> => {
  try {
    const { resource } = await container.item(id, id).read<DeadLetter>();
    if (resource?.type !== deadLetterType) return undefined;
    return Object.fromEntries(Object.entries(resource).filter(([key]) => !key.startsWith('_'))) as DeadLetter;
  } catch (error) {
    throw classifyCosmosError(error, `reading dead letter ${id}`);
  }
};
