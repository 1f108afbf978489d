import { Agent } from 'node:https';
import { CosmosClient, PartitionKeyKind, type Container, type Database } from '@azure/cosmos';
import { DefaultAzureCredential } from '@azure/identity';
import type { CosmosSettings } from '../config';
import { names } from '../names';
import { messageCompositeIndexes } from './message-indexes';

export interface CosmosContainers {
  readonly client: CosmosClient;
  readonly messages: Container;
  readonly deadletters: Container;
  readonly agents: Container;
  readonly summaries: Container;
  readonly rules: Container;
}

/** One client per process: it keeps its connections open (keep-alive) for every request. */
export const createCosmosClient = (settings: CosmosSettings): CosmosClient =>
  new CosmosClient({
    endpoint: settings.endpoint,
    ...(settings.key
      ? { key: settings.key }
      : { aadCredentials: new DefaultAzureCredential({ managedIdentityClientId: settings.clientId }) }),
    agent: new Agent({
      keepAlive: true,
      maxSockets: 64,
      rejectUnauthorized: !settings.allowSelfSignedCertificate,
    }),
    connectionPolicy: {
      requestTimeout: 15_000,
      enableEndpointDiscovery: !settings.allowSelfSignedCertificate,
    },
  });

export const openContainers = (client: CosmosClient, database: string): CosmosContainers => {
  const db = client.database(database);
  return {
    client,
    messages: db.container(names.messagesContainer),
    deadletters: db.container(names.deadlettersContainer),
    agents: db.container(names.agentsContainer),
    summaries: db.container(names.summariesContainer),
    rules: db.container(names.rulesContainer),
  };
};

/**
 * Creates the database and containers when missing, with the partition keys the code relies on.
 * Used by the local emulators and tests; in Azure the Bicep templates create them.
 */
export const ensureCosmosResources = async (client: CosmosClient, database: string): Promise<Database> => {
  const { database: db } = await client.databases.createIfNotExists({ id: database });
  await db.containers.createIfNotExists({
    id: names.messagesContainer,
    partitionKey: {
      paths: [...names.messagesPartitionKeyPaths],
      kind: PartitionKeyKind.MultiHash,
      version: 2,
    },
    // The same composite indexes as the Bicep, so that a query Azure could not serve fails here too.
    indexingPolicy: { compositeIndexes: messageCompositeIndexes.map((index) => [...index]) },
  });
  await db.containers.createIfNotExists({
    id: names.deadlettersContainer,
    partitionKey: { paths: [names.deadlettersPartitionKeyPath] },
    // TTL on, no default: dead letters never expire; only last-failure notes carry their own `ttl`.
    defaultTtl: -1,
  });
  await db.containers.createIfNotExists({
    id: names.agentsContainer,
    partitionKey: {
      paths: [...names.messagesPartitionKeyPaths],
      kind: PartitionKeyKind.MultiHash,
      version: 2,
    },
  });
  await db.containers.createIfNotExists({
    id: names.summariesContainer,
    partitionKey: { paths: [names.summariesPartitionKeyPath] },
    // In Azure the default TTL is the messages' retention (Bicep); the emulator has no TTL expiry.
    defaultTtl: -1,
  });
  await db.containers.createIfNotExists({
    id: names.rulesContainer,
    partitionKey: { paths: [names.rulesPartitionKeyPath] },
  });
  return db;
};
