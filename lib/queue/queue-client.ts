import { DefaultAzureCredential } from '@azure/identity';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import type { StorageSettings } from '../config';
import { names } from '../names';
import { classifyQueueError } from './queue-errors';

/**
 * Bounded retries: without a per-try timeout the Storage SDK waits forever on a connection that went silent
 * (a black-holed network path), and a worker would hang instead of failing and retrying. Queue requests are
 * small and answer in milliseconds, so 10 s per try is generous; 3 tries fail within about 40 s.
 */
const queueRetryOptions = {
  retryOptions: { maxTries: 3, tryTimeoutInMs: 10_000, retryDelayInMs: 1_000, maxRetryDelayInMs: 5_000 },
} as const;

export const createQueueServiceClient = (settings: StorageSettings): QueueServiceClient =>
  settings.kind === 'connectionString'
    ? QueueServiceClient.fromConnectionString(settings.connectionString, queueRetryOptions)
    : new QueueServiceClient(
        settings.queueServiceUri,
        new DefaultAzureCredential({ managedIdentityClientId: settings.clientId }),
        queueRetryOptions,
      );

export interface StatusQueues {
  readonly service: QueueServiceClient;
  readonly main: QueueClient;
  readonly poison: QueueClient;
  /** Webhook deliveries of status filter rules, and their poison queue. */
  readonly notifications: QueueClient;
  readonly notificationsPoison: QueueClient;
}

export const openQueues = (service: QueueServiceClient): StatusQueues => ({
  service,
  main: service.getQueueClient(names.queue),
  poison: service.getQueueClient(names.poisonQueue),
  notifications: service.getQueueClient(names.notificationsQueue),
  notificationsPoison: service.getQueueClient(names.notificationsPoisonQueue),
});

/** Creates the queue and its poison queue when missing (local emulators and tests; Bicep does it in Azure). */
export const ensureQueues = async (queues: StatusQueues): Promise<void> => {
  try {
    await queues.main.createIfNotExists();
    await queues.poison.createIfNotExists();
    await queues.notifications.createIfNotExists();
    await queues.notificationsPoison.createIfNotExists();
  } catch (error) {
    throw classifyQueueError(error, 'creating queues');
  }
};

/** Messages the agent and statmgr itself enqueue never expire: TTL -1. */
export const neverExpires = { messageTimeToLive: -1 } as const;
