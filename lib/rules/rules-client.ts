import { describeError, PermanentError, TransientError, ValidationError } from '../errors';
import type { RuleEvaluation } from './evaluate-rules';
import type { StatusFilterRule } from './rule-types';
import type { StoredRules } from './rules-store';

/** Talks to `/api/rules` of a statmgr HTTP API (the rules CLI). */
export interface RulesApi {
  readonly baseUrl: string;
  readonly key: string | undefined;
}

const call = async (
  api: RulesApi,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => {
  let response: Response;
  try {
    response = await fetch(`${api.baseUrl}/${path}`, {
      method,
      headers: {
        ...(api.key ? { 'x-functions-key': api.key } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new TransientError(
      `cannot reach ${api.baseUrl} (${describeError(error)}); is the host running? (--url)`,
      {
        cause: error,
      },
    );
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.status === 401 || response.status === 403) {
    throw new PermanentError(
      `${method} ${path}: the API key was refused (${response.status}); give --key or STATMGR_API_KEY`,
    );
  }
  if (response.status === 400 || response.status === 413) {
    const reasons = (json as { reasons?: unknown } | undefined)?.reasons;
    throw new ValidationError(
      Array.isArray(reasons) ? reasons.map(String) : [`${method} ${path}: ${response.status} ${text}`],
    );
  }
  return { status: response.status, json, text };
};

const failed = (method: string, path: string, status: number, text: string): PermanentError =>
  new PermanentError(`${method} ${path} answered ${status}: ${text.slice(0, 500)}`);

export const getRules = async (api: RulesApi): Promise<StoredRules> => {
  const { status, json, text } = await call(api, 'GET', 'rules');
  if (status !== 200) throw failed('GET', 'rules', status, text);
  return json as StoredRules;
};

/** Replaces the rules; `ifMatch` defaults to the etag the server has right now (last writer wins then). */
export const putRules = async (
  api: RulesApi,
  rules: readonly StatusFilterRule[],
  ifMatch?: string,
): Promise<StoredRules> => {
  const etag = ifMatch ?? (await getRules(api)).etag;
  const { status, json, text } = await call(api, 'PUT', 'rules', { rules }, { 'if-match': etag });
  if (status === 412) {
    throw new PermanentError(`the rules changed since etag ${etag}: list them again and retry (412)`);
  }
  if (status !== 200) throw failed('PUT', 'rules', status, text);
  return json as StoredRules;
};

export const testRules = async (api: RulesApi, message: unknown): Promise<RuleEvaluation> => {
  const { status, json, text } = await call(api, 'POST', 'rules/test', message);
  if (status !== 200) throw failed('POST', 'rules/test', status, text);
  return json as RuleEvaluation;
};
