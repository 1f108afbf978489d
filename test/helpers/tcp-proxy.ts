import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../../lib/local/free-port';

export interface TcpProxy {
  /** The port clients connect to (127.0.0.1). */
  readonly port: number;
  /** `pass`: forward to the target. `refuse`: stop listening and cut every open connection (ECONNREFUSED). */
  setMode(mode: 'pass' | 'refuse'): Promise<void>;
  readonly mode: 'pass' | 'refuse';
  close(): Promise<void>;
}

/**
 * A TCP proxy on a free port in front of 127.0.0.1:targetPort that a test can switch between passing
 * traffic and refusing connections, to cut a dependency off without killing it (Azurite loses data when
 * killed). Generic: it knows nothing about the protocol.
 */
export const startTcpProxy = async (targetPort: number): Promise<TcpProxy> => {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let mode: 'pass' | 'refuse' = 'refuse';

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(targetPort, '127.0.0.1');
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
      server = s;
    });

  const stopListening = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  const proxy: TcpProxy = {
    port,
    get mode() {
      return mode;
    },
    setMode: async (next) => {
      if (next === mode) return;
      mode = next;
      if (next === 'pass') await listen();
      else await stopListening();
    },
    close: stopListening,
  };
  await proxy.setMode('pass');
  return proxy;
};
