import type { MessageType, Severity } from '../message/types';

/** Criteria of a status filter rule (schema/status-filter-rules.schema.json): every given one must hold. */
export interface RuleMatch {
  readonly site?: string;
  readonly machine?: string;
  readonly component?: string;
  readonly severity?: Severity;
  /** One message id, or an inclusive range [from, to]. */
  readonly messageId?: number | readonly [number, number];
  readonly messageType?: MessageType;
  readonly attribute?: { readonly name: string; readonly value: string };
}

export interface RuleActions {
  /** false: discard the message (not stored, still accounted for). */
  readonly store?: boolean;
  readonly retentionDays?: number;
  /** false: the stored document carries `summarize: false` and is left out of the component summaries. */
  readonly summarize?: boolean;
  readonly notify?: { readonly url: string };
  /** true: no rule after this one is evaluated. */
  readonly stop?: boolean;
}

export interface StatusFilterRule {
  readonly name: string;
  /** Default true; a disabled rule is kept in the list but never matches. */
  readonly enabled?: boolean;
  readonly match: RuleMatch;
  readonly actions: RuleActions;
}

/** Retention without a rule that says otherwise (the SMS defaults): audit messages 180 days, others 30. */
export const defaultRetentionDays = { audit: 180, other: 30 } as const;

export const secondsPerDay = 86_400;
