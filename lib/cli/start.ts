import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { getConfig } from '../config';
import { waitUntil } from '../util/wait-until';
import { stopChild } from '../local/stop-child';
import { parseCommand, runMain } from './command';

/**
 * `npm start`: the whole local stack in the foreground. Starts the emulators, then the host, each as its own
 * process (so the host can also be run and killed alone), prints where everything is, and on Ctrl-C stops
 * the host first (it drains) and the emulators last.
 */
const node = (script: string, env: NodeJS.ProcessEnv): ChildProcess =>
  spawn(process.execPath, [join(__dirname, script)], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    // Own process group: a terminal's Ctrl-C reaches only this supervisor, which stops them in order.
    detached: true,
  });

const spec = {
  name: 'npm start',
  synopsis: '',
  description:
    'Runs Azurite, the Cosmos DB emulator and the local Functions host in the foreground, and prints where\n' +
    'everything is. Ctrl-C drains in-flight work and stops everything (the host first, the emulators last).\n' +
    'The halves alone: npm run emulators -- --help, npm run host -- --help.',
  options: {},
  settings: ['STATMGR_HTTP_PORT', 'STATMGR_API_KEY', 'STATMGR_TELEMETRY', 'STATMGR_QUEUE_LOCK_SECONDS'],
} as const;

const main = async (): Promise<void> => {
  if (!parseCommand(spec, process.argv.slice(2))) return;
  const config = getConfig();
  const apiKey = config.apiKey ?? randomBytes(18).toString('base64url');
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    for (const child of [...children].reverse()) await stopChild(child);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  process.on('exit', () => children.forEach((child) => child.exitCode === null && child.kill('SIGKILL')));

  const emulators = node('emulators.js', process.env);
  children.push(emulators);
  const ready = await new Promise<{ queuePort: number; cosmosPort: number }>((resolve, reject) => {
    const lines = createInterface({ input: emulators.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('{"ready":true'))
        resolve(JSON.parse(line) as { queuePort: number; cosmosPort: number });
      else console.log(line);
    });
    emulators.once('exit', (code) => reject(new Error(`emulators exited with code ${code}`)));
  });
  emulators.on('exit', (code) => !stopping && (console.error(`emulators exited (${code})`), void stopAll(1)));

  // The host prints a one-line metrics summary every 10 s unless STATMGR_TELEMETRY says otherwise.
  const host = node('host.js', {
    STATMGR_TELEMETRY: 'console',
    ...process.env,
    STATMGR_API_KEY: apiKey,
  });
  children.push(host);
  createInterface({ input: host.stdout! }).on('line', (line) => console.log(line));
  host.on('exit', (code) => !stopping && (console.error(`host exited (${code})`), void stopAll(1)));
  const healthUrl = `http://127.0.0.1:${config.httpPort}/api/health`;
  await waitUntil(async () => (await fetch(healthUrl)).ok, 'the local host', 60_000, 250);

  // A key the user supplied is never printed; only one generated here is shown (it exists nowhere else).
  const shownKey = config.apiKey === undefined ? apiKey : 'the STATMGR_API_KEY you set';
  console.log(`
statmgr is running
  health       ${healthUrl}
  API          http://127.0.0.1:${config.httpPort}/api/   (function key: ${shownKey}, header x-functions-key)
  queue        http://127.0.0.1:${ready.queuePort}/devstoreaccount1/status-messages   (Azurite)
  cosmos       https://127.0.0.1:${ready.cosmosPort}   (database statmgr, emulator)
Send traffic:  npm run agent -- --count 1000 --wait
Metrics:       a "telemetry ..." line every 10 s while there is traffic (STATMGR_TELEMETRY=off silences it)
Ctrl-C drains in-flight work and stops everything.
`);
};

runMain('start', main);
