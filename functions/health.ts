import { app, type HttpResponseInit } from '@azure/functions';
import { createHealthCache } from '../lib/health/cached-health';
import { checkHealth } from '../lib/health/check-health';
import { getRuntime } from '../lib/runtime';
import { failsWithError } from './shared/function-app';

const cache = createHealthCache(getRuntime);

/**
 * `GET /api/health` (anonymous): `{ "status": "ok" }` (200) or `{ "status": "degraded" }` (503) and nothing
 * else, from a result cached for about 10 s (see lib/health/cached-health.ts).
 */
export const healthFunction = async (): Promise<HttpResponseInit> => {
  const report = await cache.get();
  return { status: report.ok ? 200 : 503, jsonBody: { status: report.ok ? 'ok' : 'degraded' } };
};

/** `GET /api/health/details` (function key): a fresh check of each part, with queue depths and error texts. */
export const healthDetailsFunction = async (): Promise<HttpResponseInit> => {
  const report = await checkHealth(getRuntime());
  return { status: report.ok ? 200 : 503, jsonBody: { status: report.ok ? 'ok' : 'degraded', ...report } };
};

app.http('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: failsWithError(healthFunction),
});

app.http('health-details', {
  route: 'health/details',
  methods: ['GET'],
  authLevel: 'function',
  handler: failsWithError(healthDetailsFunction),
});
