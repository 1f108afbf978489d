import type { Container } from '@azure/cosmos';
import { classifyCosmosError } from '../cosmos/cosmos-errors';
import { ValidationError } from '../errors';
import { agentSummaryId, foldPending, type AgentSummary } from './agent-summary';
import type { TimedRange } from './seq-ranges';

export interface SeqGap {
  readonly first: number;
  readonly last: number;
  /** When the numbers after the gap were first stored: the gap is at least this old. */
  readonly since: string;
  readonly ageSeconds: number;
}

export interface AgentStatus {
  readonly site: string;
  readonly machine: string;
  /** Every number from the first (1, or 0 if the agent started there) up to this one is stored. */
  readonly highestContiguous: number;
  /** Numbers below this are no longer tracked (more than 1000 ranges were seen); absent when all are. */
  readonly forgottenBelow?: number;
  /** Ranges a sender numbered absurdly beyond the highest seen: not credited. */
  readonly refusedRanges?: number;
  readonly highestSeen: number;
  readonly stored: number;
  readonly ranges: readonly TimedRange[];
  /** Missing numbers older than the gap age: probably lost between the agent and the store. */
  readonly gaps: readonly SeqGap[];
  /** Missing numbers younger than the gap age: probably still on their way. */
  readonly recentGaps: readonly SeqGap[];
  readonly gapAgeSeconds: number;
  readonly firstSeenAt: string;
  readonly updatedAt: string;
}

/** A site code or machine name as the message schema allows it (Cosmos forbids / \ ? # in keys). */
const namePattern = /^[^/\\?#\u0000-\u001f\u007f]{1,255}$/;

export const checkAgentParams = (site: string | undefined, machine: string | undefined): [string, string] => {
  const reasons: string[] = [];
  if (!site || !namePattern.test(site))
    reasons.push('site: must be 1-255 characters without / \\ ? # or controls');
  if (!machine || !namePattern.test(machine)) {
    reasons.push('machine: must be 1-255 characters without / \\ ? # or controls');
  }
  if (reasons.length > 0) throw new ValidationError(reasons);
  return [site!, machine!];
};

/** Highest contiguous number and gaps of a summary document (its pending ranges folded in), as of `now`. Pure. */
export const summarize = (stored: AgentSummary, now: Date, gapAgeSeconds: number): AgentStatus => {
  const summary = foldPending(stored);
  const ranges = summary.ranges;
  const start = summary.forgottenBelow ?? (ranges[0]?.first === 0 ? 0 : 1);
  const all: SeqGap[] = [];
  let expected = start;
  for (const range of ranges) {
    if (range.first > expected) {
      const ageSeconds = Math.max(0, Math.floor((now.getTime() - Date.parse(range.since)) / 1000));
      all.push({ first: expected, last: range.first - 1, since: range.since, ageSeconds });
    }
    expected = Math.max(expected, range.last + 1);
  }
  const firstRange = ranges[0];
  return {
    site: summary.site,
    machine: summary.machine,
    highestContiguous: firstRange && firstRange.first <= start ? firstRange.last : start - 1,
    ...(summary.forgottenBelow === undefined ? {} : { forgottenBelow: summary.forgottenBelow }),
    ...(summary.refusedRanges === undefined ? {} : { refusedRanges: summary.refusedRanges }),
    highestSeen: ranges.at(-1)?.last ?? start - 1,
    stored: ranges.reduce((sum, r) => sum + r.last - r.first + 1, 0),
    ranges,
    gaps: all.filter((gap) => gap.ageSeconds >= gapAgeSeconds),
    recentGaps: all.filter((gap) => gap.ageSeconds < gapAgeSeconds),
    gapAgeSeconds,
    firstSeenAt: summary.firstSeenAt,
    updatedAt: summary.updatedAt,
  };
};

/** The agent's status, or undefined when the server has never stored a numbered message of it. */
export const readAgentStatus = async (
  container: Container,
  site: string,
  machine: string,
  now: Date,
  gapAgeSeconds: number,
): Promise<AgentStatus | undefined> => {
  try {
    const { resource } = await container
      .item(agentSummaryId(site, machine), [site, machine])
      .read<AgentSummary>();
    return resource ? summarize(resource, now, gapAgeSeconds) : undefined;
  } catch (error) {
    throw classifyCosmosError(error, `reading agent ${site}/${machine}`);
  }
};
