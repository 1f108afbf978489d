import { uuidV5 } from '../message/ids';
import type { Severity } from '../message/types';

/**
 * The documents of the `summaries` container (partition key `/site`). Ids are UUIDv5 of everything that
 * identifies them, so they are unique across partitions too (the emulator matches point reads on id alone).
 */

/** Counted messages of one component, machine, severity and UTC hour, within one delta. */
export interface SummaryGroup {
  readonly component: string;
  readonly machine: string;
  readonly severity: Severity;
  /** ISO text of the UTC hour's start. */
  readonly hour: string;
  readonly count: number;
  /** The latest `time` among them. */
  readonly last: string;
}

/**
 * What one queue message body added to a site's counts: written once with `create` and a deterministic id
 * (same body, same id), so a redelivery's create is a 409 and counts nothing twice.
 */
export interface SummaryDelta {
  readonly id: string;
  readonly site: string;
  readonly kind: 'delta';
  readonly batchId: string;
  /** Positions (in the batch) of the stored messages this delta accounts for, summarized or not. */
  readonly positions: readonly number[];
  /** The latest hour among the groups: the API reads only deltas that reach into the period. */
  readonly lastHour: string;
  readonly groups: readonly SummaryGroup[];
  readonly createdAt: string;
}

/** The last reset of a component's counts (`POST .../reset`): its period starts then. */
export interface SummaryReset {
  readonly id: string;
  readonly site: string;
  readonly kind: 'reset';
  readonly component: string;
  readonly resetAt: string;
}

/** That a machine or component reported (arrival time, refreshed at most once a minute per process). */
export interface SummaryPresence {
  readonly id: string;
  readonly site: string;
  readonly kind: 'machine' | 'component';
  readonly name: string;
  readonly lastReportAt: string;
}

export const deltaId = (site: string, batchId: string, positions: readonly number[]): string =>
  uuidV5(`summary-delta:${JSON.stringify([site, batchId, positions])}`);

export const resetId = (site: string, component: string): string =>
  uuidV5(`summary-reset:${JSON.stringify([site, component])}`);

export const presenceId = (site: string, kind: SummaryPresence['kind'], name: string): string =>
  uuidV5(`summary-presence:${JSON.stringify([site, kind, name])}`);

/** Whether a stored status message counts in the summaries: a rule may exclude it (`summarize: false`). */
export const isSummarized = (document: { readonly summarize?: unknown }): boolean =>
  document.summarize !== false;
