import { DefaultAzureCredential } from '@azure/identity';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import type { StorageSettings } from '../config';
import { names } from '../names';
import { classifyQueueError } from './queue-errors';

export const createQueueServiceClient = (settings: StorageSettings): QueueServiceClient =>
  settings.kind === 'connectionString'
    ? QueueServiceClient.fromConnectionString(settings.connectionString)
    : new QueueServiceClient(
        settings.queueServiceUri,
        new DefaultAzureCredential({ managedIdentityClientId: settings.clientId }),
      );

export interface StatusQueues {
  readonly service: QueueServiceClient;
  readonly main: QueueClient;
  readonly poison: QueueClient;
}

export const openQueues = (service: QueueServiceClient): StatusQueues => ({
  service,
  main: service.getQueueClient(names.queue),
  poison: service.getQueueClient(names.poisonQueue),
});

/** Creates the queue and its poison queue when missing (local emulators and tests; Bicep does it in Azure). */
export const ensureQueues = async (queues: StatusQueues): Promise<void> => {
  try {
    await queues.main.createIfNotExists();
    await queues.poison.createIfNotExists();
  } catch (error) {
    throw classifyQueueError(error, 'creating queues');
  }
};

/** Messages the agent and statmgr itself enqueue never expire: TTL -1. */
export const neverExpires = { messageTimeToLive: -1 } as const;
