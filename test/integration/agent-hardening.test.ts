import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountSASPermissions, QueueServiceClient } from '@azure/storage-queue';
import { Outbox } from '../../lib/agent/outbox';
import { azuriteConnectionString } from '../../lib/config';
import { StatusReporter } from '../../lib/agent/status-reporter';
import type { StatusMessage } from '../../lib/message/types';
import { agentScript } from '../helpers/agent-process';
import { useEmulators } from '../helpers/emulators';
import { aStatusMessage } from '../helpers/factories';

/** Runs `agent send` with `input` on stdin; resolves with its exit code and output. */
const runSend = (args: readonly string[], input: string, env: Readonly<Record<string, string>>) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [agentScript, 'send', ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });

describe('agent hardening (Azurite)', () => {
  const stack = useEmulators();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'statmgr-agent-harden-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('moves a record no envelope can carry to rejected.jsonl and keeps sending the others', async () => {
    // A record written without report()'s check (an older agent, or a larger limit before a restart).
    const outbox = await Outbox.open(dir);
    const big = {
      ...aStatusMessage({
        machine: 'WS-HARD',
        text: 'x'.repeat(32_768),
        insertionStrings: Array(10).fill('y'.repeat(4096)),
      }),
      messageType: 'detail',
    } as StatusMessage;
    await outbox.append([{ seq: outbox.takeSeq('P01', 'WS-HARD'), message: big }]);
    await outbox.close();

    const queue = stack().queues.main;
    const before = (await queue.getProperties()).approximateMessagesCount ?? 0;
    const reporter = await StatusReporter.open({ outboxDir: dir, queue, maxWaitMs: 0 });
    try {
      await reporter.report(aStatusMessage({ machine: 'WS-HARD' }));
      // close() flushes and resolves true only once nothing is left in the outbox.
      expect(await reporter.close(30_000)).toBe(true);
      expect(reporter.stats()).toMatchObject({ rejected: 1, pending: 0, sentMessages: 1 });
    } finally {
      await reporter.close(0);
    }
    const rejected = readFileSync(join(dir, 'rejected.jsonl'), 'utf8').trim().split('\n');
    expect(rejected).toHaveLength(1);
    const line = JSON.parse(rejected[0]!) as { seq: number; reason: string; message: StatusMessage };
    expect(line).toMatchObject({ seq: 1, message: { machine: 'WS-HARD' } });
    expect(line.reason).toMatch(/bytes; the limit is/);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(before + 1);
  });

  it('send: a bad line refuses the whole input, names every bad line, and reports nothing', async () => {
    const outbox = join(dir, 'outbox');
    const good = JSON.stringify(aStatusMessage());
    const input = [good, JSON.stringify(aStatusMessage({ severity: 'fatal' })), good, '{not json'].join('\n');
    const { code, output } = await runSend(['--outbox', outbox, '--timeout', '5'], input, stack().env);
    expect(code).toBe(2);
    expect(output).toContain('nothing was reported: 2 of 4 line(s) are invalid');
    expect(output).toContain('stdin line 2: severity: must be one of');
    expect(output).toContain('stdin line 4: is not valid JSON');
    const segments = existsSync(outbox) ? readdirSync(outbox).filter((n) => n.endsWith('.log')) : [];
    expect(segments).toEqual([]);
  });

  it('send: takes a SAS from STATMGR_AGENT_SAS (never an argument) and never prints it', async () => {
    const port = stack().emulators.queuePort;
    const service = QueueServiceClient.fromConnectionString(azuriteConnectionString(port));
    const sasUrl = new URL(
      service.generateAccountSasUrl(new Date(Date.now() + 3600_000), AccountSASPermissions.parse('a'), 'o'),
    );
    const token = sasUrl.search.slice(1);
    const signature = sasUrl.searchParams.get('sig')!;
    const queueUrl = `http://127.0.0.1:${port}/devstoreaccount1`;
    const env = { PATH: process.env.PATH ?? '', STATMGR_AGENT_SAS: token };
    const line = JSON.stringify(aStatusMessage({ machine: 'WS-SAS-ENV' }));
    const sent = await runSend(
      ['--outbox', join(dir, 'a'), '--queue-url', queueUrl, '--timeout', '30'],
      line,
      env,
    );
    expect(sent.code).toBe(0);
    expect(sent.output).toContain('sent: P01/WS-SAS-ENV#1');
    expect(sent.output).not.toContain(signature);

    const onArgument = await runSend(
      ['--outbox', join(dir, 'b'), '--queue-url', `${queueUrl}?${token}`],
      line,
      {},
    );
    expect(onArgument.code).toBe(2);
    expect(onArgument.output).toContain('--queue-url: carries a SAS (sig=)');
    expect(onArgument.output).not.toContain(signature);
  });
});
