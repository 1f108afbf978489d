import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getRuntime } from '../lib/runtime';
import { readSiteComponents } from '../lib/summaries/read-summaries';
import { checkSummaryRequest } from '../lib/summaries/summary-request';
import { answer, queryOf } from './shared/http-io';
import { registerHttpFunction, type HttpFunctionDefinition } from './shared/register';

/**
 * `GET /api/sites/{site}/components`: per component, the info, warning and error messages of the threshold
 * period, the status they give under the thresholds that apply, and the last message's time.
 */
export const siteComponents: HttpFunctionDefinition = {
  kind: 'http',
  name: 'site-components',
  route: 'sites/{site}/components',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (request: HttpRequest): Promise<HttpResponseInit> =>
    answer(async () => {
      const { site } = checkSummaryRequest(request.params, queryOf(request), false);
      const runtime = getRuntime();
      const summary = await readSiteComponents(
        runtime.containers,
        runtime.config.summaries,
        site,
        runtime.now(),
      );
      return { status: 200, jsonBody: summary };
    }),
};

registerHttpFunction(siteComponents);
