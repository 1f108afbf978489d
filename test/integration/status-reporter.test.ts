import { appendFileSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from '@azure/cosmos';
import { readAgentStatus, type AgentStatus } from '../../lib/agent-status/agent-status';
import { AccountSASPermissions, QueueServiceClient } from '@azure/storage-queue';
import { agentSummaryId, recordAgentRange } from '../../lib/agent-status/agent-summary';
import { agentQueueClient, authForUrl } from '../../lib/agent/agent-queue';
import { StatusReporter } from '../../lib/agent/status-reporter';
import { OutboxFullError } from '../../lib/errors';
import { azuriteConnectionString } from '../../lib/config';
import { waitUntil } from '../../lib/util/wait-until';
import type { StoredStatusMessage } from '../../lib/message/types';
import { startAgentProcess } from '../helpers/agent-process';
import { useEmulators } from '../helpers/emulators';
import { aStatusMessage, anEnvelope } from '../helpers/factories';
import { startHostProcess, type HostProcess } from '../helpers/host-process';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';

const storedOf = async (
  container: Container,
  site: string,
  machine?: string,
): Promise<StoredStatusMessage[]> =>
  (
    await container.items
      .query<StoredStatusMessage>({
        query: `SELECT * FROM c WHERE c.site = @site${machine ? ' AND c.machine = @machine' : ''}`,
        parameters: [
          { name: '@site', value: site },
          { name: '@machine', value: machine ?? '' },
        ],
      })
      .fetchAll()
  ).resources;

const countOf = async (container: Container, site: string): Promise<number> =>
  (
    await container.items
      .query<number>({
        query: 'SELECT VALUE COUNT(1) FROM c WHERE c.site = @site',
        parameters: [{ name: '@site', value: site }],
      })
      .fetchAll()
  ).resources[0] ?? 0;

describe('StatusReporter (Azurite behind a switchable TCP proxy, Cosmos emulator, local host process)', () => {
  const stack = useEmulators();
  let host: HostProcess;
  let proxy: FaultProxy;
  const dirs: string[] = [];
  const newDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'statmgr-agent-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    host = await startHostProcess(stack().env);
    proxy = await startFaultProxy(stack().emulators.queuePort);
  });
  afterAll(async () => {
    await proxy?.close();
    await host?.stop();
    dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });

  const openReporter = (outboxDir: string): Promise<StatusReporter> =>
    StatusReporter.open({
      outboxDir,
      queue: agentQueueClient({
        kind: 'connectionString',
        connectionString: azuriteConnectionString(proxy.port),
      }),
      maxWaitMs: 50,
      backoff: { initialMs: 50, maxMs: 500 },
    });

  const statusOf = (site: string, machine: string): Promise<AgentStatus | undefined> =>
    readAgentStatus(stack().containers.agents, site, machine, new Date(), 0);

  it('delivers reports made while the queue refuses connections once it is back', async () => {
    const { containers } = stack();
    await proxy.setMode('refuse');
    const reporter = await openReporter(newDir());
    try {
      const receipts = await Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          reporter.report(aStatusMessage({ machine: 'WS-OUTAGE', messageId: i })),
        ),
      );
      expect(receipts.map((r) => r.seq)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
      await waitUntil(async () => reporter.stats().retries >= 2, 'enqueue retries', 30_000);
      expect(reporter.stats()).toMatchObject({ sentMessages: 0, pending: 150 });

      await proxy.setMode('pass');
      expect(await reporter.flush(60_000)).toBe(true);
      await waitUntil(
        async () => (await statusOf('P01', 'WS-OUTAGE'))?.highestContiguous === 150,
        'stored',
        60_000,
      );
      const docs = await storedOf(containers.messages, 'P01', 'WS-OUTAGE');
      expect(docs.map((d) => d.seq).sort((a, b) => a! - b!)).toEqual(receipts.map((r) => r.seq));
      expect(docs.map((d) => d.id).sort()).toEqual(receipts.map((r) => r.id).sort());
      expect((await statusOf('P01', 'WS-OUTAGE'))?.gaps).toEqual([]);
    } finally {
      await proxy.setMode('pass');
      await reporter.close(0);
    }
  });

  it('stores an envelope re-sent after a crash between enqueue and trim only once (stable ids)', async () => {
    const { containers } = stack();
    const dir = newDir();
    await proxy.setMode('refuse');
    const first = await openReporter(dir);
    for (let i = 0; i < 30; i += 1)
      await first.report(aStatusMessage({ machine: 'WS-RESEND', messageId: i }));
    expect(await first.close(0)).toBe(false);
    // The outbox as it is on disk just before the send: what a crash after enqueue and before trim leaves.
    const beforeSend = newDir();
    cpSync(dir, beforeSend, { recursive: true });
    await proxy.setMode('pass');

    const sender = await openReporter(dir);
    expect(await sender.close(60_000)).toBe(true);
    const resender = await openReporter(beforeSend);
    expect(resender.stats().recovery.pending).toBe(30);
    expect(await resender.close(60_000)).toBe(true);

    await waitUntil(
      async () => host.output.some((line) => line.includes('"stored":0,"duplicates":30')),
      'the re-sent envelope ingested as duplicates',
      60_000,
    );
    expect(await storedOf(containers.messages, 'P01', 'WS-RESEND')).toHaveLength(30);
    expect(await statusOf('P01', 'WS-RESEND')).toMatchObject({ highestContiguous: 30, stored: 30, gaps: [] });
  });

  it('recovers a torn outbox file and delivers the complete records', async () => {
    const dir = newDir();
    await proxy.setMode('refuse');
    const first = await openReporter(dir);
    for (let i = 0; i < 20; i += 1) await first.report(aStatusMessage({ machine: 'WS-TORN', messageId: i }));
    await first.close(0);
    const segment = readdirSync(dir).find((name) => name.endsWith('.log'))!;
    const torn = '0badc0de {"seq":21,"message":{"ti'; // a write cut short by a crash
    appendFileSync(join(dir, segment), torn);
    await proxy.setMode('pass');

    const second = await openReporter(dir);
    expect(second.stats().recovery).toMatchObject({ pending: 20, tornBytes: torn.length });
    expect(second.nextSeq('P01', 'WS-TORN')).toBe(21);
    expect(await second.close(60_000)).toBe(true);
    await waitUntil(
      async () => (await statusOf('P01', 'WS-TORN'))?.highestContiguous === 20,
      'stored',
      60_000,
    );
    expect(await storedOf(stack().containers.messages, 'P01', 'WS-TORN')).toHaveLength(20);
  });

  it('rejects a report with OutboxFullError and counts it when the outbox is full (never a silent drop)', async () => {
    await proxy.setMode('refuse');
    const reporter = await StatusReporter.open({
      outboxDir: newDir(),
      queue: agentQueueClient({
        kind: 'connectionString',
        connectionString: azuriteConnectionString(proxy.port),
      }),
      maxOutboxMessages: 5,
      whenFull: 'reject',
    });
    try {
      for (let i = 0; i < 5; i += 1) await reporter.report(aStatusMessage({ machine: 'WS-FULL' }));
      await expect(reporter.report(aStatusMessage({ machine: 'WS-FULL' }))).rejects.toThrow(OutboxFullError);
      expect(reporter.stats()).toMatchObject({ outboxFull: 1, pending: 5, reported: 5 });
      expect(reporter.nextSeq('P01', 'WS-FULL')).toBe(6);
    } finally {
      await proxy.setMode('pass');
      await reporter.close(0);
    }
  });

  it('sends with a SAS URL instead of a connection string', async () => {
    const service = QueueServiceClient.fromConnectionString(azuriteConnectionString(proxy.port));
    const sasUrl = service.generateAccountSasUrl(
      new Date(Date.now() + 3600_000),
      AccountSASPermissions.parse('a'),
      'o',
    );
    const auth = authForUrl(sasUrl);
    expect(auth.kind).toBe('sas');
    const reporter = await StatusReporter.open({
      outboxDir: newDir(),
      queue: agentQueueClient(auth),
      maxWaitMs: 0,
    });
    await reporter.report(aStatusMessage({ machine: 'WS-SAS' }));
    expect(await reporter.close(60_000)).toBe(true);
    await waitUntil(async () => (await statusOf('P01', 'WS-SAS'))?.highestContiguous === 1, 'stored', 60_000);
  });

  // The local emulators keep nothing across `npm start`, an agent's outbox keeps its numbering: a second run's
  // --wait must wait for its own numbers, not for ones stored in a store that is gone.
  it('waits (--wait) for the numbers of its own run, also when earlier numbers are missing for good', async () => {
    const dir = newDir();
    const run = () =>
      startAgentProcess(
        [
          'simulate',
          '--site',
          'WAIT',
          '--machines',
          '2',
          '--count',
          '20',
          '--outbox',
          dir,
          '--wait',
          '--timeout',
          '60',
        ],
        stack().env,
      );
    expect(await run().exited).toBe(0);
    // The store forgets the first run (as a restarted emulator does); the outbox goes on at 11.
    for (const machine of ['WS-0000', 'WS-0001'])
      await stack().containers.agents.item(agentSummaryId('WAIT', machine), ['WAIT', machine]).delete();
    const second = run();
    const code = await second.exited;
    expect({ code, output: second.output.join('\n') }).toMatchObject({ code: 0 });
    expect(
      second.output.some((line) => line.startsWith('stored: every number this run gave each machine')),
    ).toBe(true);
    expect(await statusOf('WAIT', 'WS-0000')).toMatchObject({ highestContiguous: 0, highestSeen: 20 });
  });

  it('loses nothing and stores nothing twice when the agent process is SIGKILLed while sending', async () => {
    const { containers } = stack();
    const dir = newDir();
    const args = [
      'simulate',
      ...['--site', 'KILL', '--machines', '3', '--count', '3000', '--rate', '1000'],
      ...['--outbox', dir],
      ...['--max-wait', '100', '--max-backoff', '1000', '--timeout', '120'],
    ];
    // The agent reads its connection string from the environment, never from an argument.
    const agentEnv = { ...stack().env, StatusStorage: azuriteConnectionString(proxy.port) };
    const first = startAgentProcess(args, agentEnv);
    await waitUntil(
      async () => (await countOf(containers.messages, 'KILL')) > 0,
      'first messages stored',
      60_000,
    );
    await first.kill();

    const second = startAgentProcess([...args, '--resume', '--wait'], agentEnv);
    const code = await second.exited;
    expect({ code, output: second.output.join('\n') }).toMatchObject({ code: 0 });
    expect(second.output.some((line) => /^resuming at message [1-9]\d* of 3000$/.test(line))).toBe(true);

    expect(await countOf(containers.messages, 'KILL')).toBe(3000);
    for (const machine of ['WS-0000', 'WS-0001', 'WS-0002']) {
      expect(await statusOf('KILL', machine)).toMatchObject({
        highestContiguous: 1000,
        stored: 1000,
        gaps: [],
      });
    }
  });

  it('merges concurrent range updates of one agent without losing any (etag retries)', async () => {
    const { agents } = stack().containers;
    const now = new Date().toISOString();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        recordAgentRange(
          agents,
          { site: 'P01', machine: 'WS-RACE', first: i * 10 + 1, last: i * 10 + 10 },
          now,
        ),
      ),
    );
    expect(await statusOf('P01', 'WS-RACE')).toMatchObject({ highestContiguous: 200, stored: 200, gaps: [] });
  });

  it('reports a skipped sequence number as a gap on GET /api/agents/{site}/{machine}', async () => {
    const { queues } = stack();
    const machine = 'WS-GAP';
    await queues.main.sendMessage(JSON.stringify(anEnvelope(5, { machine, seq: 1 })), {
      messageTimeToLive: -1,
    });
    await queues.main.sendMessage(JSON.stringify(anEnvelope(3, { machine, seq: 7 })), {
      messageTimeToLive: -1,
    });
    await waitUntil(
      async () => (await statusOf('P01', machine))?.stored === 8,
      'both envelopes recorded',
      60_000,
    );

    const get = (path: string, key = host.apiKey): Promise<Response> =>
      fetch(`${host.baseUrl}/${path}`, { headers: key ? { 'x-functions-key': key } : {} });
    const response = await get(`agents/P01/${machine}?gapAgeSeconds=0`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as AgentStatus;
    expect(body).toMatchObject({ highestContiguous: 5, highestSeen: 9, stored: 8 });
    expect(body.gaps.map((g) => [g.first, g.last])).toEqual([[6, 6]]);

    const young = (await (await get(`agents/P01/${machine}?gapAgeSeconds=3600`)).json()) as AgentStatus;
    expect(young.gaps).toEqual([]);
    expect(young.recentGaps.map((g) => [g.first, g.last])).toEqual([[6, 6]]);

    expect((await get('agents/P01/WS-NEVER')).status).toBe(404);
    expect((await get(`agents/P01/${machine}`, '')).status).toBe(401);
    expect((await get(`agents/P01/${machine}?gapAgeSeconds=soon`)).status).toBe(400);
  });
});
