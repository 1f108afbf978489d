import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getRuntime } from '../lib/runtime';
import { maxRulesBodyBytes, testRules } from '../lib/rules/rules-request';
import { readRules } from '../lib/rules/rules-store';
import { answer, jsonBodyOf } from './shared/http-io';
import { registerHttpFunction, type HttpFunctionDefinition } from './shared/register';

/**
 * `POST /api/rules/test` with a status message: which of the stored rules match it (index and name), the
 * rule that stopped the evaluation, and the resulting actions (store, retentionDays, ttl, summarize, notify).
 */
export const rulesTest: HttpFunctionDefinition = {
  kind: 'http',
  name: 'rules-test',
  route: 'rules/test',
  methods: ['POST'],
  authLevel: 'function',
  handler: (request: HttpRequest): Promise<HttpResponseInit> =>
    answer(async () => {
      const body = await jsonBodyOf(request, maxRulesBodyBytes);
      const { rules } = await readRules(getRuntime().containers.rules);
      return { status: 200, jsonBody: testRules(rules, body) };
    }),
};

registerHttpFunction(rulesTest);
