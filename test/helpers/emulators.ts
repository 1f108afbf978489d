import { startEmulators, type Emulators } from '../../lib/local/emulators';
import { createCosmosClient, openContainers, type CosmosContainers } from '../../lib/cosmos/cosmos-client';
import { createQueueServiceClient, openQueues, type StatusQueues } from '../../lib/queue/queue-client';
import { loadConfig } from '../../lib/config';
import { startHttpFaultProxy, type HttpFaultProxy } from './http-fault-proxy';
import { strictCosmosCheck, type StrictCosmosCheck } from './strict-cosmos';

export interface TestStack {
  readonly emulators: Emulators;
  readonly queues: StatusQueues;
  /** Reaches Cosmos through `cosmosFront`. */
  readonly containers: CosmosContainers;
  /**
   * The strict Cosmos stand-in every test talks to: an HTTPS proxy in front of the emulator that refuses,
   * as Cosmos does, a write whose partition key is not the document's (test/helpers/strict-cosmos.ts), and
   * that answers HTTP faults on demand (429, 503, 413, slow; test/helpers/http-fault-proxy.ts).
   */
  readonly cosmosFront: HttpFaultProxy;
  /** The strict check behind `cosmosFront` (e.g. to make it refuse chosen documents). */
  readonly strict: StrictCosmosCheck;
  /** Settings that point a host process at these emulators (Cosmos through `cosmosFront`). */
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
    const strict = strictCosmosCheck();
    const cosmosFront = await startHttpFaultProxy({
      targetPort: emulators.cosmosPort,
      tls: true,
      check: strict,
    });
    const env = { ...emulators.env, COSMOS_ENDPOINT: cosmosFront.url };
    const config = loadConfig(env);
    const client = createCosmosClient(config.cosmos);
    stack = {
      emulators,
      queues: openQueues(createQueueServiceClient(config.storage)),
      containers: openContainers(client, config.cosmos.database),
      cosmosFront,
      strict,
      env,
    };
  }, 60_000);
  afterAll(async () => {
    stack?.containers.client.dispose();
    await stack?.cosmosFront.close();
    await stack?.emulators.stop();
  }, 30_000);
  return () => {
    if (!stack) throw new Error('emulators are not started (useEmulators must run in a describe block)');
    return stack;
  };
};
