import type { Container } from '@azure/cosmos';
import { waitUntil } from '../../lib/util/wait-until';

export const countDocuments = async (container: Container): Promise<number> => {
  const { resources } = await container.items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll();
  return resources[0] ?? 0;
};

export const readAll = async <T>(container: Container): Promise<T[]> =>
  (await container.items.query<T>('SELECT * FROM c').fetchAll()).resources;

/** Waits until the container holds at least `expected` documents (a readiness check, not a sleep). */
export const waitForCount = async (
  container: Container,
  expected: number,
  timeoutMs = 60_000,
): Promise<number> => {
  let count = 0;
  await waitUntil(
    async () => (count = await countDocuments(container)) >= expected,
    `${expected} documents`,
    timeoutMs,
    200,
  );
  return count;
};
