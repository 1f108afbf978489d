import { ConfigError } from '../../lib/errors';
import {
  defaultThresholds,
  parseThresholdOverrides,
  statusOf,
  thresholdsFor,
  worstStatus,
} from '../../lib/summaries/thresholds';

describe('summary thresholds', () => {
  it("uses Configuration Manager's defaults: warning at 2000/10/1, critical at 5000/50/5", () => {
    expect(defaultThresholds).toEqual({
      warning: { info: 2000, warning: 10, error: 1 },
      critical: { info: 5000, warning: 50, error: 5 },
    });
    const t = defaultThresholds;
    expect(statusOf({ info: 1999, warning: 9, error: 0 }, t)).toBe('ok');
    expect(statusOf({ info: 2000, warning: 0, error: 0 }, t)).toBe('warning');
    expect(statusOf({ info: 0, warning: 10, error: 0 }, t)).toBe('warning');
    expect(statusOf({ info: 0, warning: 0, error: 1 }, t)).toBe('warning');
    expect(statusOf({ info: 0, warning: 0, error: 4 }, t)).toBe('warning');
    expect(statusOf({ info: 0, warning: 0, error: 5 }, t)).toBe('critical');
    expect(statusOf({ info: 0, warning: 50, error: 0 }, t)).toBe('critical');
    expect(statusOf({ info: 5000, warning: 0, error: 0 }, t)).toBe('critical');
  });

  it('picks the most specific override and says which applied; missing numbers come from the defaults', () => {
    const overrides = parseThresholdOverrides(
      JSON.stringify({
        sites: { P01: { warning: { error: 2 } } },
        components: { SMS_MP: { critical: { warning: 20 } } },
        siteComponents: { P01: { SMS_MP: { warning: { info: 10 }, critical: { info: 20 } } } },
      }),
      'S',
    );
    expect(thresholdsFor(overrides, 'P02', 'SMS_X')).toEqual({ ...defaultThresholds, source: 'default' });
    expect(thresholdsFor(overrides, 'P01', 'SMS_X')).toEqual({
      warning: { info: 2000, warning: 10, error: 2 },
      critical: defaultThresholds.critical,
      source: 'site',
    });
    expect(thresholdsFor(overrides, 'P02', 'SMS_MP')).toMatchObject({
      critical: { info: 5000, warning: 20, error: 5 },
      source: 'component',
    });
    expect(thresholdsFor(overrides, 'P01', 'SMS_MP')).toMatchObject({
      warning: { info: 10, warning: 10, error: 1 },
      critical: { info: 20 },
      source: 'site-component',
    });
    // Machines: the site's thresholds.
    expect(thresholdsFor(overrides, 'P01').source).toBe('site');
    // A name like a property of Object.prototype is not an override.
    expect(thresholdsFor(overrides, 'constructor', 'toString').source).toBe('default');
  });

  it('a "default" entry replaces the built-in defaults', () => {
    const overrides = parseThresholdOverrides(
      '{"default":{"warning":{"error":3},"critical":{"error":9}}}',
      'S',
    );
    expect(thresholdsFor(overrides, 'P01', 'X')).toMatchObject({
      warning: { error: 3 },
      critical: { error: 9 },
      source: 'default',
    });
  });

  it.each([
    ['not json', 'S: is not JSON'],
    ['[]', 'S: must be a JSON object'],
    ['{"site":{}}', 'S.site: unknown'],
    ['{"components":{"X":{"warning":{"error":0}}}}', 'S.components.X.warning.error: must be a whole number'],
    [
      '{"components":{"X":{"warning":{"error":1.5}}}}',
      'S.components.X.warning.error: must be a whole number',
    ],
    ['{"components":{"X":{"warning":{"fatal":1}}}}', 'S.components.X.warning.fatal: unknown'],
    ['{"components":{"X":{"severe":{}}}}', 'S.components.X.severe: unknown'],
    [
      '{"sites":{"P01":{"warning":{"error":6}}}}',
      'S.sites.P01: warning.error (6) must not be above critical.error (5)',
    ],
    ['{"siteComponents":{"P01":{"X":5}}}', 'S.siteComponents.P01.X: must be an object'],
    ['{"sites":[]}', 'S.sites: must be an object keyed by name'],
  ])('rejects %s naming what is wrong', (raw, reason) => {
    expect(() => parseThresholdOverrides(raw, 'S')).toThrow(ConfigError);
    expect(() => parseThresholdOverrides(raw, 'S')).toThrow(reason);
  });

  it('orders statuses ok < warning < critical', () => {
    expect(worstStatus('ok', 'warning')).toBe('warning');
    expect(worstStatus('critical', 'warning')).toBe('critical');
    expect(worstStatus('ok', 'ok')).toBe('ok');
  });
});
