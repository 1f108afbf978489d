import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../util/paths';
import type { Server } from 'node:https';
import { createHttpsServer } from '@vercel/cosmosdb-server';
import { azuriteConnectionString, type Config, loadConfig } from '../config';
import { createCosmosClient, ensureCosmosResources } from '../cosmos/cosmos-client';
import { createQueueServiceClient, ensureQueues, openQueues } from '../queue/queue-client';
import { freePort } from './free-port';
import { answerMinimalBatches } from './minimal-batch-responses';
import { waitUntil } from '../util/wait-until';
import { stopChild } from './stop-child';

export interface Emulators {
  readonly queuePort: number;
  readonly cosmosPort: number;
  readonly azuritePid: number;
  /** The settings that point statmgr at these emulators (the same names the app settings use). */
  readonly env: Readonly<Record<string, string>>;
  readonly config: Config;
  stop(): Promise<void>;
}

/**
 * Azurite's queue service as a child process, in memory, on 127.0.0.1:port. It runs through azurite-child,
 * which ends it when this process ends (its stdin is a pipe from here), even when this process is killed.
 */
const startAzurite = (port: number): ChildProcess =>
  spawn(
    process.execPath,
    [
      // Compiled (npm test and npm start build first), also when this module runs from source under jest.
      join(projectRoot, 'dist', 'lib', 'local', 'azurite-child.js'),
      '--queueHost',
      '127.0.0.1',
      '--queuePort',
      String(port),
      '--skipApiVersionCheck',
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--silent',
      '--loose',
    ],
    { stdio: ['pipe', 'ignore', 'inherit'] },
  );

const listen = (server: Server, port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

/**
 * Starts Azurite (queues) and the Cosmos DB emulator (@vercel/cosmosdb-server, in this process) and creates
 * the queues, database and containers. Port 0 picks a free port.
 */
export const startEmulators = async (ports: { queue: number; cosmos: number }): Promise<Emulators> => {
  const queuePort = ports.queue || (await freePort());
  const cosmosPort = ports.cosmos || (await freePort());
  const azurite = startAzurite(queuePort);
  const exited = new Promise<never>((_, reject) =>
    azurite.once('exit', (code) =>
      reject(new Error(`Azurite exited with code ${code} (is port ${queuePort} taken?)`)),
    ),
  );
  exited.catch(() => undefined);
  // Keep connections open as Cosmos DB does: the emulator's default answers every request with
  // `Connection: close`, so each request paid a new TLS handshake on both sides.
  const cosmos = createHttpsServer({ keepAlive: true });
  answerMinimalBatches(cosmos);
  const stop = async (): Promise<void> => {
    await stopChild(azurite);
    cosmos.closeAllConnections();
    await new Promise<void>((resolve) => cosmos.close(() => resolve()));
  };
  try {
    await listen(cosmos, cosmosPort);
    const env = {
      StatusStorage: azuriteConnectionString(queuePort),
      COSMOS_ENDPOINT: `https://127.0.0.1:${cosmosPort}`,
    };
    const config = loadConfig(env);
    const queues = openQueues(createQueueServiceClient(config.storage));
    await Promise.race([
      exited,
      waitUntil(async () => (await queues.service.getProperties(), true), 'Azurite', 30_000),
    ]);
    await ensureQueues(queues);
    const client = createCosmosClient(config.cosmos);
    try {
      await ensureCosmosResources(client, config.cosmos.database);
    } finally {
      client.dispose();
    }
    return { queuePort, cosmosPort, azuritePid: azurite.pid ?? -1, env, config, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
