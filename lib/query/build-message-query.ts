import type { PartitionKey, SqlParameter } from '@azure/cosmos';
import { messageCompositeIndexes } from '../cosmos/message-indexes';
import type { MessageQuery } from './message-query';

export interface CosmosMessageQuery {
  readonly query: string;
  readonly parameters: SqlParameter[];
  /**
   * The full hierarchical key when site and machine are both given: the query runs in that one logical
   * partition. A site alone is passed as the `c.site` filter, which Cosmos routes to the physical partitions
   * of that key prefix (the JS SDK 4.x takes a prefix key for the change feed only, not for queries).
   */
  readonly partitionKey: PartitionKey | undefined;
  /** The ORDER BY fields, for the check against the indexing policy. */
  readonly orderBy: readonly { readonly field: string; readonly order: 'ASC' | 'DESC' }[];
}

/** Fields with an equality filter, in the order the composite indexes put them after `site`. */
const secondKeys = ['machine', 'component', 'severity', 'messageId', 'messageType'] as const;

/** The single value each field is filtered on, when it is an equality on one value. */
const equalities = (query: MessageQuery): Partial<Record<string, string | number>> => ({
  ...(query.site === undefined ? {} : { site: query.site }),
  ...(query.machine === undefined ? {} : { machine: query.machine }),
  ...(query.component === undefined ? {} : { component: query.component }),
  ...(query.severity?.length === 1 ? { severity: query.severity[0] } : {}),
  ...(query.messageId === undefined ? {} : { messageId: query.messageId }),
  ...(query.messageType === undefined ? {} : { messageType: query.messageType }),
});

const hasIndex = (fields: readonly string[]): boolean =>
  messageCompositeIndexes.some(
    (index) =>
      index.length === fields.length + 1 &&
      fields.every((field, i) => index[i]?.path === `/${field}` && index[i]?.order === 'ascending') &&
      index.at(-1)?.path === '/time' &&
      index.at(-1)?.order === 'descending',
  );

/**
 * Newest first. With a site filter the equality-filtered fields lead the ORDER BY (site, then the first of
 * machine, component, severity, messageId, messageType that is filtered), so that Cosmos serves the query from
 * the matching composite index; as they are equalities, the order is still by time alone.
 */
const orderOf = (query: MessageQuery): CosmosMessageQuery['orderBy'] => {
  const equal = equalities(query);
  const time = { field: 'time', order: 'DESC' } as const;
  if (equal.site === undefined) return [time];
  const second = secondKeys.find((field) => equal[field] !== undefined && hasIndex(['site', field]));
  const lead = second ? ['site', second] : ['site'];
  if (!hasIndex(lead)) return [time];
  return [...lead.map((field) => ({ field, order: 'ASC' as const })), time];
};

/** Every filter is a fixed clause with a parameter: user input never becomes query text. */
export const buildMessageQuery = (query: MessageQuery): CosmosMessageQuery => {
  const clauses: string[] = [];
  const parameters: SqlParameter[] = [];
  const equal = (field: string, value: string | number | undefined): void => {
    if (value === undefined) return;
    clauses.push(`c.${field} = @${field}`);
    parameters.push({ name: `@${field}`, value });
  };
  equal('site', query.site);
  equal('machine', query.machine);
  equal('component', query.component);
  equal('messageId', query.messageId);
  equal('messageType', query.messageType);
  if (query.severity?.length === 1) equal('severity', query.severity[0]);
  else if (query.severity && query.severity.length > 1) {
    const names = query.severity.map((_, i) => `@severity${i}`);
    clauses.push(`c.severity IN (${names.join(', ')})`);
    query.severity.forEach((value, i) => parameters.push({ name: names[i]!, value }));
  }
  if (query.since) {
    clauses.push('c.time >= @since');
    parameters.push({ name: '@since', value: query.since });
  }
  if (query.until) {
    clauses.push('c.time < @until');
    parameters.push({ name: '@until', value: query.until });
  }
  const orderBy = orderOf(query);
  const where = clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : '';
  const order = orderBy.map(({ field, order: direction }) => `c.${field} ${direction}`).join(', ');
  const partitionKey =
    query.site !== undefined && query.machine !== undefined ? [query.site, query.machine] : undefined;
  return { query: `SELECT * FROM c${where} ORDER BY ${order}`, parameters, partitionKey, orderBy };
};
