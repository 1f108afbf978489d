import { defaultPorts } from '../config';
import { parseCommand, runMain, wholeNumber } from './command';
import { startEmulators } from '../local/emulators';
import { exitWithParent } from '../local/exit-with-parent';

const spec = {
  name: 'npm run emulators',
  synopsis: '[-- --queue-port N] [--cosmos-port N]',
  description:
    'Starts the local emulators in the foreground and creates the queues, database and containers:\n' +
    `  Azurite queue service   http://127.0.0.1:${defaultPorts.queue}/devstoreaccount1\n` +
    `  Cosmos DB emulator      https://127.0.0.1:${defaultPorts.cosmos}\n` +
    'Both keep their data in memory. Ctrl-C or SIGTERM stops them. When ready it prints one JSON line:\n' +
    '{"ready":true,"queuePort":...,"cosmosPort":...,"env":{...}}.',
  options: {
    'queue-port': {
      type: 'string',
      arg: 'N',
      help: `Azurite queue port (default ${defaultPorts.queue}; 0 = free port)`,
    },
    'cosmos-port': {
      type: 'string',
      arg: 'N',
      help: `Cosmos emulator port (default ${defaultPorts.cosmos}; 0 = free port)`,
    },
    'exit-with-stdin': {
      type: 'boolean',
      help: 'stop when standard input closes (npm start: the emulators end with it, however it ends)',
    },
  },
} as const;

const main = async (): Promise<void> => {
  const parsed = parseCommand(spec, process.argv.slice(2));
  if (!parsed) return;
  const { values } = parsed;
  let stop = (): void => process.exit(0); // before they are up, Azurite ends with this process (azurite-child)
  if (values['exit-with-stdin']) exitWithParent(() => stop());
  const emulators = await startEmulators({
    queue: wholeNumber(values['queue-port'], 'queue-port', defaultPorts.queue, 0, 65_535),
    cosmos: wholeNumber(values['cosmos-port'], 'cosmos-port', defaultPorts.cosmos, 0, 65_535),
  });
  const { queuePort, cosmosPort, env, azuritePid } = emulators;
  console.log(JSON.stringify({ ready: true, queuePort, cosmosPort, azuritePid, env }));
  let stopping = false;
  stop = (): void => {
    if (stopping) return;
    stopping = true;
    void emulators.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop());
  process.on('SIGINT', () => stop());
};

runMain('emulators', main);
