import { spawn } from 'node:child_process';
import { azuriteConnectionString } from '../../lib/config';
import { freePort } from '../../lib/local/free-port';
import { hostScript } from '../helpers/host-process';

const runHost = (
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; out: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [hostScript, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('exit', (code) => resolve({ code, out }));
  });

describe('cli/host (process)', () => {
  it('exits 2 with one line naming a malformed setting, not a stack trace', async () => {
    const { code, out } = await runHost({ STATMGR_QUEUE_LOCK_SECONDS: '1' });
    expect(code).toBe(2);
    expect(out).toContain(
      'statmgr host: STATMGR_QUEUE_LOCK_SECONDS must be a whole number from 2 to 600, got 1',
    );
    expect(out).not.toMatch(/^\s+at /m);
  });

  it('prints its help even when a setting is malformed', async () => {
    const { code, out } = await runHost({ STATMGR_QUEUE_LOCK_SECONDS: '1' }, ['--help']);
    expect(code).toBe(0);
    expect(out).toContain('Usage: npm run host');
  });

  it('stops with exit code 1 on a Storage error the Functions host treats as fatal, not a logged warning', async () => {
    // Nothing listens on the queue port: every fetch fails after the SDK's retries (not a 404, 409 or 5xx).
    const { code, out } = await runHost({
      StatusStorage: azuriteConnectionString(await freePort()),
      COSMOS_ENDPOINT: `https://127.0.0.1:${await freePort()}`,
      STATMGR_HTTP_PORT: '0',
      STATMGR_API_KEY: 'k',
    });
    expect(code).toBe(1);
    expect(out).toContain('fatal Storage error while fetching messages');
    expect(out).toContain('stopping: fatal Storage error');
  });
});
