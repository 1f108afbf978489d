import { defaultPorts } from '../config';
import { parseCommand, runMain, wholeNumber } from './command';
import { startEmulators } from '../local/emulators';

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
  },
} as const;

const main = async (): Promise<void> => {
  const parsed = parseCommand(spec, process.argv.slice(2));
  if (!parsed) return;
  const { values } = parsed;
  const emulators = await startEmulators({
    queue: wholeNumber(values['queue-port'], 'queue-port', defaultPorts.queue, 0, 65_535),
    cosmos: wholeNumber(values['cosmos-port'], 'cosmos-port', defaultPorts.cosmos, 0, 65_535),
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

runMain('emulators', main);
