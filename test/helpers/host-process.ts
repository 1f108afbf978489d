import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../lib/local/free-port';
import { projectRoot } from '../../lib/util/paths';
import { waitUntil } from '../../lib/util/wait-until';

export interface HostProcess {
  readonly pid: number;
  readonly port: number;
  readonly apiKey: string;
  readonly baseUrl: string;
  /** Every line the host printed so far (stdout and stderr). */
  readonly output: string[];
  /** SIGTERM (drain) and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit: a crash, nothing drained. */
  kill(): Promise<void>;
  readonly exited: Promise<number | null>;
}

export const hostScript = join(projectRoot, 'dist', 'lib', 'cli', 'host.js');

export interface HostProcessOptions {
  /**
   * `health` (default): wait until `GET /api/health` answers 200. `started`: wait only until the host says it
   * is ready; for hosts started while a dependency is cut off (health answers 503 then).
   */
  readonly waitFor?: 'health' | 'started';
}

/**
 * Runs `dist/lib/cli/host.js` as its own process against the given emulators, on a free port, and
 * waits until `GET /api/health` answers 200. `npm test` builds dist before jest runs.
 */
export const startHostProcess = async (
  stackEnv: Readonly<Record<string, string>>,
  extraEnv: Readonly<Record<string, string>> = {},
  options: HostProcessOptions = {},
): Promise<HostProcess> => {
  const port = await freePort();
  const apiKey = 'test-key-' + port;
  const output: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [hostScript], {
    env: {
      PATH: process.env.PATH,
      ...stackEnv,
      STATMGR_HTTP_PORT: String(port),
      STATMGR_API_KEY: apiKey,
      STATMGR_QUEUE_LOCK_SECONDS: '4',
      STATMGR_DRAIN_SECONDS: '10',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer): void => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}/api`;
  const host: HostProcess = {
    pid: child.pid ?? -1,
    port,
    apiKey,
    baseUrl,
    output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`host exited early:\n${output.join('\n')}`);
        if (options.waitFor === 'started') return output.some((line) => line.includes('host ready'));
        return (await fetch(`${baseUrl}/health`)).ok;
      },
      'host',
      30_000,
    );
  } catch (error) {
    await host.kill();
    throw error;
  }
  return host;
};
