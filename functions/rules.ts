import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getRuntime } from '../lib/runtime';
import { maxRulesBodyBytes, notifyPolicyOf, parseRulesPut } from '../lib/rules/rules-request';
import { readRules, replaceRules } from '../lib/rules/rules-store';
import { answer, jsonBodyOf } from './shared/http-io';
import { registerHttpFunction, type HttpFunctionDefinition } from './shared/register';

/**
 * `GET /api/rules`: `{ rules, etag }`. `PUT /api/rules` `{ rules }` replaces the ordered list; it needs
 * `If-Match` with the etag (428 without, 412 when someone changed the rules since) and answers 400 with
 * reasons naming the rule and field. Every instance applies a change within STATMGR_RULES_REFRESH_SECONDS.
 */
export const rules: HttpFunctionDefinition = {
  kind: 'http',
  name: 'rules',
  route: 'rules',
  methods: ['GET', 'PUT'],
  authLevel: 'function',
  handler: (request: HttpRequest): Promise<HttpResponseInit> =>
    answer(async () => {
      const runtime = getRuntime();
      const container = runtime.containers.rules;
      if (request.method === 'GET') {
        const stored = await readRules(container);
        return { status: 200, jsonBody: stored, headers: { etag: stored.etag } };
      }
      const ifMatch = request.headers.get('if-match')?.trim();
      if (!ifMatch) {
        return {
          status: 428,
          jsonBody: {
            error:
              'If-Match is required: send the etag GET /api/rules answered ("none" before any rules exist)',
          },
        };
      }
      const list = parseRulesPut(
        await jsonBodyOf(request, maxRulesBodyBytes),
        notifyPolicyOf(runtime.config),
      );
      const result = await replaceRules(container, list, ifMatch, runtime.now());
      if (result === 'stale') {
        const current = await readRules(container);
        return {
          status: 412,
          jsonBody: {
            error: 'the rules changed since that etag: GET them again, merge, and PUT with the new etag',
            etag: current.etag,
          },
        };
      }
      runtime.rules.invalidate();
      return { status: 200, jsonBody: result, headers: { etag: result.etag } };
    }),
};

registerHttpFunction(rules);
