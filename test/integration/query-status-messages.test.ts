import { randomUUID } from 'node:crypto';
import type { MessageItem, MessagePage } from '../../lib/query/query-messages';
import { csvColumns } from '../../lib/query/export-messages';
import { waitForCount } from '../helpers/cosmos';
import { parseCsv } from '../helpers/csv';
import { useEmulators } from '../helpers/emulators';
import { anEnvelope } from '../helpers/factories';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { startHostProcess, type HostProcess } from '../helpers/host-process';

/** 3 machines over 2 sites, each message a distinct minute so that "newest first" has one right answer. */
const plan = [
  { site: 'P01', machine: 'WS-0001', count: 8 },
  { site: 'P01', machine: 'WS-0002', count: 6 },
  { site: 'P02', machine: 'WS-0100', count: 5 },
] as const;
const severities = ['info', 'warning', 'error'] as const;
const components = ['SMS_DISTRIBUTION_MANAGER', 'CCMEXEC'] as const;
const total = plan.reduce((sum, p) => sum + p.count, 0);

const minute = (n: number): string => new Date(Date.UTC(2026, 10, 25, 8, n)).toISOString();

describe('status message query API (local host process, real Azurite and Cosmos emulator)', () => {
  const stack = useEmulators();
  let host: HostProcess;
  let cosmosProxy: FaultProxy;
  let all: MessageItem[] = [];

  beforeAll(async () => {
    cosmosProxy = await startFaultProxy(stack().emulators.cosmosPort);
    host = await startHostProcess(stack().env, { COSMOS_ENDPOINT: `https://127.0.0.1:${cosmosProxy.port}` });
    let n = 0;
    for (const { site, machine, count } of plan) {
      const envelope = anEnvelope(count, { site, machine });
      envelope.messages = envelope.messages.map((message) => {
        n += 1;
        return {
          ...message,
          time: minute(n),
          severity: severities[n % 3],
          component: components[n % 2],
          messageId: n % 2 === 0 ? 2301 : 10002,
          messageType: n % 4 === 0 ? 'milestone' : 'detail',
          insertionStrings: [`PKG${n}`, `R${n}`],
        };
      });
      // One time with a zone offset: stored as UTC, so it sorts with the rest (08:00+01:00 is 07:00Z).
      if (site === 'P02')
        envelope.messages[0] = { ...envelope.messages[0], time: '2026-11-25T08:00:00+01:00' };
      await stack().queues.main.sendMessage(JSON.stringify(envelope));
    }
    await waitForCount(stack().containers.messages, total);
    all = (await list('limit=1000')).items as MessageItem[];
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await cosmosProxy?.close();
  });

  const api = (path: string, key: string | null = host.apiKey): Promise<Response> =>
    fetch(`${host.baseUrl}${path}`, { headers: key ? { 'x-functions-key': key } : {} });
  async function list(query: string): Promise<MessagePage> {
    const response = await api(`/status-messages?${query}`);
    if (response.status !== 200) throw new Error(`${response.status}: ${await response.text()}`);
    return (await response.json()) as MessagePage;
  }
  const expected = (keep: (item: MessageItem) => boolean): string[] => all.filter(keep).map((i) => i.id);

  it('lists every stored message newest first by time, with its description and no Cosmos fields', async () => {
    expect(all).toHaveLength(total);
    const times = all.map((item) => item.time);
    expect(times).toEqual([...times].sort().reverse());
    expect(times.at(-1)).toBe('2026-11-25T07:00:00.000Z');
    const first = all[0]!;
    expect(Object.keys(first).filter((key) => key.startsWith('_'))).toEqual([]);
    expect(typeof first.batchId).toBe('string');
    expect(typeof first.storedAt).toBe('string');
    const fromCatalog = all.find((item) => item.messageId === 2301 && item.component === components[0]);
    expect(fromCatalog?.description).toBe(
      `Distribution Manager successfully processed package "${fromCatalog?.insertionStrings?.[0]}" (package ID = ${fromCatalog?.insertionStrings?.[1]}).`,
    );
    const fallback = all.find((item) => item.messageId === 2301 && item.component === components[1]);
    expect(fallback?.description).toBe(fallback?.insertionStrings?.join('; '));
  });

  it.each([
    ['site=P01', (i: MessageItem) => i.site === 'P01'],
    ['site=P01&machine=WS-0002', (i: MessageItem) => i.site === 'P01' && i.machine === 'WS-0002'],
    ['machine=WS-0100', (i: MessageItem) => i.machine === 'WS-0100'],
    ['site=P01&severity=error', (i: MessageItem) => i.site === 'P01' && i.severity === 'error'],
    ['site=P01&severity=error,warning', (i: MessageItem) => i.site === 'P01' && i.severity !== 'info'],
    ['severity=error&severity=info', (i: MessageItem) => i.severity !== 'warning'],
    ['site=P01&component=CCMEXEC', (i: MessageItem) => i.site === 'P01' && i.component === 'CCMEXEC'],
    ['site=P02&messageId=2301', (i: MessageItem) => i.site === 'P02' && i.messageId === 2301],
    ['site=P01&messageType=milestone', (i: MessageItem) => i.site === 'P01' && i.messageType === 'milestone'],
    [
      'site=P01&machine=WS-0001&component=CCMEXEC&severity=info',
      (i: MessageItem) => i.machine === 'WS-0001' && i.component === 'CCMEXEC' && i.severity === 'info',
    ],
    [
      `since=${minute(3)}&until=${minute(10)}`,
      (i: MessageItem) => i.time >= minute(3) && i.time < minute(10),
    ],
    ['since=2026-11-25T09:05:00%2B01:00', (i: MessageItem) => i.time >= minute(5)],
  ])('filters by %s, newest first', async (query, keep) => {
    const page = await list(`${query}&limit=1000`);
    const want = expected(keep);
    expect(want.length).toBeGreaterThan(0);
    expect(page.items.map((item) => item.id)).toEqual(want);
    expect(page.continuation).toBeNull();
  });

  it('pages with an opaque continuation: every message once, in order, whatever the page size', async () => {
    for (const [query, keep] of [
      ['site=P01', (i: MessageItem) => i.site === 'P01'],
      ['', () => true],
    ] as const) {
      const seen: string[] = [];
      let continuation: string | null = null;
      let pages = 0;
      do {
        const page: MessagePage = await list(
          `${query}&limit=3${continuation ? `&continuation=${encodeURIComponent(continuation)}` : ''}`,
        );
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((item) => item.id));
        continuation = page.continuation;
        pages += 1;
      } while (continuation !== null && pages < 50);
      expect(seen).toEqual(expected(keep));
      expect(pages).toBeGreaterThan(1);
    }
  });

  it('answers 400 naming the parameter for bad filters, and for a continuation of other filters', async () => {
    const reasonsOf = async (query: string): Promise<string[]> => {
      const response = await api(`/status-messages?${query}`);
      expect(response.status).toBe(400);
      return ((await response.json()) as { reasons: string[] }).reasons;
    };
    expect((await reasonsOf('limit=0')).join()).toMatch(/query\.limit/);
    expect((await reasonsOf('limit=1001')).join()).toMatch(/query\.limit/);
    expect((await reasonsOf('severity=fatal')).join()).toMatch(/query\.severity/);
    expect((await reasonsOf('since=yesterday')).join()).toMatch(/query\.since/);
    expect((await reasonsOf('messageId=x')).join()).toMatch(/query\.messageId/);
    expect((await reasonsOf(`since=${minute(5)}&until=${minute(2)}`)).join()).toMatch(/query\.until/);
    expect((await reasonsOf('site=P01&site=P02')).join()).toMatch(/query\.site.*2 times/);
    expect((await reasonsOf('colour=red')).join()).toMatch(/colour/);
    expect((await reasonsOf('format=xml')).join()).toMatch(/query\.format/);
    expect((await reasonsOf('continuation=nonsense')).join()).toMatch(/query\.continuation/);
    const { continuation } = await list('site=P01&limit=2');
    expect(continuation).not.toBeNull();
    expect(
      (await reasonsOf(`site=P02&limit=2&continuation=${encodeURIComponent(continuation!)}`)).join(),
    ).toMatch(/query\.continuation: was given out for other filters/);
  });

  it('answers one message by site, machine and id, 404 when absent, 400 for a bad id, 401 without a key', async () => {
    const item = all.find((i) => i.machine === 'WS-0002')!;
    const one = await api(`/status-messages/${item.site}/${item.machine}/${item.id}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(item);
    expect((await api(`/status-messages/${item.site}/WS-0001/${item.id}`)).status).toBe(404);
    expect((await api(`/status-messages/P01/WS-0001/${randomUUID()}`)).status).toBe(404);
    const bad = await api('/status-messages/P01/WS-0001/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/id: must be a UUID/);
    expect((await api('/status-messages', null)).status).toBe(401);
  });

  it('exports every page of the query as CSV with a header row, and as JSON lines', async () => {
    const csv = await api('/status-messages?site=P01&format=csv&limit=4');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const [header, ...rows] = parseCsv(await csv.text());
    expect(header).toEqual([...csvColumns]);
    const idColumn = csvColumns.indexOf('id');
    expect(rows.map((row) => row[idColumn])).toEqual(expected((i) => i.site === 'P01'));
    const first = all.find((i) => i.id === rows[0]![idColumn])!;
    expect(rows[0]![csvColumns.indexOf('description')]).toBe(first.description);
    expect(rows[0]![csvColumns.indexOf('insertionStrings')]).toBe(JSON.stringify(first.insertionStrings));

    const jsonl = await api('/status-messages?severity=error&format=jsonl&limit=2');
    expect(jsonl.status).toBe(200);
    const lines = (await jsonl.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as MessageItem);
    expect(lines.map((line) => line.id)).toEqual(expected((i) => i.severity === 'error'));
  });

  it('answers 503 with retry-after while Cosmos DB is unreachable, and 200 again once it is back', async () => {
    await cosmosProxy.setMode('refuse');
    try {
      const down = await api('/status-messages?site=P01');
      expect(down.status).toBe(503);
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const exportDown = await api('/status-messages?site=P01&format=csv');
      expect(exportDown.status).toBe(503);
    } finally {
      await cosmosProxy.setMode('pass');
    }
    expect((await api('/status-messages?site=P01')).status).toBe(200);
  });
});
