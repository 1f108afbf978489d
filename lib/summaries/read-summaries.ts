import type { Container, SqlQuerySpec } from '@azure/cosmos';
import type { Severity } from '../message/types';
import { dayPeriodStart, hourMs, hourStartOf, periodStartOf, splitPeriod } from './period';
import { queryAll } from './summary-query';
import {
  isSummarized,
  type SummaryGroup,
  type SummaryPresence,
  type SummaryReset,
} from './summary-documents';
import {
  statusOf,
  thresholdsFor,
  worstStatus,
  type AppliedThresholds,
  type SeverityCounts,
  type Status,
  type ThresholdOverrides,
} from './thresholds';

export interface SummarySettingsView {
  readonly periodStartHour: number;
  readonly silentMinutes: number;
  readonly thresholds: ThresholdOverrides;
}

export interface SummaryContainersView {
  readonly messages: Container;
  readonly summaries: Container;
}

export interface ComponentSummary {
  readonly component: string;
  readonly counts: SeverityCounts;
  readonly status: Status;
  readonly lastMessageAt: string | null;
  readonly thresholds: AppliedThresholds;
  /** When the component's counts were last reset, if that is inside today's period (else null). */
  readonly resetAt: string | null;
}

export interface SiteComponents {
  readonly site: string;
  readonly periodStart: string;
  readonly items: readonly ComponentSummary[];
}

export interface MachineSummary {
  readonly machine: string;
  readonly counts: SeverityCounts;
  readonly status: Status;
  readonly lastMessageAt: string | null;
  readonly thresholds: AppliedThresholds;
}

export interface SilentMachine {
  readonly machine: string;
  readonly lastReportAt: string;
  readonly silentSeconds: number;
}

export interface SiteMachines {
  readonly site: string;
  readonly periodStart: string;
  readonly items: readonly MachineSummary[];
  /** Machines that reported before but nothing for `silentAfterSeconds` or longer (by arrival time). */
  readonly silentAfterSeconds: number;
  readonly silent: readonly SilentMachine[];
}

export interface SiteOverview {
  readonly site: string;
  /** The worst status of its components. */
  readonly status: Status;
  readonly components: number;
  readonly lastMessageAt: string | null;
}

export interface Sites {
  readonly periodStart: string;
  readonly items: readonly SiteOverview[];
}

/**
 * Runs a query; with a site, in that site's partition and with `c.site = @site` added to the filter (the
 * emulator ignores the partition key of a query, and Cosmos is fine with both).
 */
const query = async <T>(container: Container, spec: SqlQuerySpec, site: string | undefined): Promise<T[]> => {
  if (site === undefined) return queryAll<T>(container, spec, 'reading summaries');
  const scoped: SqlQuerySpec = {
    query: spec.query.replace(' WHERE ', ' WHERE c.site = @site AND '),
    parameters: [...(spec.parameters ?? []), { name: '@site', value: site }],
  };
  return queryAll<T>(container, scoped, `reading the summaries of site ${site}`, site);
};

/** Running counts and last time of one component or machine. */
class Tally {
  readonly counts: Record<Severity, number> = { info: 0, warning: 0, error: 0 };
  last: string | null = null;

  add(severity: Severity, count: number, time: string): void {
    this.counts[severity] += count;
    if (this.last === null || Date.parse(time) > Date.parse(this.last)) this.last = time;
  }
}

const tallyOf = (tallies: Map<string, Tally>, key: string): Tally => {
  let tally = tallies.get(key);
  if (!tally) tallies.set(key, (tally = new Tally()));
  return tally;
};

/** The groups of the site's deltas from the hour of `from` on (a delta reaching into the period). */
const groupsSince = async (summaries: Container, site: string, from: Date): Promise<SummaryGroup[]> => {
  const hour = new Date(hourStartOf(from.getTime())).toISOString();
  const deltas = await query<{ groups: SummaryGroup[] }>(
    summaries,
    {
      query: "SELECT c.groups FROM c WHERE c.kind = 'delta' AND c.lastHour >= @hour",
      parameters: [{ name: '@hour', value: hour }],
    },
    site,
  );
  return deltas.flatMap((delta) => delta.groups).filter((group) => group.hour >= hour);
};

const presenceOf = (summaries: Container, site: string, kind: SummaryPresence['kind']) =>
  query<SummaryPresence>(
    summaries,
    {
      query: 'SELECT * FROM c WHERE c.kind = @kind',
      parameters: [{ name: '@kind', value: kind }],
    },
    site,
  );

/** Offsets of ISO times reach ±14 h: a text range this much wider holds every time of the exact range. */
const zoneMarginMs = 15 * hourMs;

/**
 * The part of a reset's hour after the reset, counted from the stored messages themselves (the deltas count
 * whole hours only): at most one hour of one component.
 */
const countStored = async (
  messages: Container,
  site: string,
  component: string,
  from: Date,
  to: Date,
  tally: Tally,
): Promise<void> => {
  const rows = await query<{ severity: Severity; time: string; summarize?: unknown }>(
    messages,
    {
      query:
        'SELECT c.severity, c.time, c.summarize FROM c WHERE c.site = @site AND c.component = @component ' +
        'AND c.time >= @lo AND c.time < @hi',
      parameters: [
        { name: '@site', value: site },
        { name: '@component', value: component },
        { name: '@lo', value: new Date(from.getTime() - zoneMarginMs).toISOString() },
        { name: '@hi', value: new Date(to.getTime() + zoneMarginMs).toISOString() },
      ],
    },
    undefined,
  );
  for (const row of rows) {
    const ms = Date.parse(row.time);
    if (ms >= from.getTime() && ms < to.getTime() && isSummarized(row)) tally.add(row.severity, 1, row.time);
  }
};

const sortedByName = <T>(items: T[], name: (item: T) => string): T[] =>
  items.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));

/** `GET /api/sites/{site}/components`: every component the site reported within the retention. */
export const readSiteComponents = async (
  containers: SummaryContainersView,
  settings: SummarySettingsView,
  site: string,
  now: Date,
): Promise<SiteComponents> => {
  const dayStart = dayPeriodStart(now, settings.periodStartHour);
  const [groups, resets, known] = await Promise.all([
    groupsSince(containers.summaries, site, dayStart),
    query<SummaryReset>(containers.summaries, { query: "SELECT * FROM c WHERE c.kind = 'reset'" }, site),
    presenceOf(containers.summaries, site, 'component'),
  ]);
  const resetOf = new Map(resets.map((reset) => [reset.component, reset.resetAt]));
  const names = new Set([...known.map((p) => p.name), ...groups.map((g) => g.component)]);
  const items = await Promise.all(
    [...names].map(async (component): Promise<ComponentSummary> => {
      const periodStart = periodStartOf(dayStart, resetOf.get(component));
      const split = splitPeriod(periodStart);
      const tally = new Tally();
      for (const group of groups) {
        if (group.component === component && group.hour >= split.fullFrom)
          tally.add(group.severity, group.count, group.last);
      }
      if (split.partial) {
        await countStored(containers.messages, site, component, split.partial.from, split.partial.to, tally);
      }
      const thresholds = thresholdsFor(settings.thresholds, site, component);
      return {
        component,
        counts: { ...tally.counts },
        status: statusOf(tally.counts, thresholds),
        lastMessageAt: tally.last,
        thresholds,
        resetAt: periodStart === dayStart ? null : periodStart.toISOString(),
      };
    }),
  );
  return {
    site,
    periodStart: dayStart.toISOString(),
    items: sortedByName(items, (item) => item.component),
  };
};

/** `GET /api/sites/{site}/machines`: counts per machine in today's period, and the machines gone silent. */
export const readSiteMachines = async (
  containers: SummaryContainersView,
  settings: SummarySettingsView,
  site: string,
  now: Date,
): Promise<SiteMachines> => {
  const dayStart = dayPeriodStart(now, settings.periodStartHour);
  const [groups, known] = await Promise.all([
    groupsSince(containers.summaries, site, dayStart),
    presenceOf(containers.summaries, site, 'machine'),
  ]);
  const from = dayStart.toISOString();
  const tallies = new Map<string, Tally>();
  for (const presence of known) tallyOf(tallies, presence.name);
  for (const group of groups) {
    if (group.hour >= from) tallyOf(tallies, group.machine).add(group.severity, group.count, group.last);
  }
  const thresholds = thresholdsFor(settings.thresholds, site);
  const items = [...tallies].map(([machine, tally]): MachineSummary => ({
    machine,
    counts: { ...tally.counts },
    status: statusOf(tally.counts, thresholds),
    lastMessageAt: tally.last,
    thresholds,
  }));
  const silentAfterSeconds = settings.silentMinutes * 60;
  const silent = known
    .map((presence) => ({
      machine: presence.name,
      lastReportAt: presence.lastReportAt,
      silentSeconds: Math.floor((now.getTime() - Date.parse(presence.lastReportAt)) / 1000),
    }))
    .filter((machine) => machine.silentSeconds >= silentAfterSeconds);
  return {
    site,
    periodStart: from,
    items: sortedByName(items, (item) => item.machine),
    silentAfterSeconds,
    silent: sortedByName(silent, (machine) => machine.machine),
  };
};

/** `GET /api/sites`: every site that reported within the retention, with its worst component status. */
export const readSites = async (
  containers: SummaryContainersView,
  settings: SummarySettingsView,
  now: Date,
): Promise<Sites> => {
  // Presence documents: a few per site (its components), so no DISTINCT is needed (the emulator lacks GROUP BY).
  const rows = await query<{ site: string }>(
    containers.summaries,
    { query: "SELECT c.site FROM c WHERE c.kind = 'component'" },
    undefined,
  );
  const items = await Promise.all(
    [...new Set(rows.map((row) => row.site))].map(async (site): Promise<SiteOverview> => {
      const { items: components } = await readSiteComponents(containers, settings, site, now);
      let status: Status = 'ok';
      let last: string | null = null;
      for (const component of components) {
        status = worstStatus(status, component.status);
        const time = component.lastMessageAt;
        if (time !== null && (last === null || Date.parse(time) > Date.parse(last))) last = time;
      }
      return { site, status, components: components.length, lastMessageAt: last };
    }),
  );
  return {
    periodStart: dayPeriodStart(now, settings.periodStartHour).toISOString(),
    items: sortedByName(items, (item) => item.site),
  };
};
