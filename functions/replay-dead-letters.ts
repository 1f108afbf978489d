import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { ValidationError } from '../lib/errors';
import { parseReplayRequest, replayDeadLetters, type ReplayResult } from '../lib/dead-letters/replay-request';
import { getRuntime } from '../lib/runtime';
import { answer, jsonBodyOf, queryOf } from './shared/http-io';
import { failsWithError } from './shared/function-app';

/** A corrected queue message is at most 64 KiB; its JSON string escaping can double it. */
const maxBodyBytes = 256 * 1024;

const singleStatus: Record<ReplayResult['result'], number> = {
  replayed: 200,
  'already-replayed': 200,
  'in-progress': 409,
  'not-found': 404,
  rejected: 400,
};

/**
 * `POST /api/deadletters/replay` with `{ "ids": [...] }` (replay as they are) or `{ "id": "...",
 * "corrected": <the fixed body or item> }`. Each letter is enqueued at most once and marked replayed.
 */
export const replayDeadLettersFunction = async (request: HttpRequest): Promise<HttpResponseInit> =>
  answer(async () => {
    const unknown = Object.keys(queryOf(request));
    if (unknown.length > 0)
      throw new ValidationError(unknown.map((name) => `query.${name}: is not a known parameter`));
    const replay = parseReplayRequest(await jsonBodyOf(request, maxBodyBytes));
    const results = await replayDeadLetters(getRuntime(), replay);
    const first = results[0]!;
    if (replay.ids.length > 1) return { status: 200, jsonBody: { results } };
    const status = first.result === 'rejected' && first.tooLarge ? 413 : singleStatus[first.result];
    return { status, jsonBody: { results } };
  });

app.http('replay-dead-letters', {
  route: 'deadletters/replay',
  methods: ['POST'],
  authLevel: 'function',
  handler: failsWithError(replayDeadLettersFunction),
});
