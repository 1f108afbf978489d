import { getConfig, type Config } from './config';
import { createCosmosClient, openContainers, type CosmosContainers } from './cosmos/cosmos-client';
import { createQueueServiceClient, openQueues, type StatusQueues } from './queue/queue-client';

/** The clients a function needs, created once per process from the configuration. */
export interface Runtime {
  readonly config: Config;
  readonly containers: CosmosContainers;
  readonly queues: StatusQueues;
  readonly now: () => Date;
}

let runtime: Runtime | undefined;

export const getRuntime = (): Runtime => {
  if (!runtime) {
    const config = getConfig();
    runtime = {
      config,
      containers: openContainers(createCosmosClient(config.cosmos), config.cosmos.database),
      queues: openQueues(createQueueServiceClient(config.storage)),
      now: () => new Date(),
    };
  }
  return runtime;
};

/** Closes the clients (keep-alive sockets) so that the process can exit; used on shutdown. */
export const disposeRuntime = (): void => {
  runtime?.containers.client.dispose();
  runtime = undefined;
};
