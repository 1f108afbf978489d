import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { getRuntime } from '../lib/runtime';
import { resetComponent } from '../lib/summaries/reset-component';
import { checkSummaryRequest } from '../lib/summaries/summary-request';
import { answer, queryOf } from './shared/http-io';
import { failsWithError } from './shared/function-app';

/** `POST /api/sites/{site}/components/{component}/reset`: the component's threshold period starts now. */
export const resetComponentFunction = async (request: HttpRequest): Promise<HttpResponseInit> =>
  answer(async () => {
    const { site, component } = checkSummaryRequest(request.params, queryOf(request), true);
    const runtime = getRuntime();
    const reset = await resetComponent(runtime.containers.summaries, site, component, runtime.now());
    return {
      status: 200,
      jsonBody: { site, component, resetAt: reset.resetAt, periodStart: reset.resetAt },
    };
  });

app.http('reset-component', {
  route: 'sites/{site}/components/{component}/reset',
  methods: ['POST'],
  authLevel: 'function',
  handler: failsWithError(resetComponentFunction),
});
