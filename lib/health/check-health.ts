import { describeError } from '../errors';
import type { Runtime } from '../runtime';

export interface PartHealth {
  readonly ok: boolean;
  readonly detail: string;
  readonly approximateMessages?: number;
}

export interface HealthReport {
  readonly ok: boolean;
  readonly parts: Readonly<Record<string, PartHealth>>;
}

const withTimeout = async <T>(work: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

const check = async (work: () => Promise<Omit<PartHealth, 'ok'>>, ms: number): Promise<PartHealth> => {
  try {
    return { ok: true, ...(await withTimeout(work(), ms)) };
  } catch (error) {
    return { ok: false, detail: describeError(error) };
  }
};

const queuePart = (client: Runtime['queues']['main']) => async () => {
  const properties = await client.getProperties();
  return {
    detail: `queue ${client.name} reachable`,
    approximateMessages: properties.approximateMessagesCount ?? 0,
  };
};

const containerPart = (container: Runtime['containers']['messages']) => async () => {
  await container.read();
  return { detail: `container ${container.id} reachable` };
};

/** Checks every part the pipeline needs: the queue, the poison queue and the Cosmos containers. */
export const checkHealth = async (runtime: Runtime, timeoutMs = 5000): Promise<HealthReport> => {
  const { queues, containers } = runtime;
  const [queue, poisonQueue, cosmosMessages, cosmosDeadletters, cosmosAgents, cosmosSummaries] =
    await Promise.all([
      check(queuePart(queues.main), timeoutMs),
      check(queuePart(queues.poison), timeoutMs),
      check(containerPart(containers.messages), timeoutMs),
      check(containerPart(containers.deadletters), timeoutMs),
      check(containerPart(containers.agents), timeoutMs),
      check(containerPart(containers.summaries), timeoutMs),
    ]);
  const parts = { queue, poisonQueue, cosmosMessages, cosmosDeadletters, cosmosAgents, cosmosSummaries };
  return { ok: Object.values(parts).every((part) => part.ok), parts };
};
