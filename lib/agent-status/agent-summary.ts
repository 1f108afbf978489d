import type { Container } from '@azure/cosmos';
import { classifyCosmosError, cosmosStatusOf } from '../cosmos/cosmos-errors';
import { TransientError } from '../errors';
import { sleep } from '../util/sleep';
import { uuidV5 } from '../message/ids';
import type { ParsedQueueMessage } from '../message/parse-queue-message';
import { mergeTimedRange, type TimedRange } from './seq-ranges';

/** At most this many ranges are kept per agent: past it, the lowest are forgotten (`forgottenBelow`). */
export const maxRangesKept = 1000;
/** A range starting more than this beyond the highest number seen is not credited (a sender's bug). */
export const maxSeqJump = 10_000_000;

/**
 * Merges `incoming` into `ranges`, bounded whatever senders do: a range absurdly beyond the highest number
 * seen is refused (not credited), and past `maxRangesKept` ranges the lowest are dropped. Pure.
 */
export const mergeBounded = (
  ranges: readonly TimedRange[],
  incoming: TimedRange,
): { ranges: TimedRange[]; refused: boolean; forgottenBelow: number | undefined } => {
  const highest = ranges.at(-1)?.last;
  if (highest !== undefined && incoming.first > highest + maxSeqJump) {
    return { ranges: [...ranges], refused: true, forgottenBelow: undefined };
  }
  const merged = mergeTimedRange(ranges, incoming);
  if (merged.length <= maxRangesKept) return { ranges: merged, refused: false, forgottenBelow: undefined };
  const kept = merged.slice(merged.length - maxRangesKept);
  return { ranges: kept, refused: false, forgottenBelow: kept[0]!.first };
};

/** The one document per agent in `agents` (partition key `/site`, `/machine`). */
export interface AgentSummary {
  readonly id: string;
  readonly site: string;
  readonly machine: string;
  /** Sorted, disjoint ranges of sequence numbers the server has taken in (stored or dead-lettered). */
  readonly ranges: readonly TimedRange[];
  /** Set once more than `maxRangesKept` ranges were seen: numbers below it are no longer tracked. */
  readonly forgottenBelow?: number;
  /** Ranges not credited because they started absurdly beyond the highest number seen. */
  readonly refusedRanges?: number;
  readonly firstSeenAt: string;
  readonly updatedAt: string;
}

/**
 * The summary's id: a UUIDv5 of (site, machine). Unique per partition would do on Cosmos DB, but the
 * emulator matches point reads on id alone, so the id is unique across partitions too.
 */
export const agentSummaryId = (site: string, machine: string): string =>
  uuidV5(`agent-summary:${JSON.stringify([site, machine])}`);

export interface AgentRange {
  readonly site: string;
  readonly machine: string;
  readonly first: number;
  readonly last: number;
}

/**
 * The sequence ranges an envelope carries: `seq` to `seq + messages - 1` of the envelope's agent (taken from
 * its first valid message). Every position counts (an invalid one is kept in `deadletters`, not lost) except
 * the `excluded` positions: items whose id was already stored with different content were not stored.
 */
export const agentRangesOf = (
  parsed: ParsedQueueMessage,
  excluded: ReadonlySet<number> = new Set(),
): AgentRange[] => {
  if (parsed.kind !== 'envelope' || parsed.seq === undefined) return [];
  const first = parsed.items.find((item) => item.ok);
  if (!first?.ok) return [];
  const { site, machine } = first.message;
  const ranges: AgentRange[] = [];
  let start: number | undefined;
  parsed.items.forEach((item, index) => {
    const seq = parsed.seq! + index;
    if (excluded.has(item.position)) {
      if (start !== undefined) ranges.push({ site, machine, first: start, last: seq - 1 });
      start = undefined;
    } else start ??= seq;
  });
  if (start !== undefined)
    ranges.push({ site, machine, first: start, last: parsed.seq + parsed.items.length - 1 });
  return ranges;
};

const covered = (ranges: readonly TimedRange[], { first, last }: AgentRange): boolean =>
  ranges.some((r) => r.first <= first && last <= r.last);

/**
 * Merges a range into the agent's summary: read, merge, then create (409: someone else created it) or
 * replace with If-Match on the etag (412: someone else changed it); both retried. A range already covered
 * writes nothing, so a redelivered envelope is harmless. Throws TransientError while Cosmos is unavailable.
 */
export const recordAgentRange = async (
  container: Container,
  range: AgentRange,
  now: string,
): Promise<void> => {
  const partitionKey = [range.site, range.machine];
  const id = agentSummaryId(range.site, range.machine);
  const incoming: TimedRange = { first: range.first, last: range.last, since: now };
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      const { resource, etag } = await container.item(id, partitionKey).read<AgentSummary>();
      if (!resource) {
        const created: AgentSummary = {
          id,
          site: range.site,
          machine: range.machine,
          ranges: [incoming],
          firstSeenAt: now,
          updatedAt: now,
        };
        await container.items.create(created);
        return;
      }
      if (covered(resource.ranges, range)) return;
      if (resource.forgottenBelow !== undefined && range.last < resource.forgottenBelow) return;
      const merged = mergeBounded(resource.ranges, incoming);
      const forgottenBelow = Math.max(merged.forgottenBelow ?? 0, resource.forgottenBelow ?? 0);
      const updated: AgentSummary = {
        ...resource,
        ranges: merged.ranges,
        ...(forgottenBelow > 0 ? { forgottenBelow } : {}),
        ...(merged.refused ? { refusedRanges: (resource.refusedRanges ?? 0) + 1 } : {}),
        updatedAt: now,
      };
      await container
        .item(id, partitionKey)
        .replace(updated, { accessCondition: { type: 'IfMatch', condition: etag ?? '' } });
      return;
    } catch (error) {
      const status = cosmosStatusOf(error);
      if (status !== 409 && status !== 412) {
        throw classifyCosmosError(
          error,
          `recording seq ${range.first}-${range.last} of ${range.site}/${range.machine}`,
        );
      }
      await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
  }
  throw new TransientError(`recording seq of ${range.site}/${range.machine}: too many concurrent updates`);
};
