import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { defaultPorts, getConfig } from '../config';
import { PermanentError } from '../errors';
import { isPortFree } from '../local/free-port';
import { takeStartLock } from '../local/start-lock';
import { stopChild } from '../local/stop-child';
import { waitUntil } from '../util/wait-until';
import { parseCommand, runMain, wholeNumber } from './command';

/**
 * `npm start`: the whole local stack in the foreground. Starts the emulators, then the host, each as its own
 * process (so the host can also be run and killed alone), prints where everything is, and on Ctrl-C, SIGTERM
 * or a closed terminal (SIGHUP) stops the host first (it drains) and the emulators last. Each child gets a
 * pipe as stdin and ends when it closes, so nothing outlives this supervisor, even a SIGKILL of it. A host
 * that stops on a fatal Storage error (exit 1) or crashes is restarted, as the Functions host restarts.
 */
const node = (script: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess =>
  spawn(process.execPath, [join(__dirname, script), ...args, '--exit-with-stdin'], {
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
    // Own process group: a terminal's Ctrl-C reaches only this supervisor, which stops them in order.
    detached: true,
  });

const spec = {
  name: 'npm start',
  synopsis: '[-- --queue-port N] [--cosmos-port N]',
  description:
    'Runs Azurite, the Cosmos DB emulator and the local Functions host in the foreground, and prints where\n' +
    'everything is. Ctrl-C (or closing the terminal) drains in-flight work and stops everything (the host\n' +
    'first, the emulators last); they also end if this process is killed. A host that stops on a fatal\n' +
    'Storage error is restarted. One npm start per HTTP port: a second one says which pid runs.\n' +
    'The halves alone: npm run emulators -- --help, npm run host -- --help.',
  options: {
    'queue-port': { type: 'string', arg: 'N', help: `Azurite queue port (default ${defaultPorts.queue})` },
    'cosmos-port': {
      type: 'string',
      arg: 'N',
      help: `Cosmos emulator port (default ${defaultPorts.cosmos})`,
    },
  },
  settings: ['STATMGR_HTTP_PORT', 'STATMGR_API_KEY', 'STATMGR_TELEMETRY', 'STATMGR_QUEUE_LOCK_SECONDS'],
} as const;

const main = async (): Promise<void> => {
  const parsed = parseCommand(spec, process.argv.slice(2));
  if (!parsed) return;
  const config = getConfig();
  const ports = {
    queue: wholeNumber(parsed.values['queue-port'], 'queue-port', defaultPorts.queue, 1, 65_535),
    cosmos: wholeNumber(parsed.values['cosmos-port'], 'cosmos-port', defaultPorts.cosmos, 1, 65_535),
    http: config.httpPort,
  };
  if (ports.http === 0) throw new PermanentError('npm start needs a fixed STATMGR_HTTP_PORT (not 0)');
  const lock = takeStartLock(ports.http);
  if ('heldBy' in lock) {
    throw new PermanentError(
      `statmgr is already running on http://127.0.0.1:${ports.http} (npm start, pid ${lock.heldBy}); ` +
        `stop it first (Ctrl-C in its terminal, or kill ${lock.heldBy})`,
    );
  }
  process.on('exit', () => lock.release());
  const busy: string[] = [];
  for (const [name, port] of Object.entries(ports))
    if (!(await isPortFree(port))) busy.push(`${name} ${port}`);
  if (busy.length > 0) {
    throw new PermanentError(
      `port(s) in use by another program: ${busy.join(', ')}; stop it, or choose others ` +
        '(--queue-port N, --cosmos-port N, STATMGR_HTTP_PORT=N)',
    );
  }

  const apiKey = config.apiKey ?? randomBytes(18).toString('base64url');
  const children = new Set<ChildProcess>();
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    for (const child of [...children].reverse()) await stopChild(child);
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));
  process.on('exit', () => children.forEach((child) => child.exitCode === null && child.kill('SIGKILL')));

  const emulatorArgs = ['--queue-port', String(ports.queue), '--cosmos-port', String(ports.cosmos)];
  const emulators = node('emulators.js', emulatorArgs, process.env);
  children.add(emulators);
  type Ready = { queuePort: number; cosmosPort: number; azuritePid: number; env: Record<string, string> };
  const ready = await new Promise<Ready>((resolve, reject) => {
    const lines = createInterface({ input: emulators.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('{"ready":true')) resolve(JSON.parse(line) as Ready);
      else console.log(line);
    });
    emulators.once('exit', (code) => reject(new Error(`emulators exited with code ${code}`)));
  });
  emulators.on('exit', (code) => !stopping && (console.error(`emulators exited (${code})`), void stopAll(1)));

  // The host prints a one-line metrics summary every 10 s unless STATMGR_TELEMETRY says otherwise.
  const hostEnv = {
    STATMGR_TELEMETRY: 'console',
    ...process.env,
    ...ready.env,
    STATMGR_API_KEY: apiKey,
    STATMGR_HTTP_PORT: String(ports.http),
  };
  let host: ChildProcess;
  const startHost = (): void => {
    host = node('host.js', [], hostEnv);
    children.add(host);
    createInterface({ input: host.stdout! }).on('line', (line) => console.log(line));
    host.once('exit', (code, signal) => {
      children.delete(host);
      if (stopping) return;
      // Exit 2 is a bad setting: restarting cannot help. Anything else is what the Functions host restarts.
      if (code === 2) return void (console.error('host exited (bad settings)'), stopAll(1));
      console.error(`host exited (${code ?? signal}); restarting it`);
      setTimeout(() => {
        if (stopping) return;
        startHost();
        console.log(`host restarted (pid ${host.pid})`);
      }, 1000);
    });
  };
  startHost();
  const healthUrl = `http://127.0.0.1:${ports.http}/api/health`;
  await waitUntil(async () => (await fetch(healthUrl)).ok, 'the local host', 60_000, 250);

  // A key the user supplied is never printed; only one generated here is shown (it exists nowhere else).
  const shownKey = config.apiKey === undefined ? apiKey : 'the STATMGR_API_KEY you set';
  console.log(`
statmgr is running
  viewer       http://127.0.0.1:${config.httpPort}/api/viewer#key=${encodeURIComponent(apiKey)}   (open it: the key in the link logs you in)
  health       ${healthUrl}
  API          http://127.0.0.1:${ports.http}/api/   (function key: ${shownKey}, header x-functions-key)
  queue        http://127.0.0.1:${ready.queuePort}/devstoreaccount1/status-messages   (Azurite)
  cosmos       https://127.0.0.1:${ready.cosmosPort}   (database statmgr, emulator)
  processes    npm start ${process.pid}, emulators ${emulators.pid} (Azurite ${ready.azuritePid}), host ${host!.pid}
Send traffic:  npm run agent -- --count 1000 --wait
Metrics:       a "telemetry ..." line every 10 s while there is traffic (STATMGR_TELEMETRY=off silences it)
Ctrl-C drains in-flight work and stops everything.
`);
};

runMain('start', main);
