import { DefaultAzureCredential } from '@azure/identity';
import {
  AnonymousCredential,
  QueueServiceClient,
  type QueueClient,
  type StoragePipelineOptions,
} from '@azure/storage-queue';
import type { StorageSettings } from '../config';
import { names } from '../names';

/** How an agent authenticates to the Storage account that holds the queue. */
export type AgentStorageAuth =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  /** A queue service URL with a SAS token in its query string (`?sv=...&sig=...`). */
  | { readonly kind: 'sas'; readonly url: string }
  /** Entra ID through @azure/identity (environment, workload or managed identity, Azure CLI, ...). */
  | { readonly kind: 'entra'; readonly url: string; readonly clientId: string | undefined };

/** A service URL carrying `sig=` is a SAS URL; any other URL means Entra ID. */
export const authForUrl = (url: string, clientId?: string): AgentStorageAuth =>
  new URL(url).searchParams.has('sig') ? { kind: 'sas', url } : { kind: 'entra', url, clientId };

export const authFromSettings = (settings: StorageSettings): AgentStorageAuth =>
  settings.kind === 'connectionString'
    ? { kind: 'connectionString', connectionString: settings.connectionString }
    : authForUrl(settings.queueServiceUri, settings.clientId);

/**
 * The SDK's own retries are kept short: the reporter retries with its own backoff and jitter for as long
 * as the queue is unreachable, and must notice promptly when it is back.
 */
const pipeline: StoragePipelineOptions = {
  retryOptions: { maxTries: 2, retryDelayInMs: 500, maxRetryDelayInMs: 2000, tryTimeoutInMs: 30_000 },
};

/** The `status-messages` queue client an agent sends to (a connection string may itself carry a SAS). */
export const agentQueueClient = (auth: AgentStorageAuth): QueueClient => {
  const service =
    auth.kind === 'connectionString'
      ? QueueServiceClient.fromConnectionString(auth.connectionString, pipeline)
      : auth.kind === 'sas'
        ? new QueueServiceClient(auth.url, new AnonymousCredential(), pipeline)
        : new QueueServiceClient(
            auth.url,
            new DefaultAzureCredential({ managedIdentityClientId: auth.clientId }),
            pipeline,
          );
  return service.getQueueClient(names.queue);
};
