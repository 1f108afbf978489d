import { defaultPorts } from '../config';
import { describeError } from '../errors';
import { startEmulators } from './emulators';

const usage = `Usage: npm run emulators [-- --queue-port N] [--cosmos-port N]

Starts the local emulators in the foreground and creates the queues, database and containers:
  Azurite queue service   http://127.0.0.1:${defaultPorts.queue}/devstoreaccount1   (--queue-port, 0 = free port)
  Cosmos DB emulator      https://127.0.0.1:${defaultPorts.cosmos}                  (--cosmos-port, 0 = free port)
Both keep their data in memory. Ctrl-C or SIGTERM stops them.
When ready it prints one JSON line: {"ready":true,"queuePort":...,"cosmosPort":...,"env":{...}}.`;

const portArg = (args: string[], flag: string, fallback: number): number => {
  const index = args.indexOf(flag);
  if (index === -1) return fallback;
  const raw = args[index + 1];
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) > 65535) {
    throw new Error(`${flag} needs a port number from 0 to 65535, got ${raw ?? 'nothing'}`);
  }
  return Number(raw);
};

const main = async (): Promise<void> => {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) return console.log(usage);
  const known = new Set(['--queue-port', '--cosmos-port']);
  const stray = args.find(
    (arg, i) => arg.startsWith('-') && !known.has(arg) && !known.has(args[i - 1] ?? ''),
  );
  if (stray) throw new Error(`unknown option ${stray}; see --help`);
  const emulators = await startEmulators({
    queue: portArg(args, '--queue-port', defaultPorts.queue),
    cosmos: portArg(args, '--cosmos-port', defaultPorts.cosmos),
  });
  const { queuePort, cosmosPort, env, azuritePid } = emulators;
  console.log(JSON.stringify({ ready: true, queuePort, cosmosPort, azuritePid, env }));
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void emulators.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
};

main().catch((error: unknown) => {
  console.error(`statmgr emulators: ${describeError(error)}`);
  process.exit(1);
});
