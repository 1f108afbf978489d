import type { Container, PartitionKey, SqlQuerySpec } from '@azure/cosmos';
import { classifyCosmosError } from '../cosmos/cosmos-errors';

/**
 * Runs a query to the end (in one logical partition when a key is given); any failure becomes a statmgr
 * error naming `what` (TransientError while Cosmos is unavailable). Callers also filter on the partition key's
 * fields in the query text: the emulator ignores a query's partition key.
 */
export const queryAll = async <T>(
  container: Container,
  spec: SqlQuerySpec,
  what: string,
  partitionKey?: PartitionKey,
): Promise<T[]> => {
  try {
    const options = partitionKey === undefined ? {} : { partitionKey };
    return (await container.items.query<T>(spec, options).fetchAll()).resources;
  } catch (error) {
    throw classifyCosmosError(error, what);
  }
};
