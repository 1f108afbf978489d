import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../lib/errors';
import { parseTimeSpanMs, queueHostSettings } from '../../lib/local/host-settings';

describe('queueHostSettings', () => {
  it("applies the Functions host's defaults when host.json says nothing", () => {
    expect(queueHostSettings({})).toEqual({
      batchSize: 16,
      newBatchThreshold: 8,
      maxPollingIntervalMs: 60_000,
      visibilityTimeoutMs: 0,
      maxDequeueCount: 5,
      messageEncoding: 'base64',
      functionTimeoutMs: 30 * 60_000,
    });
  });

  it("reads the project's host.json", () => {
    const hostJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'host.json'), 'utf8')) as unknown;
    const settings = queueHostSettings(hostJson);
    expect(settings.messageEncoding).toBe('none');
    expect(settings.maxDequeueCount).toBe(5);
    expect(settings.functionTimeoutMs).toBe(10 * 60_000);
  });

  it('parses .NET time spans and rejects bad ones', () => {
    expect(parseTimeSpanMs('00:00:02', 'x')).toBe(2000);
    expect(parseTimeSpanMs('1.00:00:00.5', 'x')).toBe(86_400_500);
    expect(() => parseTimeSpanMs('2s', 'x')).toThrow(ConfigError);
    expect(() => queueHostSettings({ extensions: { queues: { batchSize: 64 } } })).toThrow(
      'host.json extensions.queues.batchSize must be a whole number from 1 to 32',
    );
  });
});
