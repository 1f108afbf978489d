import { startEmulators, type Emulators } from '../../lib/local/emulators';
import { createCosmosClient, openContainers, type CosmosContainers } from '../../lib/cosmos/cosmos-client';
import { createQueueServiceClient, openQueues, type StatusQueues } from '../../lib/queue/queue-client';

export interface TestStack {
  readonly emulators: Emulators;
  readonly queues: StatusQueues;
  readonly containers: CosmosContainers;
  /** Settings that point a host process at these emulators. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Starts a private Azurite and Cosmos emulator on free ports for one test file (beforeAll) and stops them
 * (afterAll, Azurite by its pid). Each file gets its own, so files running in parallel never share a queue.
 */
export const useEmulators = (): (() => TestStack) => {
  let stack: TestStack | undefined;
  beforeAll(async () => {
    const emulators = await startEmulators({ queue: 0, cosmos: 0 });
    const client = createCosmosClient(emulators.config.cosmos);
    stack = {
      emulators,
      queues: openQueues(createQueueServiceClient(emulators.config.storage)),
      containers: openContainers(client, emulators.config.cosmos.database),
      env: emulators.env,
    };
  }, 60_000);
  afterAll(async () => {
    stack?.containers.client.dispose();
    await stack?.emulators.stop();
  }, 30_000);
  return () => {
    if (!stack) throw new Error('emulators are not started (useEmulators must run in a describe block)');
    return stack;
  };
};
