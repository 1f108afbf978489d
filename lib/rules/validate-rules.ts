import type { ErrorObject } from 'ajv';
import rulesSchema from '../../schema/status-filter-rules.schema.json';
import { isLoopbackHost } from '../util/loopback';
import { compileSchemaDefinition, reasonsOf, shown, type Checked } from '../message/validate';
import type { StatusFilterRule } from './rule-types';

const validateRuleFile = compileSchemaDefinition(rulesSchema, 'statmgr-rules');

/** What the server checks beyond the schema: where webhooks may go, and that they can be signed. */
export interface NotifyPolicy {
  /** Host names (or `*.domain` for its subdomains) https webhooks may go to; loopback is always allowed. */
  readonly allowedHosts: readonly string[];
  /** False when no signing secret is configured: rules with `notify` are refused then. */
  readonly secretConfigured: boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `a.example.com` is allowed by `a.example.com` and by `*.example.com`. */
export const hostAllowed = (host: string, allowedHosts: readonly string[]): boolean => {
  const name = host.toLowerCase();
  return allowedHosts.some((entry) => {
    const allowed = entry.toLowerCase();
    return allowed.startsWith('*.') ? name.endsWith(allowed.slice(1)) : name === allowed;
  });
};

/** Why a webhook URL is refused, or undefined when it may be used. */
export const notifyUrlProblem = (raw: string, allowedHosts: readonly string[]): string | undefined => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `must be an absolute URL, got ${shown(raw)}`;
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'http:' && !loopback) {
    return `must use https (http only on loopback for local use), got ${shown(raw)}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must use https, got ${shown(raw)}`;
  if (!loopback && !hostAllowed(url.hostname, allowedHosts)) {
    return `host "${url.hostname}" is not in STATMGR_NOTIFY_ALLOWED_HOSTS (${allowedHosts.length > 0 ? allowedHosts.join(', ') : 'empty: loopback only'})`;
  }
  return undefined;
};

/** `rules[2].match` becomes `rules[2] ("noisy info").match`, so that a reason names the rule too. */
const withRuleNames = (reason: string, rules: unknown): string =>
  reason.replace(/^rules\[(\d+)\]/, (whole, index: string) => {
    const rule: unknown = Array.isArray(rules) ? rules[Number(index)] : undefined;
    const name = isObject(rule) && typeof rule.name === 'string' ? rule.name : undefined;
    return name === undefined ? whole : `${whole} (${JSON.stringify(name)})`;
  });

/** The schema says "a number or a pair" with anyOf; word it for people instead of listing both branches. */
const messageIdReasons = (
  errors: ErrorObject[],
  rules: unknown,
): { reasons: string[]; rest: ErrorObject[] } => {
  const paths = errors
    .filter((e) => e.keyword === 'anyOf' && e.instancePath.endsWith('/match/messageId'))
    .map((e) => e.instancePath);
  const reasons = paths.map((path) => {
    const [, index] = /^\/rules\/(\d+)\//.exec(path) ?? [];
    const rule: unknown = Array.isArray(rules) ? rules[Number(index)] : undefined;
    const value = isObject(rule) && isObject(rule.match) ? rule.match.messageId : undefined;
    return `rules[${index}].match.messageId: must be a message id (0 to 65535) or a range [from, to] of two, got ${shown(value)}`;
  });
  const rest = errors.filter((e) => !paths.some((path) => e.instancePath.startsWith(path)));
  return { reasons, rest };
};

/** Checks the schema cannot express: ranges in order, unique names, webhook URLs and their secret. */
const semanticReasons = (rules: readonly unknown[], policy: NotifyPolicy | undefined): string[] => {
  const reasons: string[] = [];
  const seen = new Map<string, number>();
  rules.forEach((rule, index) => {
    if (!isObject(rule)) return;
    const at = `rules[${index}]`;
    if (typeof rule.name === 'string') {
      const earlier = seen.get(rule.name);
      if (earlier !== undefined)
        reasons.push(`${at}.name: is already the name of rules[${earlier}]; names must be unique`);
      else seen.set(rule.name, index);
    }
    const range = isObject(rule.match) ? rule.match.messageId : undefined;
    if (Array.isArray(range) && range.length === 2) {
      const [from, to] = range as unknown[];
      if (typeof from === 'number' && typeof to === 'number' && from > to) {
        reasons.push(`${at}.match.messageId: range [${from}, ${to}] must have from <= to`);
      }
    }
    const notify = isObject(rule.actions) ? rule.actions.notify : undefined;
    if (policy && isObject(notify) && typeof notify.url === 'string') {
      const problem = notifyUrlProblem(notify.url, policy.allowedHosts);
      if (problem) reasons.push(`${at}.actions.notify.url: ${problem}`);
      if (!policy.secretConfigured) {
        reasons.push(
          `${at}.actions.notify: needs the setting STATMGR_NOTIFY_SECRET (the signing secret) on the server`,
        );
      }
    }
  });
  return reasons;
};

/**
 * Validates a rule file `{ "rules": [...] }` against schema/status-filter-rules.schema.json and the checks
 * beyond it. Each reason names the rule (index and name) and the field, e.g.
 * `rules[1] ("noisy info").match.messageId: range [20, 10] must have from <= to`. Without a policy (the
 * CLI, before sending) webhook hosts are not checked: the server does that with its own settings.
 */
export const checkRuleFile = (value: unknown, policy?: NotifyPolicy): Checked<StatusFilterRule[]> => {
  const rules = isObject(value) ? value.rules : undefined;
  const schemaOk = validateRuleFile(value);
  const { reasons: idReasons, rest } = messageIdReasons(validateRuleFile.errors ?? [], rules);
  const reasons = [
    ...(schemaOk ? [] : [...idReasons, ...reasonsOf(rest, '', value)]),
    ...(Array.isArray(rules) ? semanticReasons(rules, policy) : []),
  ];
  if (reasons.length > 0)
    return { ok: false, reasons: [...new Set(reasons)].map((r) => withRuleNames(r, rules)) };
  return { ok: true, value: (value as { rules: StatusFilterRule[] }).rules };
};
