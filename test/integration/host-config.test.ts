import { spawn } from 'node:child_process';
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
});
