import { messageCompositeIndexes } from '../../lib/cosmos/message-indexes';
import { buildMessageQuery } from '../../lib/query/build-message-query';
import type { MessageQuery } from '../../lib/query/message-query';
import { property, readInfra, resources } from '../helpers/bicep';

/** The indexing policy block of the status-messages container in the Bicep. */
const messagesPolicy = (): string => {
  const messages = resources(readInfra('modules/cosmos.bicep')).find(
    (r) =>
      r.type === 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers' &&
      r.body.includes("'status-messages'"),
  );
  return property(messages!.body, 'indexingPolicy');
};

/** The composite indexes the Bicep deploys on status-messages, as `/path order` lists. */
const deployedIndexes = (): string[][] =>
  property(messagesPolicy(), 'compositeIndexes')
    .slice(1, -1)
    .split('\n')
    .map((line) => [...line.matchAll(/path: '([^']+)', order: '(\w+)'/g)].map((m) => `${m[1]} ${m[2]}`))
    .filter((index) => index.length > 0);

const filters: Partial<MessageQuery> = {
  site: 'P01',
  machine: 'WS-1',
  component: 'CCMEXEC',
  severity: ['error'],
  messageId: 500,
  messageType: 'audit',
};

/** Every combination of the equality filters, with one and with two severities, and with a time range. */
const queryShapes = (): MessageQuery[] => {
  const names = Object.keys(filters) as (keyof MessageQuery)[];
  const shapes: MessageQuery[] = [];
  for (let mask = 0; mask < 1 << names.length; mask += 1) {
    const query: Record<string, unknown> = { limit: 10 };
    names.forEach((name, i) => mask & (1 << i) && (query[name] = filters[name]));
    shapes.push(query as unknown as MessageQuery);
    if (query.severity)
      shapes.push({ ...(query as unknown as MessageQuery), severity: ['error', 'warning'] });
    shapes.push({ ...(query as unknown as MessageQuery), since: '2026-01-01T00:00:00.000Z' });
  }
  return shapes;
};

describe('status-messages indexing policy (infra/modules/cosmos.bicep) against the query API', () => {
  it('deploys exactly the composite indexes of lib/cosmos/message-indexes.ts (the emulator gets the same)', () => {
    expect(deployedIndexes()).toEqual(
      messageCompositeIndexes.map((index) => index.map(({ path, order }) => `${path} ${order}`)),
    );
  });

  it('serves every query shape: a multi-field ORDER BY matches a deployed composite index, else it is time alone', () => {
    const deployed = new Set(deployedIndexes().map((index) => index.join(', ')));
    const included = [...property(messagesPolicy(), 'includedPaths').matchAll(/path: '\/(\w+)\/\?'/g)].map(
      (m) => m[1],
    );
    for (const shape of queryShapes()) {
      const built = buildMessageQuery(shape);
      expect(built.orderBy.at(-1)).toEqual({ field: 'time', order: 'DESC' });
      if (built.orderBy.length > 1) {
        const wanted = built.orderBy
          .map(({ field, order }) => `/${field} ${order === 'ASC' ? 'ascending' : 'descending'}`)
          .join(', ');
        expect({ query: built.query, index: deployed.has(wanted) }).toEqual({
          query: built.query,
          index: true,
        });
      }
      // Every field the query filters or sorts on has a range index (the policy excludes /* by default).
      for (const field of new Set([...built.query.matchAll(/c\.(\w+)/g)].map((m) => m[1])))
        expect({ field, indexed: included.includes(field) }).toEqual({ field, indexed: true });
    }
  });

  it('puts the site first in the ORDER BY whenever a site is filtered (composite index, one key prefix)', () => {
    for (const shape of queryShapes().filter((q) => q.site !== undefined))
      expect(buildMessageQuery(shape).orderBy[0]?.field).toBe('site');
  });
});
