/**
 * The composite indexes of the `status-messages` container: one per filter the query API can serve with an
 * `ORDER BY <filtered fields>, c.time DESC` (Cosmos needs a composite index for an ORDER BY over several
 * fields, and uses one for an equality filter only when the filtered fields lead the ORDER BY).
 * infra/modules/cosmos.bicep deploys exactly these (test/infra/query-indexes.test.ts checks it), and the local
 * emulator gets them too, so a query the deployed policy cannot serve fails in the tests as it would in Azure.
 */
export interface CompositePath {
  readonly path: string;
  readonly order: 'ascending' | 'descending';
}

const asc = (field: string): CompositePath => ({ path: `/${field}`, order: 'ascending' });
const timeDesc: CompositePath = { path: '/time', order: 'descending' };

export const messageCompositeIndexes: readonly (readonly CompositePath[])[] = [
  [asc('site'), timeDesc],
  [asc('site'), asc('machine'), timeDesc],
  [asc('site'), asc('severity'), timeDesc],
  [asc('site'), asc('component'), timeDesc],
  [asc('site'), asc('messageId'), timeDesc],
  [asc('site'), asc('messageType'), timeDesc],
];
