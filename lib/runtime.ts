import { getConfig, type Config } from './config';
import { createCosmosClient, openContainers, type CosmosContainers } from './cosmos/cosmos-client';
import { createQueueServiceClient, openQueues, type StatusQueues } from './queue/queue-client';
import { defaultCrashHandBackLimit, type RetryPolicy } from './ingest/requeue-delayed';
import { queueHostSettings, readHostJson } from './local/host-settings';
import { hostJsonPath } from './util/paths';
import { createRulesCache, type RulesCache } from './rules/rules-cache';
import { readRules } from './rules/rules-store';

/** The clients a function needs, created once per process from the configuration. */
export interface Runtime {
  readonly config: Config;
  readonly containers: CosmosContainers;
  readonly queues: StatusQueues;
  readonly now: () => Date;
  /** How transient failures are waited out; maxDequeueCount comes from the same host.json the host reads. */
  readonly retry: RetryPolicy;
  /** The status filter rules, read again at most every STATMGR_RULES_REFRESH_SECONDS (30 s). */
  readonly rules: RulesCache;
}

let runtime: Runtime | undefined;

export const getRuntime = (): Runtime => {
  if (!runtime) {
    const config = getConfig();
    const containers = openContainers(createCosmosClient(config.cosmos), config.cosmos.database);
    runtime = {
      config,
      containers,
      queues: openQueues(createQueueServiceClient(config.storage)),
      now: () => new Date(),
      retry: {
        ...config.retry,
        maxDequeueCount: queueHostSettings(readHostJson(config.hostJsonPath ?? hostJsonPath)).maxDequeueCount,
        crashHandBackLimit: defaultCrashHandBackLimit,
      },
      rules: createRulesCache(
        async () => (await readRules(containers.rules)).rules,
        config.rules.refreshSeconds * 1000,
      ),
    };
  }
  return runtime;
};

/** Closes the clients (keep-alive sockets) so that the process can exit; used on shutdown. */
export const disposeRuntime = (): void => {
  runtime?.containers.client.dispose();
  runtime = undefined;
};
