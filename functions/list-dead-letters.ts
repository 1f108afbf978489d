import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { listDeadLetters, parseDeadLetterQuery } from '../lib/dead-letters/list-dead-letters';
import { getRuntime } from '../lib/runtime';
import { answer, queryOf } from './shared/http-io';
import { registerHttpFunction, type HttpFunctionDefinition } from './shared/register';

/**
 * `GET /api/deadletters?reason=&source=&state=&since=&until=&limit=&continuation=`: dead letters, newest
 * first, filtered by reason text, source, replay state and time; one page per call.
 */
export const listDeadLettersFunction: HttpFunctionDefinition = {
  kind: 'http',
  name: 'list-dead-letters',
  route: 'deadletters',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (request: HttpRequest): Promise<HttpResponseInit> =>
    answer(async () => {
      const query = parseDeadLetterQuery(queryOf(request));
      const page = await listDeadLetters(getRuntime().containers.deadletters, query);
      return { status: 200, jsonBody: page };
    }),
};

registerHttpFunction(listDeadLettersFunction);
