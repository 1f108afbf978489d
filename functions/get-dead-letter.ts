import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { ValidationError } from '../lib/errors';
import { getDeadLetter } from '../lib/dead-letters/list-dead-letters';
import { isUuid } from '../lib/message/ids';
import { getRuntime } from '../lib/runtime';
import { answer, queryOf } from './shared/http-io';
import { failsWithError } from './shared/function-app';

/** `GET /api/deadletters/{id}`: one dead letter with its raw body. */
export const getDeadLetterFunction = async (request: HttpRequest): Promise<HttpResponseInit> =>
  answer(async () => {
    const id = request.params.id ?? '';
    const reasons = [
      ...(isUuid(id)
        ? []
        : [`id: must be a UUID (a dead letter id), got ${JSON.stringify(id.slice(0, 60))}`]),
      ...Object.keys(queryOf(request)).map((name) => `query.${name}: is not a known parameter`),
    ];
    if (reasons.length > 0) throw new ValidationError(reasons);
    const letter = await getDeadLetter(getRuntime().containers.deadletters, id.toLowerCase());
    return letter
      ? { status: 200, jsonBody: letter }
      : { status: 404, jsonBody: { error: `no dead letter ${id}` } };
  });

app.http('get-dead-letter', {
  route: 'deadletters/{id}',
  methods: ['GET'],
  authLevel: 'function',
  handler: failsWithError(getDeadLetterFunction),
});
