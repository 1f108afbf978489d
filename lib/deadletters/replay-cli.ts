import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getConfig } from '../config';
import { createCosmosClient, openContainers } from '../cosmos/cosmos-client';
import { describeError, ValidationError } from '../errors';
import { createQueueServiceClient, openQueues } from '../queue/queue-client';
import { getDeadLetter, listDeadLetters, parseDeadLetterQuery } from './list-dead-letters';
import { parseReplayRequest, replayDeadLetters } from './replay-request';

const usage = `Usage: npm run replay -- <command> [options]

Lists dead letters (Cosmos "deadletters") and re-enqueues chosen ones to "status-messages", each at most once.

Commands:
  list                  dead letters, newest first (one page; --continuation for the next)
  show ID               one dead letter with its raw body
  replay ID [ID ...]    re-enqueue dead letters as they are (after fixing what rejected them, e.g. a
                        schema change) and mark them replayed; a replayed letter is never enqueued again
  replay ID --corrected-file F | --corrected JSON
                        re-enqueue one dead letter with a corrected body (or item): it is validated first
                        and stored with the ids the original would have had

Options for list:
  --reason TEXT         reasons containing TEXT (case-insensitive), e.g. severity, "messages[2]", poison
  --source S            ingest-validation | store-rejected | poison-queue
  --state S             pending | replaying | replayed
  --since ISO, --until ISO   dead-lettered in [since, until)
  --limit N             page size, 1 to 100 (default 20)
  --continuation TOKEN  the continuationToken printed by the previous page
  --json                print JSON instead of one line per letter
  -h, --help            this text

The queue and Cosmos are taken from StatusStorage and COSMOS_ENDPOINT (default: the local emulators).
The same operations are on the HTTP API: GET /api/deadletters, GET /api/deadletters/{id},
POST /api/deadletters/replay (header x-functions-key).

Examples:
  npm run replay -- list --reason severity --state pending
  npm run replay -- replay 3b1f...  --corrected '{"severity":"error", ...}'`;

const listFlags = ['reason', 'source', 'state', 'since', 'until', 'limit', 'continuation'] as const;

const main = async (): Promise<void> => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      ...Object.fromEntries(listFlags.map((flag) => [flag, { type: 'string' as const }])),
      corrected: { type: 'string' },
      'corrected-file': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) return console.log(usage);
  const [command, ...args] = positionals;
  const config = getConfig();
  const client = createCosmosClient(config.cosmos);
  const containers = openContainers(client, config.cosmos.database);
  try {
    if (command === 'list') {
      if (args.length > 0) throw new ValidationError([`list takes no arguments, got "${args[0]}"`]);
      const strings = values as Record<string, unknown>;
      const filters = Object.fromEntries(
        listFlags.flatMap((flag) => {
          const value = strings[flag];
          return typeof value === 'string' ? [[flag, value]] : [];
        }),
      );
      const page = await listDeadLetters(containers.deadletters, parseDeadLetterQuery(filters));
      if (values.json) return console.log(JSON.stringify(page, null, 2));
      for (const letter of page.items) {
        console.log(
          `${letter.id}  ${letter.deadLetteredAt}  ${letter.source}  ${letter.replay.state}  ${letter.reasons.join(' | ')}`,
        );
      }
      console.log(`${page.items.length} dead letter(s)`);
      if (page.continuationToken) console.log(`next page: --continuation '${page.continuationToken}'`);
    } else if (command === 'show') {
      if (args.length !== 1) throw new ValidationError(['show takes one dead letter id']);
      const request = parseReplayRequest({ id: args[0] });
      const letter = await getDeadLetter(containers.deadletters, request.ids[0]!.toLowerCase());
      if (!letter) throw new ValidationError([`no dead letter ${args[0]}`]);
      console.log(JSON.stringify(letter, null, 2));
    } else if (command === 'replay') {
      const file = values['corrected-file'];
      if (file !== undefined && values.corrected !== undefined) {
        throw new ValidationError(['give --corrected or --corrected-file, not both']);
      }
      const corrected = file !== undefined ? readFileSync(file, 'utf8') : values.corrected;
      const request = parseReplayRequest(
        args.length === 1
          ? { id: args[0], ...(corrected === undefined ? {} : { corrected }) }
          : { ids: args, corrected },
      );
      const queues = openQueues(createQueueServiceClient(config.storage));
      const results = await replayDeadLetters({ containers, queues, now: () => new Date() }, request);
      for (const result of results) console.log(JSON.stringify(result));
      if (results.some((result) => result.result !== 'replayed' && result.result !== 'already-replayed')) {
        process.exitCode = 1;
      }
    } else {
      throw new ValidationError([`unknown command "${command}"; see --help`]);
    }
  } finally {
    client.dispose();
  }
};

main().catch((error: unknown) => {
  console.error(
    error instanceof ValidationError
      ? `statmgr replay: ${error.reasons.join('\n  ')}`
      : `statmgr replay: ${describeError(error)}`,
  );
  process.exit(error instanceof ValidationError ? 2 : 1);
});
