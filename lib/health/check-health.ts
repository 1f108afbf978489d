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

/**
 * Runs one backend check with a deadline. On timeout the check's request is cancelled (its AbortSignal
 * fires, the SDK drops the connection), so a hanging backend never piles up open requests.
 */
const check = async (
  work: (signal: AbortSignal) => Promise<Omit<PartHealth, 'ok'>>,
  ms: number,
): Promise<PartHealth> => {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${ms} ms (cancelled)`));
    }, ms);
  });
  try {
    return { ok: true, ...(await Promise.race([work(controller.signal), timeout])) };
  } catch (error) {
    return { ok: false, detail: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
};

const queuePart = (client: Runtime['queues']['main']) => async (abortSignal: AbortSignal) => {
  const properties = await client.getProperties({ abortSignal });
  return {
    detail: `queue ${client.name} reachable`,
    approximateMessages: properties.approximateMessagesCount ?? 0,
  };
};

const containerPart = (container: Runtime['containers']['messages']) => async (abortSignal: AbortSignal) => {
  await container.read({ abortSignal });
  return { detail: `container ${container.id} reachable` };
};

/** Checks every part the pipeline needs: the queue, the poison queue and the three Cosmos containers. */
export const checkHealth = async (
  runtime: Pick<Runtime, 'queues' | 'containers'>,
  timeoutMs = 5000,
): Promise<HealthReport> => {
  const { queues, containers } = runtime;
  const [queue, poisonQueue, cosmosMessages, cosmosDeadletters, cosmosAgents] = await Promise.all([
    check(queuePart(queues.main), timeoutMs),
    check(queuePart(queues.poison), timeoutMs),
    check(containerPart(containers.messages), timeoutMs),
    check(containerPart(containers.deadletters), timeoutMs),
    check(containerPart(containers.agents), timeoutMs),
  ]);
  const parts = { queue, poisonQueue, cosmosMessages, cosmosDeadletters, cosmosAgents };
  return { ok: Object.values(parts).every((part) => part.ok), parts };
};
