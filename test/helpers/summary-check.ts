import type { Container } from '@azure/cosmos';
import { hourBucketOf } from '../../lib/summaries/period';
import { isSummarized, type SummaryGroup } from '../../lib/summaries/summary-documents';

/** Counts and last time per (site, component, machine, severity, hour): the finest grain the summaries keep. */
export type Recount = Map<string, { count: number; last: number }>;

const keyOf = (site: string, group: Omit<SummaryGroup, 'count' | 'last'>): string =>
  JSON.stringify([site, group.component, group.machine, group.severity, group.hour]);

const add = (recount: Recount, key: string, count: number, last: string): void => {
  const entry = recount.get(key) ?? { count: 0, last: Number.NEGATIVE_INFINITY };
  entry.count += count;
  entry.last = Math.max(entry.last, Date.parse(last));
  recount.set(key, entry);
};

/** Large pages: the emulator evaluates the whole query again for every page it returns. */
const pageSize = 10_000;

/** The counts recomputed from the stored status messages themselves (`summarize !== false` only). */
export const recountStored = async (messages: Container): Promise<Recount> => {
  const { resources } = await messages.items
    .query<{
      site: string;
      machine: string;
      component: string;
      severity: SummaryGroup['severity'];
      time: string;
      summarize?: unknown;
    }>('SELECT c.site, c.machine, c.component, c.severity, c.time, c.summarize FROM c', {
      maxItemCount: pageSize,
    })
    .fetchAll();
  const recount: Recount = new Map();
  for (const message of resources) {
    if (!isSummarized(message)) continue;
    add(recount, keyOf(message.site, { ...message, hour: hourBucketOf(message.time) }), 1, message.time);
  }
  return recount;
};

/** The counts the summaries hold: every delta's groups, added up. */
export const summedDeltas = async (summaries: Container): Promise<Recount> => {
  const { resources } = await summaries.items
    .query<{ site: string; groups: SummaryGroup[] }>(
      "SELECT c.site, c.groups FROM c WHERE c.kind = 'delta'",
      {
        maxItemCount: pageSize,
      },
    )
    .fetchAll();
  const recount: Recount = new Map();
  for (const delta of resources) {
    for (const group of delta.groups) add(recount, keyOf(delta.site, group), group.count, group.last);
  }
  return recount;
};

/**
 * Compares the summaries with the counts recomputed from the stored documents: one line per difference
 * (empty when every summary is exact). Both counts and last message times must match.
 */
export const summaryMismatches = async (containers: {
  readonly messages: Container;
  readonly summaries: Container;
}): Promise<string[]> => {
  const expected = await recountStored(containers.messages);
  const actual = await summedDeltas(containers.summaries);
  const lines: string[] = [];
  for (const key of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(key);
    const got = actual.get(key);
    if (want?.count !== got?.count || want?.last !== got?.last) {
      const show = (entry: { count: number; last: number } | undefined): string =>
        entry ? `${entry.count} (last ${new Date(entry.last).toISOString()})` : 'none';
      lines.push(`${key}: stored ${show(want)}, summaries ${show(got)}`);
    }
  }
  return lines;
};
