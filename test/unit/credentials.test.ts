import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentQueueClient, authForUrl } from '../../lib/agent/agent-queue';
import { agentAuth } from '../../lib/cli/agent-reporter';
import { loadConfig } from '../../lib/config';
import { isLoopbackHost } from '../../lib/util/loopback';

const secret = 'c2VjcmV0LXNpZ25hdHVyZQ';
const sas = `sv=2024-08-04&ss=q&srt=o&sp=a&se=2030-01-01T00%3A00%3A00Z&sig=${secret}`;

const messageOf = (work: () => unknown): string => {
  try {
    work();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return '';
};

describe('credentials', () => {
  it('decides loopback by address, never by a prefix of the name', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '[::1]', '::1', 'localhost', '[::ffff:127.0.0.1]']) {
      expect([host, isLoopbackHost(host)]).toEqual([host, true]);
    }
    for (const host of [
      '127.evil.example',
      '127.0.0.1.example.net',
      '10.0.0.1',
      '[::2]',
      'localhost.example',
    ]) {
      expect([host, isLoopbackHost(host)]).toEqual([host, false]);
    }
    // The emulator's well-known key and its self-signed certificate only ever go to a loopback address.
    const config = loadConfig({ COSMOS_ENDPOINT: 'https://127.evil.example:8081' });
    expect(config.cosmos).toMatchObject({ allowSelfSignedCertificate: false, key: undefined });
  });

  it('refuses a SAS over http:// unless the host is a loopback address', () => {
    expect(messageOf(() => authForUrl(`http://acct.queue.core.windows.net/?${sas}`))).toContain(
      'travels in clear; use https://',
    );
    expect(authForUrl(`https://acct.queue.core.windows.net/?${sas}`).kind).toBe('sas');
    expect(authForUrl(`http://127.0.0.1:10001/devstoreaccount1?${sas}`).kind).toBe('sas');
    expect(messageOf(() => authForUrl(`http://127.evil.example/?${sas}`))).toContain('travels in clear');
    const remoteKey =
      'DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=a2V5;QueueEndpoint=http://queue.example.net/acct';
    expect(
      messageOf(() => agentQueueClient({ kind: 'connectionString', connectionString: remoteKey })),
    ).toContain('travels in clear');
  });

  it('never takes a secret from a command-line argument, and never shows one', () => {
    const onArgument = messageOf(() =>
      agentAuth({ 'queue-url': `https://acct.queue.core.windows.net/?${sas}` }),
    );
    expect(onArgument).toContain('STATMGR_AGENT_SAS or --sas-file');
    expect(onArgument).not.toContain(secret);
    const connectionString = messageOf(() => agentAuth({ 'connection-string': `AccountKey=${secret}` }));
    expect(connectionString).toContain('--connection-string-file');
    expect(connectionString).not.toContain(secret);
    const badUrl = messageOf(() => loadConfig({ StatusStorage__queueServiceUri: `ftp://acct/?${sas}` }));
    expect(badUrl).toContain('must use https: or http:');
    expect(badUrl).not.toContain(secret);
  });

  it('reads a SAS from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'statmgr-sas-'));
    try {
      const file = join(dir, 'sas');
      writeFileSync(file, `?${sas}\n`, { mode: 0o600 });
      const auth = agentAuth({ 'queue-url': 'https://acct.queue.core.windows.net', 'sas-file': file });
      expect(auth).toEqual({ kind: 'sas', url: `https://acct.queue.core.windows.net?${sas}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
