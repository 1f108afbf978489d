import type { HttpResponseInit } from '@azure/functions';
import { checkHealth } from '../lib/health/check-health';
import { getRuntime } from '../lib/runtime';
import { registerHttpFunction, type HttpFunctionDefinition } from './shared/register';

/** `GET /api/health`: 200 when the queue, the poison queue and Cosmos are reachable, else 503; each part reported. */
export const healthFunction: HttpFunctionDefinition = {
  kind: 'http',
  name: 'health',
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (): Promise<HttpResponseInit> => {
    const report = await checkHealth(getRuntime());
    return { status: report.ok ? 200 : 503, jsonBody: { status: report.ok ? 'ok' : 'degraded', ...report } };
  },
};

registerHttpFunction(healthFunction);
