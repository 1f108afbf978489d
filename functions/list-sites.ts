import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getRuntime } from '../lib/runtime';
import { readSites } from '../lib/summaries/read-summaries';
import { checkSummaryRequest } from '../lib/summaries/summary-request';
import { answer, queryOf } from './shared/http-io';
import { registerHttpFunction, type HttpFunctionDefinition } from './shared/register';

/** `GET /api/sites`: each site with its worst component status, its number of components, its last message. */
export const listSites: HttpFunctionDefinition = {
  kind: 'http',
  name: 'list-sites',
  route: 'sites',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (request: HttpRequest): Promise<HttpResponseInit> =>
    answer(async () => {
      checkSummaryRequest({ site: '-' }, queryOf(request), false);
      const runtime = getRuntime();
      const sites = await readSites(runtime.containers, runtime.config.summaries, runtime.now());
      return { status: 200, jsonBody: sites };
    }),
};

registerHttpFunction(listSites);
