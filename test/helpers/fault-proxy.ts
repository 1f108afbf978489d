import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent, createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { freePort } from '../../lib/local/free-port';

/**
 * - `pass`: bytes flow both ways;
 * - `refuse`: nothing listens on the port (new connections get ECONNREFUSED), open ones are reset;
 * - `blackhole`: connections are accepted but every byte is swallowed and nothing ever answers, like a
 *   dead network path: clients only notice through their own timeouts.
 */
export const proxyModes = ['pass', 'refuse', 'blackhole'] as const;
export type ProxyMode = (typeof proxyModes)[number];

export interface FaultProxy {
  /** The port clients connect to (on 127.0.0.1), instead of the target's. */
  readonly port: number;
  readonly mode: ProxyMode;
  /** Connections accepted since the start (a sign that clients came through it at all). */
  readonly accepted: number;
  setMode(mode: ProxyMode): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
  blackholed: boolean;
}

const reset = (socket: Socket | undefined): void => {
  if (socket && !socket.destroyed) socket.resetAndDestroy();
};

/** Forwards `from` to `to` with backpressure, unless the pair has been black-holed (then bytes are dropped). */
const forward = (pair: Pair, from: Socket, to: () => Socket | undefined): void => {
  from.on('data', (chunk: Buffer) => {
    const target = to();
    if (pair.blackholed || !target || target.destroyed) return;
    if (!target.write(chunk)) {
      from.pause();
      target.once('drain', () => from.resume());
    }
  });
};

/**
 * A TCP proxy on a free 127.0.0.1 port in front of `targetPort`, switchable between pass, refuse and
 * black-hole. It works for TLS as well (it never looks into the bytes). Used to cut the host off from the
 * Cosmos emulator or Azurite without killing them (Azurite is not crash-durable).
 */
export const startFaultProxy = async (
  targetPort: number,
  initial: ProxyMode = 'pass',
): Promise<FaultProxy> => {
  const port = await freePort();
  const pairs = new Set<Pair>();
  let mode: ProxyMode = initial;
  let accepted = 0;
  let server: Server | undefined;

  const onConnection = (client: Socket): void => {
    accepted += 1;
    const pair: Pair = { client, upstream: undefined, blackholed: mode !== 'pass' };
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('error', drop);
    client.on('close', drop);
    forward(pair, client, () => pair.upstream);
    if (pair.blackholed) return;
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    pair.upstream = upstream;
    upstream.on('error', () => reset(client));
    upstream.on('close', drop);
    forward(pair, upstream, () => client);
  };

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const next = createServer(onConnection);
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        server = next;
        resolve();
      });
    });

  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      const current = server;
      server = undefined;
      if (!current) return resolve();
      current.close(() => resolve());
    });

  const resetAll = (): void => {
    for (const pair of [...pairs]) {
      reset(pair.client);
      reset(pair.upstream);
    }
    pairs.clear();
  };

  if (initial !== 'refuse') await listen();

  return {
    port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    async setMode(next: ProxyMode): Promise<void> {
      if (next === mode) return;
      const previous = mode;
      mode = next;
      if (next === 'blackhole') {
        // Open connections go silent: what is in flight never gets an answer.
        for (const pair of pairs) {
          pair.blackholed = true;
          pair.client.resume();
          pair.upstream?.resume();
        }
      } else {
        // Leaving a black hole or starting to refuse: the peer finally notices the connection is dead.
        resetAll();
      }
      if (next === 'refuse') await stopListening();
      if (previous === 'refuse') await listen();
    },
    async close(): Promise<void> {
      resetAll();
      await stopListening();
    },
  };
};

export interface HttpRefusal {
  readonly method: string;
  /** Matched against the request path (e.g. `/colls/deadletters/docs`). */
  readonly path: RegExp;
  readonly status: number;
  /** How many matching requests to refuse; later ones pass. */
  readonly times: number;
}

export interface HttpsFaultProxy {
  readonly port: number;
  /** Matching requests refused so far. */
  readonly refused: number;
  refuse(rule: HttpRefusal): void;
  close(): Promise<void>;
}

/**
 * An HTTPS proxy in front of the Cosmos emulator that forwards every request, except those matching the
 * current rule, which it answers itself with the rule's status (e.g. 413: Cosmos refusing a document). It
 * presents the emulator's own self-signed certificate, which statmgr accepts on loopback only.
 */
export const startHttpsFaultProxy = async (targetPort: number): Promise<HttpsFaultProxy> => {
  const certDir = dirname(require.resolve('@vercel/cosmosdb-server/package.json'));
  const agent = new HttpsAgent({ keepAlive: true, rejectUnauthorized: false });
  let rule: HttpRefusal | undefined;
  let refused = 0;
  const server = createHttpsServer(
    { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) },
    (request, response) => {
      const path = request.url ?? '/';
      if (rule && refused < rule.times && request.method === rule.method && rule.path.test(path)) {
        refused += 1;
        request.resume();
        response.writeHead(rule.status, {
          'content-type': 'application/json',
          'x-ms-activity-id': randomUUID(),
        });
        response.end(
          JSON.stringify({ code: String(rule.status), message: 'refused by the test fault proxy' }),
        );
        return;
      }
      const upstream = httpsRequest(
        {
          host: '127.0.0.1',
          port: targetPort,
          method: request.method,
          path,
          headers: request.headers,
          agent,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', () => response.destroy());
      request.pipe(upstream);
    },
  );
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    get refused() {
      return refused;
    },
    refuse: (next) => {
      rule = next;
      refused = 0;
    },
    close: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
