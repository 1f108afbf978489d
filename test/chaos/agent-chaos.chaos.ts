/**
 * The issue-5 "done when" scenario, outside `npm test` (about 1.5 minutes): `npm run chaos:agent`.
 * `npm run agent -- simulate --machines 50 --count 10000` (paced at 200/s) reports through a TCP proxy to
 * Azurite; the queue is cut off for 30 s in the middle, the agent is SIGKILLed once during the outage and
 * started again (`--resume`); at the end every one of the 10,000 messages must be stored exactly once and
 * no machine may show a gap.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAgentStatus } from '../../lib/agent-status/agent-status';
import { machineName } from '../../lib/agent/sample-traffic';
import { azuriteConnectionString } from '../../lib/config';
import { sleep } from '../../lib/util/sleep';
import { waitUntil } from '../../lib/util/wait-until';
import { startAgentProcess } from '../helpers/agent-process';
import { useEmulators } from '../helpers/emulators';
import { startHostProcess, type HostProcess } from '../helpers/host-process';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';

const site = 'CHAOS';
const machines = 50;
const count = 10_000;

describe('agent chaos: queue cut off for 30 s and the agent SIGKILLed once', () => {
  const stack = useEmulators();
  let host: HostProcess;
  let proxy: FaultProxy;
  let dir: string;

  beforeAll(async () => {
    host = await startHostProcess(stack().env);
    proxy = await startFaultProxy(stack().emulators.queuePort);
    dir = mkdtempSync(join(tmpdir(), 'statmgr-chaos-'));
  });
  afterAll(async () => {
    await proxy?.close();
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends with 10,000 stored exactly once and no gaps', async () => {
    const { containers } = stack();
    const started = Date.now();
    const at = (): string => `t=${((Date.now() - started) / 1000).toFixed(1)}s`;
    const timeline: string[] = [];
    const note = (what: string): void => {
      timeline.push(`${at()} ${what}`);
    };
    const storedCount = async (): Promise<number> =>
      (
        await containers.messages.items
          .query<number>({
            query: 'SELECT VALUE COUNT(1) FROM c WHERE c.site = @site',
            parameters: [{ name: '@site', value: site }],
          })
          .fetchAll()
      ).resources[0] ?? 0;
    const args = [
      'simulate',
      ...['--site', site, '--machines', String(machines), '--count', String(count), '--rate', '200'],
      ...['--outbox', dir],
      ...['--max-backoff', '2000', '--timeout', '300'],
    ];

    // The agent reads its connection string from the environment, never from an argument.
    const agentEnv = { ...stack().env, StatusStorage: azuriteConnectionString(proxy.port) };
    const first = startAgentProcess(args, agentEnv);
    note(`agent started (pid ${first.pid}): npm run agent -- ${args.join(' ')}`);
    await sleep(10_000);
    await proxy.setMode('refuse');
    const cutAt = Date.now();
    note(`queue cut off; stored so far ${await storedCount()}`);
    await sleep(10_000);
    await first.kill();
    note(`agent SIGKILLed; its last line: ${first.output.at(-1) ?? ''}`);
    const second = startAgentProcess([...args, '--resume', '--wait'], agentEnv);
    note(`agent restarted with --resume --wait (pid ${second.pid})`);
    await sleep(Math.max(0, cutAt + 30_000 - Date.now()));
    await proxy.setMode('pass');
    note(
      `queue back after ${((Date.now() - cutAt) / 1000).toFixed(1)} s; stored so far ${await storedCount()}`,
    );
    const code = await second.exited;
    note(`agent exited with ${code}`);
    const quiet = (line: string): boolean => line.startsWith('progress') || line.includes('enqueue failed');
    note(`  agent: ${second.output.filter((line) => line.includes('enqueue failed')).length} retry warnings`);
    second.output.filter((line) => !quiet(line)).forEach((line) => note(`  agent: ${line}`));
    expect(code).toBe(0);

    await waitUntil(async () => (await storedCount()) >= count, `${count} stored`, 120_000, 1000);
    const rows = (
      await containers.messages.items
        .query<{ machine: string; seq: number }>({
          query: 'SELECT c.machine, c.seq FROM c WHERE c.site = @site',
          parameters: [{ name: '@site', value: site }],
        })
        .fetchAll()
    ).resources;
    const distinct = new Set(rows.map((r) => `${r.machine}#${r.seq}`));
    const statuses = await Promise.all(
      Array.from({ length: machines }, (_, m) =>
        readAgentStatus(containers.agents, site, machineName(m), new Date(), 0),
      ),
    );
    const gaps = statuses.reduce((sum, s) => sum + (s?.gaps.length ?? 1), 0);
    const contiguous = statuses.filter((s) => s?.highestContiguous === count / machines).length;
    const duplicatesAtIngest = host.output.filter((l) => /"duplicates":[1-9]/.test(l)).length;
    note(
      `documents=${rows.length} distinct (machine,seq)=${distinct.size} machines contiguous to ${count / machines}=${contiguous}/${machines} gaps=${gaps} envelopes ingested with duplicates=${duplicatesAtIngest}`,
    );
    // Straight to stdout: the counts are the scenario's report, also when jest buffers console output.
    process.stdout.write(`${timeline.join('\n')}\n`);
    expect(rows.length).toBe(count);
    expect(distinct.size).toBe(count);
    expect(contiguous).toBe(machines);
    expect(gaps).toBe(0);
  }, 400_000);
});
