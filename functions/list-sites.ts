import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { getRuntime } from '../lib/runtime';
import { readSites } from '../lib/summaries/read-summaries';
import { checkSummaryRequest } from '../lib/summaries/summary-request';
import { answer, queryOf } from './shared/http-io';
import { failsWithError } from './shared/function-app';

/** `GET /api/sites`: each site with its worst component status, its number of components, its last message. */
export const listSitesFunction = async (request: HttpRequest): Promise<HttpResponseInit> =>
  answer(async () => {
    checkSummaryRequest({ site: '-' }, queryOf(request), false);
    const runtime = getRuntime();
    const sites = await readSites(runtime.containers, runtime.config.summaries, runtime.now());
    return { status: 200, jsonBody: sites };
  });

app.http('list-sites', {
  route: 'sites',
  methods: ['GET'],
  authLevel: 'function',
  handler: failsWithError(listSitesFunction),
});
