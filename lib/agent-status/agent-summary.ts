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
  /**
   * Ranges recorded since the last compaction, in the order they were committed, not merged yet: the ingest
   * appends one with a single patch (no read, no etag race); `foldPending` merges them into `ranges`.
   */
  readonly pending?: readonly TimedRange[];
  readonly firstSeenAt: string;
  readonly updatedAt: string;
}

/** Pending ranges a patch may leave before the ingest folds them into `ranges` (one replace per this many). */
export const pendingFoldAt = 32;

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

const covered = (
  ranges: readonly TimedRange[],
  { first, last }: Pick<TimedRange, 'first' | 'last'>,
): boolean => ranges.some((r) => r.first <= first && last <= r.last);

/**
 * Merges one range into a summary as the ingest always did: a covered range (a redelivery) changes nothing,
 * one below `forgottenBelow` is ignored, an absurd one is counted as refused; ranges stay bounded. Pure.
 */
const mergeInto = (summary: AgentSummary, range: TimedRange): AgentSummary => {
  if (covered(summary.ranges, range)) return summary;
  if (summary.forgottenBelow !== undefined && range.last < summary.forgottenBelow) return summary;
  const merged = mergeBounded(summary.ranges, range);
  const forgottenBelow = Math.max(merged.forgottenBelow ?? 0, summary.forgottenBelow ?? 0);
  return {
    ...summary,
    ranges: merged.ranges,
    ...(forgottenBelow > 0 ? { forgottenBelow } : {}),
    ...(merged.refused ? { refusedRanges: (summary.refusedRanges ?? 0) + 1 } : {}),
  };
};

/**
 * The summary with its pending ranges merged in, one after the other in the order they were committed: the
 * same ranges, `forgottenBelow` and refused count as if each had been merged when it was recorded. Pure.
 */
export const foldPending = (summary: AgentSummary): AgentSummary =>
  (summary.pending ?? []).reduce(mergeInto, { ...summary, pending: [] });

const newSummary = (range: AgentRange, incoming: TimedRange, id: string, now: string): AgentSummary => ({
  id,
  site: range.site,
  machine: range.machine,
  ranges: [incoming],
  pending: [],
  firstSeenAt: now,
  updatedAt: now,
});

/**
 * Folds the pending ranges of `summary` into its ranges with If-Match on `etag`. A 412 means another
 * delivery appended meanwhile: its own patch will fold, nothing is lost either way (a pending range is as
 * recorded as a merged one).
 */
const foldStored = async (container: Container, summary: AgentSummary, etag: string): Promise<void> => {
  try {
    await container
      .item(summary.id, [summary.site, summary.machine])
      .replace(foldPending(summary), { accessCondition: { type: 'IfMatch', condition: etag } });
  } catch (error) {
    if (cosmosStatusOf(error) !== 412) throw error;
  }
};

/**
 * Records a range in the agent's summary with one request: a patch that appends it to `pending` (Cosmos
 * applies patches atomically, so concurrent deliveries of one agent never race); every `pendingFoldAt`
 * ranges the ingest folds them into `ranges`. A summary that does not exist yet is created (409: someone else
 * created it, patch again). A summary written before `pending` existed fails the patch's condition (412) and
 * is folded and rewritten once with read and If-Match replace. Readers fold (`foldPending`), so a redelivered
 * envelope changes nothing they see. Throws TransientError while Cosmos is unavailable.
 */
export const recordAgentRange = async (
  container: Container,
  range: AgentRange,
  now: string,
): Promise<void> => {
  const partitionKey = [range.site, range.machine];
  const id = agentSummaryId(range.site, range.machine);
  const incoming: TimedRange = { first: range.first, last: range.last, since: now };
  const item = container.item(id, partitionKey);
  const failed = (error: unknown) =>
    classifyCosmosError(
      error,
      `recording seq ${range.first}-${range.last} of ${range.site}/${range.machine}`,
    );
  for (let attempt = 0; attempt < 50; attempt += 1) {
    let status: number | undefined;
    try {
      const { resource, etag } = await item.patch<AgentSummary>({
        condition: 'FROM c WHERE IS_ARRAY(c.pending)',
        operations: [
          { op: 'add', path: '/pending/-', value: incoming },
          { op: 'set', path: '/updatedAt', value: now },
        ],
      });
      if (resource && etag && (resource.pending?.length ?? 0) >= pendingFoldAt)
        await foldStored(container, resource, etag);
      return;
    } catch (error) {
      status = cosmosStatusOf(error);
      if (status !== 404 && status !== 412) throw failed(error);
    }
    try {
      if (status === 404) {
        await container.items.create(newSummary(range, incoming, id, now));
        return;
      }
      // 412: written before `pending` existed: fold it and this range, and give it `pending`.
      const { resource, etag } = await item.read<AgentSummary>();
      if (resource) {
        const updated = { ...mergeInto(foldPending(resource), incoming), pending: [], updatedAt: now };
        await item.replace(updated, { accessCondition: { type: 'IfMatch', condition: etag ?? '' } });
        return;
      }
    } catch (error) {
      // 409: created meanwhile; 412: changed meanwhile. Patch again.
      const raced = cosmosStatusOf(error);
      if (raced !== 409 && raced !== 412) throw failed(error);
    }
    await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
  }
  throw new TransientError(`recording seq of ${range.site}/${range.machine}: too many concurrent updates`);
};
