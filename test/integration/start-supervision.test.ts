import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../lib/local/free-port';
import { projectRoot } from '../../lib/util/paths';
import { waitUntil } from '../../lib/util/wait-until';

const startScript = join(projectRoot, 'dist', 'lib', 'cli', 'start.js');

interface Started {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly pids: { emulators: number; azurite: number; host: number };
  readonly env: Record<string, string>;
  readonly args: string[];
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** `npm start` as a newcomer runs it (the built script), on free ports, until its banner lists the pids. */
const start = async (): Promise<Started> => {
  const [http, queue, cosmos] = [await freePort(), await freePort(), await freePort()];
  const env = {
    PATH: process.env.PATH ?? '',
    STATMGR_HTTP_PORT: String(http),
    STATMGR_TELEMETRY: 'off',
    STATMGR_API_KEY: 'k',
  };
  const args = ['--queue-port', String(queue), '--cosmos-port', String(cosmos)];
  const child = spawn(process.execPath, [startScript, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer): number => output.push(...chunk.toString('utf8').split('\n'));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let pids: Started['pids'] | undefined;
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output.join('\n')}`);
      const line = output.find((l) => l.includes('processes    npm start'));
      const match = line && /emulators (\d+) \(Azurite (\d+)\), host (\d+)/.exec(line);
      if (match) pids = { emulators: Number(match[1]), azurite: Number(match[2]), host: Number(match[3]) };
      return pids !== undefined;
    },
    'npm start ready',
    60_000,
  );
  return { child, output, pids: pids!, env, args };
};

const allGone = (pids: Started['pids']): Promise<void> =>
  waitUntil(async () => Object.values(pids).every((pid) => !isAlive(pid)), 'children gone', 30_000);

describe('npm start (lib/cli/start.ts as a process)', () => {
  const started: Started[] = [];
  afterAll(() => {
    // Whatever a failed test left behind, by pid.
    for (const { child, pids } of started) {
      for (const pid of [child.pid ?? -1, ...Object.values(pids)])
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('ends the emulators, Azurite and the host when it is killed (SIGKILL), and a second start says so', async () => {
    const first = await start();
    started.push(first);
    const second = spawn(process.execPath, [startScript, ...first.args], { env: first.env });
    let text = '';
    second.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(2);
    expect(text.trim().split('\n')).toEqual([
      expect.stringMatching(/^statmgr start: statmgr is already running on .* \(npm start, pid \d+\)/),
    ]);

    first.child.kill('SIGKILL');
    await allGone(first.pids);
  });

  it('restarts a host that died, and a closed terminal (SIGHUP) stops everything', async () => {
    const run = await start();
    started.push(run);
    process.kill(run.pids.host, 'SIGKILL');
    await waitUntil(
      async () => run.output.some((line) => line.startsWith('host restarted (pid')),
      'host restarted',
      30_000,
    );
    const restarted = Number(/host restarted \(pid (\d+)\)/.exec(run.output.join('\n'))![1]);
    const port = run.env.STATMGR_HTTP_PORT;
    await waitUntil(
      async () => (await fetch(`http://127.0.0.1:${port}/api/health`)).ok,
      'healthy again',
      30_000,
    );

    run.child.kill('SIGHUP');
    await allGone({ ...run.pids, host: restarted });
    await waitUntil(async () => run.child.exitCode !== null, 'npm start exited', 10_000);
  });
});
