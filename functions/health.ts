import { app, type HttpResponseInit } from '@azure/functions';
import { checkHealth } from '../lib/health/check-health';
import { getRuntime } from '../lib/runtime';
import { failsWithError } from './shared/function-app';

/** `GET /api/health`: 200 when the queue, the poison queue and Cosmos are reachable, else 503; each part reported. */
export const healthFunction = async (): Promise<HttpResponseInit> => {
  const report = await checkHealth(getRuntime());
  return { status: report.ok ? 200 : 503, jsonBody: { status: report.ok ? 'ok' : 'degraded', ...report } };
};

app.http('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: failsWithError(healthFunction),
});
