import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { listDeadLetters, parseDeadLetterQuery } from '../lib/dead-letters/list-dead-letters';
import { getRuntime } from '../lib/runtime';
import { answer, queryOf } from './shared/http-io';
import { failsWithError } from './shared/function-app';

/**
 * `GET /api/deadletters?reason=&source=&state=&since=&until=&limit=&continuation=`: dead letters, newest
 * first, filtered by reason text, source, replay state and time; one page per call.
 */
export const listDeadLettersFunction = async (request: HttpRequest): Promise<HttpResponseInit> =>
  answer(async () => {
    const query = parseDeadLetterQuery(queryOf(request));
    const page = await listDeadLetters(getRuntime().containers.deadletters, query);
    return { status: 200, jsonBody: page };
  });

app.http('list-dead-letters', {
  route: 'deadletters',
  methods: ['GET'],
  authLevel: 'function',
  handler: failsWithError(listDeadLettersFunction),
});
