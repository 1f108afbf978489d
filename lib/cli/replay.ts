import { readFileSync } from 'node:fs';
import { getConfig } from '../config';
import { createCosmosClient, openContainers, type CosmosContainers } from '../cosmos/cosmos-client';
import { getDeadLetter, listDeadLetters, parseDeadLetterQuery } from '../dead-letters/list-dead-letters';
import { parseReplayRequest, replayDeadLetters } from '../dead-letters/replay-request';
import { ValidationError } from '../errors';
import { createQueueServiceClient, openQueues } from '../queue/queue-client';
import type { SettingName } from '../settings';
import { parseCommand, runMain } from './command';

const usage = `Usage: npm run replay -- <command> [options]

Lists dead letters (Cosmos "deadletters") and re-enqueues chosen ones to "status-messages", each at most once.

Commands (each has its own options: npm run replay -- <command> --help):
  list                  dead letters, newest first (one page; --continuation for the next)
  show ID               one dead letter with its raw body
  replay ID [ID ...]    re-enqueue dead letters as they are (after fixing what rejected them) and mark them
                        replayed; a replayed letter is never enqueued again
  replay ID --corrected-file F | --corrected JSON
                        re-enqueue one dead letter with a corrected body (or item): it is validated first
                        and stored with the ids the original would have had

The same operations are on the HTTP API: GET /api/deadletters, GET /api/deadletters/{id},
POST /api/deadletters/replay (header x-functions-key). See docs/dead-letters.md.`;

const settings: readonly SettingName[] = [
  'StatusStorage',
  'COSMOS_ENDPOINT',
  'COSMOS_KEY',
  'COSMOS_DATABASE',
];

const listSpec = {
  name: 'npm run replay -- list',
  synopsis: '[options]',
  description: 'Dead letters, newest first, one page at a time.',
  options: {
    reason: {
      type: 'string',
      arg: 'TEXT',
      help: 'reasons containing TEXT (case-insensitive), e.g. severity',
    },
    source: {
      type: 'string',
      arg: 'S',
      help: 'ingest-validation | store-rejected | poison-queue | notify-poison',
    },
    state: { type: 'string', arg: 'S', help: 'pending | replaying | replayed' },
    since: { type: 'string', arg: 'ISO', help: 'dead-lettered at or after' },
    until: { type: 'string', arg: 'ISO', help: 'dead-lettered before' },
    limit: { type: 'string', arg: 'N', help: 'page size, 1 to 100 (default 20)' },
    continuation: { type: 'string', arg: 'TOKEN', help: 'the token printed by the previous page' },
    json: { type: 'boolean', help: 'print JSON instead of one line per letter' },
  },
  settings,
  examples: ['npm run replay -- list --reason severity --state pending'],
} as const;

const showSpec = {
  name: 'npm run replay -- show',
  synopsis: 'ID',
  description: 'One dead letter with its raw body, as JSON.',
  options: {},
  settings,
  positionals: { min: 1, max: 1 },
} as const;

const replaySpec = {
  name: 'npm run replay -- replay',
  synopsis: 'ID [ID ...] | ID --corrected JSON | ID --corrected-file F',
  description: 'Re-enqueues dead letters to status-messages, each at most once, and marks them replayed.',
  options: {
    corrected: { type: 'string', arg: 'JSON', help: 'a corrected body (or item) for one dead letter' },
    'corrected-file': { type: 'string', arg: 'F', help: 'the same, read from a file' },
  },
  settings,
  positionals: { min: 1, max: 1000 },
  examples: [`npm run replay -- replay 3b1f... --corrected '{"severity":"error", ...}'`],
} as const;

const withContainers = async (work: (containers: CosmosContainers) => Promise<void>): Promise<void> => {
  const config = getConfig();
  const client = createCosmosClient(config.cosmos);
  try {
    await work(openContainers(client, config.cosmos.database));
  } finally {
    client.dispose();
  }
};

const list = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(listSpec, args);
  if (!parsed) return;
  const { json, ...filters } = parsed.values;
  const query = parseDeadLetterQuery(
    Object.fromEntries(
      Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
  );
  await withContainers(async ({ deadletters }) => {
    const page = await listDeadLetters(deadletters, query);
    if (json) return console.log(JSON.stringify(page, null, 2));
    for (const letter of page.items) {
      console.log(
        `${letter.id}  ${letter.deadLetteredAt}  ${letter.source}  ${letter.replay.state}  ${letter.reasons.join(' | ')}`,
      );
    }
    console.log(`${page.items.length} dead letter(s)`);
    if (page.continuationToken) console.log(`next page: --continuation '${page.continuationToken}'`);
  });
};

const show = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(showSpec, args);
  if (!parsed) return;
  const request = parseReplayRequest({ id: parsed.positionals[0] });
  await withContainers(async ({ deadletters }) => {
    const letter = await getDeadLetter(deadletters, request.ids[0]!.toLowerCase());
    if (!letter) throw new ValidationError([`no dead letter ${parsed.positionals[0]}`]);
    console.log(JSON.stringify(letter, null, 2));
  });
};

const replay = async (args: readonly string[]): Promise<void> => {
  const parsed = parseCommand(replaySpec, args);
  if (!parsed) return;
  const { values, positionals } = parsed;
  const file = values['corrected-file'];
  if (file !== undefined && values.corrected !== undefined) {
    throw new ValidationError(['give --corrected or --corrected-file, not both']);
  }
  const corrected = file !== undefined ? readFileSync(file, 'utf8') : values.corrected;
  const request = parseReplayRequest(
    positionals.length === 1
      ? { id: positionals[0], ...(corrected === undefined ? {} : { corrected }) }
      : { ids: positionals, corrected },
  );
  const queues = openQueues(createQueueServiceClient(getConfig().storage));
  await withContainers(async (containers) => {
    const results = await replayDeadLetters({ containers, queues, now: () => new Date() }, request);
    for (const result of results) console.log(JSON.stringify(result));
    if (results.some((result) => result.result !== 'replayed' && result.result !== 'already-replayed')) {
      process.exitCode = 1;
    }
  });
};

const commands = { list, show, replay } as const;

runMain('replay', async () => {
  const [command, ...rest] = process.argv.slice(2);
  if (command === undefined || command === '--help' || command === '-h') return console.log(usage);
  if (!Object.hasOwn(commands, command))
    throw new ValidationError([`unknown command "${command}"; see npm run replay -- --help`]);
  return commands[command as keyof typeof commands](rest);
});
