import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { checkAgentParams } from '../lib/agent-status/agent-status';
import { ValidationError } from '../lib/errors';
import { isUuid } from '../lib/message/ids';
import { getMessage } from '../lib/query/query-messages';
import { getRuntime } from '../lib/runtime';
import { answer, queryOf } from './shared/http-io';
import { failsWithError } from './shared/function-app';

const checkedKey = (request: HttpRequest): [string, string, string] => {
  const id = request.params.id ?? '';
  const reasons: string[] = [];
  let key: [string, string] = ['', ''];
  try {
    key = checkAgentParams(request.params.site, request.params.machine);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    reasons.push(...error.reasons);
  }
  if (!isUuid(id))
    reasons.push(`id: must be a UUID (a status message id), got ${JSON.stringify(id.slice(0, 60))}`);
  reasons.push(...Object.keys(queryOf(request)).map((name) => `query.${name}: is not a known parameter`));
  if (reasons.length > 0) throw new ValidationError(reasons);
  return [...key, id.toLowerCase()];
};

/** `GET /api/status-messages/{site}/{machine}/{id}`: one stored message with its description; 404 if absent. */
export const getStatusMessageFunction = async (request: HttpRequest): Promise<HttpResponseInit> =>
  answer(async () => {
    const [site, machine, id] = checkedKey(request);
    const item = await getMessage(getRuntime().containers.messages, site, machine, id);
    return item
      ? { status: 200, jsonBody: item }
      : { status: 404, jsonBody: { error: `no status message ${id} stored for ${site}/${machine}` } };
  });

app.http('get-status-message', {
  route: 'status-messages/{site}/{machine}/{id}',
  methods: ['GET'],
  authLevel: 'function',
  handler: failsWithError(getStatusMessageFunction),
});
