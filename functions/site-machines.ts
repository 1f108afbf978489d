import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getRuntime } from '../lib/runtime';
import { readSiteMachines } from '../lib/summaries/read-summaries';
import { checkSummaryRequest } from '../lib/summaries/summary-request';
import { answer, queryOf } from './shared/http-io';
import { registerHttpFunction, type HttpFunctionDefinition } from './shared/register';

/**
 * `GET /api/sites/{site}/machines`: the same counts per machine, plus the machines that have been silent for
 * STATMGR_SUMMARY_SILENT_MINUTES or longer.
 */
export const siteMachines: HttpFunctionDefinition = {
  kind: 'http',
  name: 'site-machines',
  route: 'sites/{site}/machines',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (request: HttpRequest): Promise<HttpResponseInit> =>
    answer(async () => {
      const { site } = checkSummaryRequest(request.params, queryOf(request), false);
      const runtime = getRuntime();
      const summary = await readSiteMachines(
        runtime.containers,
        runtime.config.summaries,
        site,
        runtime.now(),
      );
      return { status: 200, jsonBody: summary };
    }),
};

registerHttpFunction(siteMachines);
