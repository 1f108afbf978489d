import { ValidationError } from '../errors';
import { agents } from './agent-agents';
import { outbox } from './agent-outbox';
import { send } from './agent-send';
import { simulate } from './agent-simulate';
import { runMain } from './command';

const usage = `Usage: npm run agent -- <command> [options]

Commands (each has its own options: npm run agent -- <command> --help):
  simulate        N machines producing status messages (the default; "--count N --machines M" alone works)
  send [JSON...]  report status messages given as arguments, --file F (JSON lines; "-" = stdin), or stdin
  outbox show     what the outbox holds: pending messages per agent, next sequence numbers
  outbox flush    send what the outbox holds and wait until the queue has it
  agents          per machine: highest contiguous sequence number stored and gaps (reads Cosmos)

Every command that reports goes through the durable outbox (--outbox DIR): a message is on disk before
it counts as reported, and stays there until the queue has accepted it. A killed agent loses nothing:
the next run (any command) sends what was left.

Examples:
  npm run agent -- --count 1000 --wait
  npm run agent -- simulate --machines 50 --count 10000 --rate 200 --wait
  npm run agent -- send --file messages.jsonl
  npm run agent -- agents --machines 50`;

const commands = { simulate, send, outbox, agents } as const;

const isCommand = (word: string): word is keyof typeof commands => Object.hasOwn(commands, word);

runMain('agent', async () => {
  const [first, ...rest] = process.argv.slice(2);
  if (first === undefined || first.startsWith('-')) {
    const args = process.argv.slice(2);
    if (first === '--help' || first === '-h') return console.log(usage);
    return args.some((arg) => /^--(file|message)(=|$)/.test(arg)) ? send(args) : simulate(args);
  }
  if (!isCommand(first))
    throw new ValidationError([`unknown command "${first}"; see npm run agent -- --help`]);
  return commands[first](rest);
});
