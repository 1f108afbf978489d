import type { StatusMessage } from '../message/types';
import { defaultRetentionDays, secondsPerDay, type StatusFilterRule } from './rule-types';

/** What the rules decided for one status message. */
export interface ResolvedActions {
  readonly store: boolean;
  readonly retentionDays: number;
  /** The stored document's `ttl`: retentionDays in seconds. */
  readonly ttl: number;
  readonly summarize: boolean;
  /** One webhook delivery per matching rule with `notify`, in rule order. */
  readonly notify: readonly { readonly rule: string; readonly url: string }[];
}

export interface RuleEvaluation {
  readonly matched: readonly { readonly index: number; readonly name: string }[];
  /** The matching rule with `stop` that ended the evaluation, if any. */
  readonly stoppedBy: string | undefined;
  readonly actions: ResolvedActions;
}

/** The fields of a status message the rules look at. */
export type RuleSubject = Pick<
  StatusMessage,
  'site' | 'machine' | 'component' | 'severity' | 'messageId' | 'messageType' | 'attributes'
>;

type Predicate = (message: RuleSubject) => boolean;

interface CompiledRule {
  readonly index: number;
  readonly rule: StatusFilterRule;
  readonly matches: Predicate;
}

/** Rules turned into predicates once (each refresh of the cache), so each message costs a few comparisons. */
export interface CompiledRules {
  readonly rules: readonly StatusFilterRule[];
  readonly compiled: readonly CompiledRule[];
}

const lower = (value: string): string => value.toLowerCase();

const predicateOf = (rule: StatusFilterRule): Predicate => {
  const { match } = rule;
  const checks: Predicate[] = [];
  if (match.site !== undefined) {
    const site = lower(match.site);
    checks.push((m) => lower(m.site) === site);
  }
  if (match.machine !== undefined) {
    const machine = lower(match.machine);
    checks.push((m) => lower(m.machine) === machine);
  }
  if (match.component !== undefined) {
    const component = lower(match.component);
    checks.push((m) => lower(m.component) === component);
  }
  if (match.severity !== undefined) {
    const severity = match.severity;
    checks.push((m) => m.severity === severity);
  }
  if (match.messageId !== undefined) {
    const [from, to] =
      typeof match.messageId === 'number' ? [match.messageId, match.messageId] : match.messageId;
    checks.push((m) => m.messageId >= from && m.messageId <= to);
  }
  if (match.messageType !== undefined) {
    const type = match.messageType;
    checks.push((m) => (m.messageType ?? 'detail') === type);
  }
  if (match.attribute !== undefined) {
    const { name, value } = match.attribute;
    checks.push((m) => {
      const actual = m.attributes?.[name];
      return actual !== undefined && String(actual) === value;
    });
  }
  return (message) => checks.every((check) => check(message));
};

export const compileRules = (rules: readonly StatusFilterRule[]): CompiledRules => ({
  rules,
  compiled: rules.flatMap((rule, index) =>
    rule.enabled === false ? [] : [{ index, rule, matches: predicateOf(rule) }],
  ),
});

export const noRules: CompiledRules = compileRules([]);

/**
 * Runs the enabled rules in order against one message. The actions of every matching rule apply: for
 * `store`, `retentionDays` and `summarize` a later matching rule overrides what an earlier one set, field by
 * field (a field a rule leaves out keeps the value before it); each matching rule with `notify` adds one
 * delivery. A matching rule with `stop: true` ends the evaluation after its own actions. Unset at the end:
 * stored, summarized, kept 180 days for audit messages and 30 days for the others.
 */
export const evaluateRules = (rules: CompiledRules, message: RuleSubject): RuleEvaluation => {
  let store: boolean | undefined;
  let retentionDays: number | undefined;
  let summarize: boolean | undefined;
  const notify: { rule: string; url: string }[] = [];
  const matched: { index: number; name: string }[] = [];
  let stoppedBy: string | undefined;
  for (const { index, rule, matches } of rules.compiled) {
    if (!matches(message)) continue;
    matched.push({ index, name: rule.name });
    const { actions } = rule;
    store = actions.store ?? store;
    retentionDays = actions.retentionDays ?? retentionDays;
    summarize = actions.summarize ?? summarize;
    if (actions.notify) notify.push({ rule: rule.name, url: actions.notify.url });
    if (actions.stop === true) {
      stoppedBy = rule.name;
      break;
    }
  }
  const days =
    retentionDays ??
    (message.messageType === 'audit' ? defaultRetentionDays.audit : defaultRetentionDays.other);
  return {
    matched,
    stoppedBy,
    actions: {
      store: store ?? true,
      retentionDays: days,
      ttl: days * secondsPerDay,
      summarize: summarize ?? true,
      notify,
    },
  };
};
