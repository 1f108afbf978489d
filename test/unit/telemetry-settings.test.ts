import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { entraClientIdOf } from '../../lib/telemetry/entra-client-id';
import { telemetryModeOf } from '../../lib/telemetry/start-telemetry';
import { bodyFactsOf, spanContextOf } from '../../lib/telemetry/trace-context';

describe('telemetry settings', () => {
  it('exports to Application Insights when its connection string is set, else as STATMGR_TELEMETRY says', () => {
    expect(telemetryModeOf(loadConfig({}))).toBe('off');
    expect(telemetryModeOf(loadConfig({ STATMGR_TELEMETRY: 'console' }))).toBe('console');
    expect(
      telemetryModeOf(
        loadConfig({
          STATMGR_TELEMETRY: 'console',
          APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
        }),
      ),
    ).toBe('azure-monitor');
    expect(() => loadConfig({ STATMGR_TELEMETRY: 'loud' })).toThrow(ConfigError);
  });

  it('reads the managed identity client id of an Entra authentication string', () => {
    expect(entraClientIdOf('ClientId=1234;Authorization=AAD')).toBe('1234');
    expect(entraClientIdOf('Authorization=AAD')).toBeNull();
    expect(entraClientIdOf(undefined)).toBeUndefined();
    expect(entraClientIdOf('ClientId=1234')).toBeUndefined();
  });
});

describe('trace context', () => {
  it('parses a W3C traceparent and rejects malformed or all-zero ones', () => {
    expect(spanContextOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
    });
    expect(spanContextOf('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(spanContextOf('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(spanContextOf('not a traceparent')).toBeUndefined();
    expect(spanContextOf(undefined)).toBeUndefined();
  });

  it('reads traceparent and site from plain, base64 and unusable bodies without throwing', () => {
    const envelope = { schema: 'statmgr/v1', site: 'P01', traceparent: 'tp', messages: [] };
    expect(bodyFactsOf(envelope)).toEqual({ traceparent: 'tp', site: 'P01' });
    expect(bodyFactsOf(Buffer.from(JSON.stringify(envelope)).toString('base64'))).toEqual({
      traceparent: 'tp',
      site: 'P01',
    });
    expect(bodyFactsOf('{{{')).toEqual({ traceparent: undefined, site: 'unknown' });
    expect(bodyFactsOf({ site: 42 })).toEqual({ traceparent: undefined, site: 'unknown' });
  });
});
