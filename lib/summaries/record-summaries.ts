import type { Container } from '@azure/cosmos';
import { CoalescedWrites } from '../cosmos/coalesced-writes';
import { classifyCosmosError } from '../cosmos/cosmos-errors';
import type { StoreResult } from '../cosmos/store-documents';
import { statusMessageId } from '../message/ids';
import type { ParsedQueueMessage } from '../message/parse-queue-message';
import type { StoredStatusMessage } from '../message/types';
import { hourBucketOf, isLaterTime } from './period';
import {
  deltaId,
  isSummarized,
  presenceId,
  type SummaryDelta,
  type SummaryGroup,
  type SummaryPresence,
} from './summary-documents';

/** What the ingest of one queue message hands to the summaries once its status messages are committed. */
export interface SummaryInput {
  readonly parsed: ParsedQueueMessage;
  readonly batchId: string;
  /** The documents the ingest tried to store (a rule may have left some valid messages out). */
  readonly documents: readonly StoredStatusMessage[];
  readonly result: StoreResult<StoredStatusMessage>;
  readonly now: string;
}

export interface SummaryContainers {
  readonly messages: Container;
  readonly summaries: Container;
}

/** The fields of a stored status message the summaries need. */
type Counted = Pick<
  StoredStatusMessage,
  'id' | 'site' | 'machine' | 'component' | 'severity' | 'time' | 'batchId' | 'position'
> & { readonly summarize?: unknown };

interface ValidItem {
  readonly position: number;
  readonly id: string;
  readonly site: string;
  readonly machine: string;
}

const validItemsOf = ({ parsed, batchId }: SummaryInput): ValidItem[] =>
  parsed.items.flatMap((item) =>
    item.ok
      ? [
          {
            position: item.position,
            id: statusMessageId(item.message.id, batchId, item.position),
            site: item.message.site,
            machine: item.message.machine,
          },
        ]
      : [],
  );

const groupBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
};

/**
 * The stored versions of these ids: point reads (1 RU each on Cosmos DB, only on this rare path). A query would
 * be cheaper on Cosmos DB, but the emulator scans the whole container for every query (seconds at 20,000
 * documents), which would slow every redelivery there.
 */
const readStored = async (
  messages: Container,
  site: string,
  machine: string,
  ids: readonly string[],
): Promise<Counted[]> => {
  try {
    const reads = await Promise.all(
      [...new Set(ids)].map(
        async (id) => (await messages.item(id, [site, machine]).read<Counted>()).resource,
      ),
    );
    return reads.filter((document): document is NonNullable<typeof document> => document !== undefined);
  } catch (error) {
    throw classifyCosmosError(error, `reading back ${ids.length} stored messages of ${site}/${machine}`);
  }
};

const groupsOf = (counted: readonly Counted[]): SummaryGroup[] => {
  const groups = new Map<string, { -readonly [K in keyof SummaryGroup]: SummaryGroup[K] }>();
  for (const message of counted) {
    if (!isSummarized(message)) continue;
    const hour = hourBucketOf(message.time);
    // Unambiguous: severity, hour and machine cannot hold \u0000; the component, which can, comes last.
    const key = `${message.severity}\u0000${hour}\u0000${message.machine}\u0000${message.component}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, {
        component: message.component,
        machine: message.machine,
        severity: message.severity,
        hour,
        count: 1,
        last: message.time,
      });
    } else {
      group.count += 1;
      if (isLaterTime(message.time, group.last)) group.last = message.time;
    }
  }
  return [...groups.values()];
};

/**
 * One per summaries container: the deltas and presence writes of concurrent invocations for one site share a
 * request (one transactional batch).
 */
const summaryWriters = new WeakMap<Container, CoalescedWrites<SummaryDelta | SummaryPresence>>();

const summaryWriterOf = (summaries: Container): CoalescedWrites<SummaryDelta | SummaryPresence> => {
  let writer = summaryWriters.get(summaries);
  if (!writer) {
    writer = new CoalescedWrites<SummaryDelta | SummaryPresence>(summaries, (document) => document.site);
    summaryWriters.set(summaries, writer);
  }
  return writer;
};

const createDelta = async (summaries: Container, delta: SummaryDelta): Promise<void> => {
  try {
    // `exists` (409): this body's counts are in already (an earlier delivery wrote them). Nothing to add.
    await summaryWriterOf(summaries).create(delta);
  } catch (error) {
    throw classifyCosmosError(
      error,
      `recording the summary of batch ${delta.batchId} for site ${delta.site}`,
    );
  }
};

/**
 * The counts of one site's part of the body. Fast path: every valid message of the body was created by this
 * delivery, so the documents are exactly what is stored and no earlier delivery can have counted them. Else
 * (a 409, a message a rule left out, a rejected one): read back what is stored, count only the messages this
 * body stored (same batch and position; a sender's id reused by another body is that body's to count). A
 * replayed item is a body of its own (same batch, its one position): its delta id differs, its count too.
 */
const deltaOf = async (
  containers: SummaryContainers,
  input: SummaryInput,
  site: string,
  items: readonly ValidItem[],
  fastPath: boolean,
): Promise<SummaryDelta | undefined> => {
  const positions = items.map((item) => item.position).sort((a, b) => a - b);
  const id = deltaId(site, input.batchId, positions);
  let counted: readonly Counted[];
  if (fastPath) {
    counted = input.documents.filter((document) => document.site === site);
  } else {
    // (id, position) pairs: one envelope may carry a sender's id twice; the stored one is at one position.
    const ours = new Set(items.map((item) => JSON.stringify([item.id, item.position])));
    const stored = (
      await Promise.all(
        [...groupBy(items, (item) => item.machine)].map(([machine, list]) =>
          readStored(
            containers.messages,
            site,
            machine,
            list.map((item) => item.id),
          ),
        ),
      )
    ).flat();
    counted = stored.filter(
      (document) =>
        document.batchId === input.batchId && ours.has(JSON.stringify([document.id, document.position])),
    );
  }
  if (counted.length === 0) return undefined;
  const groups = groupsOf(counted);
  return {
    id,
    site,
    kind: 'delta',
    batchId: input.batchId,
    positions: counted.map((document) => document.position).sort((a, b) => a - b),
    lastHour: groups.reduce((max, group) => (group.hour > max ? group.hour : max), ''),
    groups,
    createdAt: input.now,
  };
};

/** Each (site, kind, name) once: an envelope names its machine in every one of its 100 messages. */
const uniquePresence = <T extends Pick<SummaryPresence, 'site' | 'kind' | 'name'>>(
  reported: readonly T[],
): T[] => {
  const seen = new Map<string, T>();
  for (const entry of reported) seen.set(`${entry.kind}\u0000${entry.site}\u0000${entry.name}`, entry);
  return [...seen.values()];
};

/** Presence upserts done recently by this process: at most one per machine or component a minute. */
const presenceWritten = new Map<string, number>();
const presenceIntervalMs = 60_000;

const touchPresence = async (
  summaries: Container,
  reported: readonly Pick<SummaryPresence, 'site' | 'kind' | 'name'>[],
  now: string,
): Promise<void> => {
  const nowMs = Date.parse(now);
  const due = new Map<string, SummaryPresence>();
  for (const { site, kind, name } of uniquePresence(reported)) {
    const id = presenceId(site, kind, name);
    if (nowMs - (presenceWritten.get(id) ?? Number.NEGATIVE_INFINITY) < presenceIntervalMs) continue;
    due.set(id, { id, site, kind, name, lastReportAt: now });
  }
  if (presenceWritten.size > 100_000) presenceWritten.clear();
  await Promise.all(
    [...due.values()].map(async (presence) => {
      try {
        await summaryWriterOf(summaries).upsert(presence);
      } catch (error) {
        throw classifyCosmosError(error, `recording that ${presence.kind} ${presence.name} reported`);
      }
      presenceWritten.set(presence.id, nowMs);
    }),
  );
};

/**
 * Adds a committed queue message's status messages to the summaries: one delta document per site, created
 * with a deterministic id (the site, batch and positions of the body's valid messages), so that whatever is
 * redelivered, handed back or replayed, each stored message is counted exactly once. Call it after the
 * documents are committed and before the queue message completes. Throws TransientError while Cosmos is
 * unavailable (the queue message is then retried and nothing is lost or doubled).
 */
export const recordSummaries = async (containers: SummaryContainers, input: SummaryInput): Promise<void> => {
  const items = validItemsOf(input);
  if (items.length === 0) return;
  const fastPath = input.result.created === items.length;
  const deltas = await Promise.all(
    [...groupBy(items, (item) => item.site)].map(([site, list]) =>
      deltaOf(containers, input, site, list, fastPath),
    ),
  );
  for (const delta of deltas) if (delta) await createDelta(containers.summaries, delta);
  // A machine that reports is not silent, whatever the rules; a component is listed once it has counts.
  const reported = [
    ...input.documents.map(({ site, machine }) => ({ site, kind: 'machine' as const, name: machine })),
    ...deltas.flatMap((delta) =>
      (delta?.groups ?? []).map(({ component }) => ({
        site: delta!.site,
        kind: 'component' as const,
        name: component,
      })),
    ),
  ];
  await touchPresence(containers.summaries, reported, input.now);
};
