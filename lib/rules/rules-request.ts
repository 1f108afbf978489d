import type { Config } from '../config';
import { ValidationError } from '../errors';
import { checkStatusMessage } from '../message/validate';
import { compileRules, evaluateRules, type RuleEvaluation } from './evaluate-rules';
import type { StatusFilterRule } from './rule-types';
import { checkRuleFile, type NotifyPolicy } from './validate-rules';

/** Largest `PUT /api/rules` and `POST /api/rules/test` body. */
export const maxRulesBodyBytes = 256 * 1024;

export const notifyPolicyOf = (config: Config): NotifyPolicy => ({
  allowedHosts: config.rules.notifyAllowedHosts,
  secretConfigured: config.rules.notifySecret !== undefined,
});

/** The body of `PUT /api/rules`: `{ "rules": [...] }`, checked against the schema and the server's policy. */
export const parseRulesPut = (body: unknown, policy: NotifyPolicy): StatusFilterRule[] => {
  if (body === undefined) throw new ValidationError(['body: is required: { "rules": [ ... ] }']);
  const checked = checkRuleFile(body, policy);
  if (!checked.ok) throw new ValidationError(checked.reasons);
  return checked.value;
};

/** `POST /api/rules/test`: which rules match this status message and what they decide. */
export const testRules = (rules: readonly StatusFilterRule[], body: unknown): RuleEvaluation => {
  if (body === undefined) throw new ValidationError(['body: is required: a status message']);
  const checked = checkStatusMessage(body, 'body');
  if (!checked.ok) throw new ValidationError(checked.reasons);
  return evaluateRules(compileRules(rules), checked.value);
};
