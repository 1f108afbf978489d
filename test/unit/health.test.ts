import { createServer, type Server, type Socket } from 'node:net';
import { createCosmosClient, openContainers } from '../../lib/cosmos/cosmos-client';
import { createHealthCache } from '../../lib/health/cached-health';
import { checkHealth } from '../../lib/health/check-health';
import { createQueueServiceClient, openQueues } from '../../lib/queue/queue-client';
import { waitUntil } from '../../lib/util/wait-until';

/** A backend that accepts connections and never answers: every check must time out and be cancelled. */
const hangingServer = async (): Promise<{
  server: Server;
  open: Set<Socket>;
  accepted: () => number;
  port: number;
}> => {
  const open = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted += 1;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    socket.resume(); // read (and drop) what arrives, so that a close by the client is seen
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, open, accepted: () => accepted, port };
};

describe('health checks', () => {
  let backend: Awaited<ReturnType<typeof hangingServer>>;
  let runtime: Parameters<typeof checkHealth>[0];
  beforeEach(async () => {
    backend = await hangingServer();
    const key = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';
    const cosmos = createCosmosClient({
      endpoint: `https://127.0.0.1:${backend.port}`,
      key,
      clientId: undefined,
      allowSelfSignedCertificate: true,
      database: 'statmgr',
    });
    runtime = {
      containers: openContainers(cosmos, 'statmgr'),
      queues: openQueues(
        createQueueServiceClient({
          kind: 'connectionString',
          connectionString:
            `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};` +
            `QueueEndpoint=http://127.0.0.1:${backend.port}/devstoreaccount1`,
        }),
      ),
    };
  });
  afterEach(async () => {
    runtime.containers.client.dispose();
    for (const socket of backend.open) socket.destroy();
    await new Promise((resolve) => backend.server.close(resolve));
  });

  it('times out each backend check and cancels its request', async () => {
    const report = await checkHealth(runtime, 300);
    expect(report.ok).toBe(false);
    for (const part of Object.values(report.parts)) {
      expect(part.ok).toBe(false);
      expect(part.detail).toContain('no answer within 300 ms');
    }
    expect(backend.accepted()).toBeGreaterThan(0);
    // Cancelled: the clients close their connections instead of leaving the requests hanging.
    await waitUntil(
      () => Promise.resolve(backend.open.size === 0),
      'the cancelled requests to close their connections',
      10_000,
      20,
    );
  });

  it('answers from one cached check, however often and however concurrently it is asked', async () => {
    let clock = 1_000_000;
    const cache = createHealthCache(() => runtime, { now: () => clock, timeoutMs: 200 });
    const first = await Promise.all([cache.get(), cache.get(), cache.get()]);
    const afterOne = backend.accepted();
    expect(afterOne).toBeGreaterThan(0);
    expect(new Set(first).size).toBe(1);
    clock += 1_000; // within the (degraded) cache period
    await cache.get();
    expect(backend.accepted()).toBe(afterOne);
    clock += 5_000; // past it: one new check
    await cache.get();
    expect(backend.accepted()).toBeGreaterThan(afterOne);
  });
});
