import { ConfigError } from '../errors';
import { severities, type Severity } from '../message/types';

/** Counts per severity: of messages in a period, or the counts at which a status applies. */
export type SeverityCounts = Readonly<Record<Severity, number>>;

export interface Thresholds {
  /** A count reaching any of these makes the status `warning`... */
  readonly warning: SeverityCounts;
  /** ...and reaching any of these, `critical`. */
  readonly critical: SeverityCounts;
}

/** Where the thresholds of an answer came from (the most specific override that exists). */
export const thresholdSources = ['default', 'site', 'component', 'site-component'] as const;
export type ThresholdSource = (typeof thresholdSources)[number];

export interface AppliedThresholds extends Thresholds {
  readonly source: ThresholdSource;
}

export const statuses = ['ok', 'warning', 'critical'] as const;
export type Status = (typeof statuses)[number];

/** Configuration Manager's component status summarizer defaults. */
export const defaultThresholds: Thresholds = Object.freeze({
  warning: Object.freeze({ info: 2000, warning: 10, error: 1 }),
  critical: Object.freeze({ info: 5000, warning: 50, error: 5 }),
});

export interface ThresholdOverrides {
  /** Replaces the built-in defaults (for every site and component). */
  readonly default?: Thresholds;
  readonly sites: Readonly<Record<string, Thresholds>>;
  readonly components: Readonly<Record<string, Thresholds>>;
  /** site → component → thresholds. */
  readonly siteComponents: Readonly<Record<string, Readonly<Record<string, Thresholds>>>>;
}

export const noOverrides: ThresholdOverrides = Object.freeze({
  sites: {},
  components: {},
  siteComponents: {},
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const maxThreshold = 1_000_000_000;

/** One override merged onto `base`; every broken rule is pushed to `reasons` with its path. */
const checkOverride = (value: unknown, at: string, base: Thresholds, reasons: string[]): Thresholds => {
  if (!isObject(value)) {
    reasons.push(`${at}: must be an object like {"warning":{"error":1},"critical":{"error":5}}`);
    return base;
  }
  const merged = { warning: { ...base.warning }, critical: { ...base.critical } };
  for (const [level, counts] of Object.entries(value)) {
    if (level !== 'warning' && level !== 'critical') {
      reasons.push(`${at}.${level}: unknown; use warning or critical`);
      continue;
    }
    if (!isObject(counts)) {
      reasons.push(`${at}.${level}: must be an object of info, warning, error counts`);
      continue;
    }
    for (const [severity, count] of Object.entries(counts)) {
      if (!(severities as readonly string[]).includes(severity)) {
        reasons.push(`${at}.${level}.${severity}: unknown; use info, warning or error`);
      } else if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > maxThreshold) {
        reasons.push(`${at}.${level}.${severity}: must be a whole number from 1 to ${maxThreshold}`);
      } else merged[level][severity as Severity] = count as number;
    }
  }
  for (const severity of severities) {
    if (merged.warning[severity] > merged.critical[severity]) {
      reasons.push(
        `${at}: warning.${severity} (${merged.warning[severity]}) must not be above critical.${severity} ` +
          `(${merged.critical[severity]})`,
      );
    }
  }
  return Object.freeze({ warning: Object.freeze(merged.warning), critical: Object.freeze(merged.critical) });
};

const checkMap = (
  value: unknown,
  at: string,
  reasons: string[],
  each: (entry: unknown, at: string) => unknown,
): Record<string, never> => {
  if (value === undefined) return {};
  if (!isObject(value)) {
    reasons.push(`${at}: must be an object keyed by name`);
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) out[key] = each(entry, `${at}.${key}`);
  return out as Record<string, never>;
};

/**
 * Parses and validates threshold overrides (the setting STATMGR_SUMMARY_THRESHOLDS), e.g.
 * `{"components":{"SMS_MP_CONTROL_MANAGER":{"warning":{"error":3}}},"sites":{"P01":{...}},
 * "siteComponents":{"P01":{"SMS_X":{...}}},"default":{...}}`. Each override is complete once merged onto the
 * defaults (`default` when given, else Configuration Manager's); warning must not exceed critical.
 */
export const parseThresholdOverrides = (raw: string | undefined, setting: string): ThresholdOverrides => {
  if (raw === undefined) return noOverrides;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError(
      `${setting}: is not JSON (${error instanceof Error ? error.message : 'parse error'})`,
    );
  }
  const reasons: string[] = [];
  if (!isObject(value)) throw new ConfigError(`${setting}: must be a JSON object`);
  for (const key of Object.keys(value)) {
    if (!['default', 'sites', 'components', 'siteComponents'].includes(key)) {
      reasons.push(`${setting}.${key}: unknown; use default, sites, components or siteComponents`);
    }
  }
  const base =
    value.default === undefined
      ? defaultThresholds
      : checkOverride(value.default, `${setting}.default`, defaultThresholds, reasons);
  const one = (entry: unknown, at: string): Thresholds => checkOverride(entry, at, base, reasons);
  const overrides: ThresholdOverrides = {
    ...(value.default === undefined ? {} : { default: base }),
    sites: checkMap(value.sites, `${setting}.sites`, reasons, one),
    components: checkMap(value.components, `${setting}.components`, reasons, one),
    siteComponents: checkMap(value.siteComponents, `${setting}.siteComponents`, reasons, (entry, at) =>
      checkMap(entry, at, reasons, one),
    ),
  };
  if (reasons.length > 0) throw new ConfigError(reasons.join('; '));
  return Object.freeze(overrides);
};

const own = <T>(map: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;

/** The thresholds for a site's component (or, without component, for the site's machines), and their source. */
export const thresholdsFor = (
  overrides: ThresholdOverrides,
  site: string,
  component?: string,
): AppliedThresholds => {
  const siteComponent =
    component === undefined ? undefined : own(own(overrides.siteComponents, site) ?? {}, component);
  if (siteComponent) return { ...siteComponent, source: 'site-component' };
  const byComponent = component === undefined ? undefined : own(overrides.components, component);
  if (byComponent) return { ...byComponent, source: 'component' };
  const bySite = own(overrides.sites, site);
  if (bySite) return { ...bySite, source: 'site' };
  return { ...(overrides.default ?? defaultThresholds), source: 'default' };
};

/** `critical` when any count reaches its critical threshold, else `warning` when any reaches its warning one. */
export const statusOf = (counts: SeverityCounts, thresholds: Thresholds): Status => {
  if (severities.some((severity) => counts[severity] >= thresholds.critical[severity])) return 'critical';
  if (severities.some((severity) => counts[severity] >= thresholds.warning[severity])) return 'warning';
  return 'ok';
};

/** The worse of two statuses. */
export const worstStatus = (a: Status, b: Status): Status =>
  statuses.indexOf(a) >= statuses.indexOf(b) ? a : b;
