import { DefaultAzureCredential } from '@azure/identity';
import {
  AnonymousCredential,
  QueueServiceClient,
  type QueueClient,
  type StoragePipelineOptions,
} from '@azure/storage-queue';
import type { StorageSettings } from '../config';
import { ValidationError } from '../errors';
import { names } from '../names';
import { isLoopbackHost, withoutQuery } from '../util/loopback';

/** How an agent authenticates to the Storage account that holds the queue. */
export type AgentStorageAuth =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  /** A queue service URL with a SAS token in its query string (`?sv=...&sig=...`). */
  | { readonly kind: 'sas'; readonly url: string }
  /** Entra ID through @azure/identity (environment, workload or managed identity, Azure CLI, ...). */
  | { readonly kind: 'entra'; readonly url: string; readonly clientId: string | undefined };

const plainHttpRefused = (what: string): ValidationError =>
  new ValidationError([
    `${what}: a SAS or key over http:// travels in clear; use https:// (http:// is only allowed to a ` +
      'loopback address such as 127.0.0.1, e.g. Azurite)',
  ]);

/**
 * A service URL carrying `sig=` is a SAS URL; any other URL means Entra ID. A SAS URL must use https://
 * unless its host is a loopback address (decided by the address, not the name's prefix).
 */
export const authForUrl = (url: string, clientId?: string): AgentStorageAuth => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError([`queue URL: must be an absolute URL, got "${withoutQuery(url)}"`]);
  }
  if (!parsed.searchParams.has('sig')) return { kind: 'entra', url, clientId };
  if (parsed.protocol !== 'https:' && !isLoopbackHost(parsed.hostname)) throw plainHttpRefused('queue URL');
  return { kind: 'sas', url };
};

/** The queue service URL with a SAS token (`sv=...&sig=...`, with or without a leading `?`) as its query. */
export const withSas = (url: string, sas: string): string => {
  const token = sas.trim().replace(/^\?/, '');
  if (!/(^|&)sig=/.test(token)) {
    throw new ValidationError(['SAS: is not a SAS token (expected sv=...&sig=...); it is not shown here']);
  }
  const base = url.replace(/\?.*$/, '');
  return `${base}?${token}`;
};

/** A connection string that carries a secret (key or SAS) must not send it over http:// to a remote host. */
export const checkConnectionString = (connectionString: string): void => {
  const fields = new Map(
    connectionString
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const at = part.indexOf('=');
        return [part.slice(0, at).toLowerCase(), part.slice(at + 1)] as const;
      }),
  );
  if (!fields.has('accountkey') && !fields.has('sharedaccesssignature')) return;
  const endpoint = fields.get('queueendpoint');
  const http = endpoint
    ? endpoint.toLowerCase().startsWith('http:')
    : fields.get('defaultendpointsprotocol') === 'http';
  let host = '';
  try {
    host = endpoint ? new URL(endpoint).hostname : '';
  } catch {
    host = '';
  }
  if (http && !isLoopbackHost(host)) throw plainHttpRefused('connection string');
};

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
  if (auth.kind === 'connectionString') checkConnectionString(auth.connectionString);
  if (auth.kind === 'sas') authForUrl(auth.url);
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
