import { ConfigError } from '../../lib/errors';
import { loadConfig } from '../../lib/config';

describe('loadConfig', () => {
  it('defaults to the local emulators on their contract ports', () => {
    const config = loadConfig({});
    expect(config.storage.kind).toBe('connectionString');
    expect(config.storage.kind === 'connectionString' && config.storage.connectionString).toContain(
      'QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1',
    );
    expect(config.cosmos.endpoint).toBe('https://127.0.0.1:8081');
    expect(config.cosmos.allowSelfSignedCertificate).toBe(true);
    expect(config.httpPort).toBe(7071);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("locks a fetched message for the Functions host's 10 minutes, and reports no agent gap while a lock can still hide a batch", () => {
    const config = loadConfig({});
    expect(config.queueLockSeconds).toBe(600);
    expect(config.agentGapAgeSeconds).toBeGreaterThan(config.queueLockSeconds);
    expect(() => loadConfig({ STATMGR_AGENT_GAP_AGE_SECONDS: '300' })).toThrow(ConfigError);
    expect(loadConfig({ STATMGR_QUEUE_LOCK_SECONDS: '4' }).queueLockSeconds).toBe(4);
  });

  it('uses identity (no key, verified TLS) for a cloud Cosmos endpoint and a queue service URI', () => {
    const config = loadConfig({
      COSMOS_ENDPOINT: 'https://acct.documents.azure.com:443/',
      StatusStorage__queueServiceUri: 'https://acct.queue.core.windows.net',
      AZURE_CLIENT_ID: 'abc',
    });
    expect(config.cosmos.key).toBeUndefined();
    expect(config.cosmos.allowSelfSignedCertificate).toBe(false);
    expect(config.cosmos.clientId).toBe('abc');
    expect(config.storage.kind).toBe('identity');
  });

  it('says what is wrong with a bad setting', () => {
    expect(() => loadConfig({ STATMGR_QUEUE_LOCK_SECONDS: 'ten' })).toThrow(
      new ConfigError('STATMGR_QUEUE_LOCK_SECONDS must be a whole number from 2 to 600, got "ten"'),
    );
    expect(() => loadConfig({ COSMOS_ENDPOINT: 'not a url' })).toThrow(ConfigError);
    expect(() => loadConfig({ StatusStorage: 'x', StatusStorage__queueServiceUri: 'https://a' })).toThrow(
      /either StatusStorage or StatusStorage__queueServiceUri/,
    );
  });
});
