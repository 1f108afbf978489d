import type { Container } from '@azure/cosmos';
import { sleep } from '../local/sleep';
import { classifyCosmosError } from '../cosmos/cosmos-errors';

/** How many stored status messages belong to the given batches (one query per 100 batch ids). */
export const countStored = async (container: Container, batchIds: readonly string[]): Promise<number> => {
  let total = 0;
  for (let i = 0; i < batchIds.length; i += 100) {
    const chunk = batchIds.slice(i, i + 100);
    try {
      const { resources } = await container.items
        .query<number>({
          query: 'SELECT VALUE COUNT(1) FROM c WHERE ARRAY_CONTAINS(@batchIds, c.batchId)',
          parameters: [{ name: '@batchIds', value: chunk }],
        })
        .fetchAll();
      total += resources.reduce((sum, n) => sum + n, 0);
    } catch (error) {
      throw classifyCosmosError(error, 'counting stored messages');
    }
  }
  return total;
};

/** Polls until `expected` messages of these batches are stored, or the timeout passes; returns the count. */
export const waitStored = async (
  container: Container,
  batchIds: readonly string[],
  expected: number,
  timeoutMs: number,
  onProgress?: (stored: number) => void,
): Promise<number> => {
  const deadline = Date.now() + timeoutMs;
  let stored = 0;
  while (Date.now() < deadline) {
    stored = await countStored(container, batchIds);
    onProgress?.(stored);
    if (stored >= expected) return stored;
    await sleep(250);
  }
  return stored;
};
