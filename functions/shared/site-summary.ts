import type { HttpHandler } from '@azure/functions';
import { getRuntime, type Runtime } from '../../lib/runtime';
import { checkSummaryRequest } from '../../lib/summaries/summary-request';
import { answer, queryOf } from './http-io';

/** The handler of a `GET /api/sites/{site}/...` summary: validate, read with the runtime, answer 200. */
export const siteSummaryHandler =
  (
    read: (
      containers: Runtime['containers'],
      settings: Runtime['config']['summaries'],
      site: string,
      now: Date,
    ) => Promise<unknown>,
  ): HttpHandler =>
  async (request) =>
    answer(async () => {
      const { site } = checkSummaryRequest(request.params, queryOf(request), false);
      const runtime = getRuntime();
      return {
        status: 200,
        jsonBody: await read(runtime.containers, runtime.config.summaries, site, runtime.now()),
      };
    });
