import { ValidationError } from '../errors';

/**
 * The `since`/`until` bounds of a list query, checked (until after since) and normalized to UTC ISO strings
 * with milliseconds: stored times are such strings, compared as text.
 */
export const utcTimeRange = <Q extends { since?: string; until?: string }>(query: Q): Q => {
  if (query.since && query.until && Date.parse(query.since) >= Date.parse(query.until)) {
    throw new ValidationError(['query.until: must be later than query.since']);
  }
  return {
    ...query,
    ...(query.since ? { since: new Date(query.since).toISOString() } : {}),
    ...(query.until ? { until: new Date(query.until).toISOString() } : {}),
  };
};
