import { defaultThresholds } from '../../lib/summaries/thresholds';
import { waitUntil } from '../../lib/util/wait-until';
import { useEmulators } from '../helpers/emulators';
import { anEnvelope, aStatusMessage } from '../helpers/factories';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { startHostProcess, type HostProcess } from '../helpers/host-process';
import { summaryMismatches } from '../helpers/summary-check';

interface Item {
  component?: string;
  machine?: string;
  counts: { info: number; warning: number; error: number };
  status: string;
  lastMessageAt: string | null;
  thresholds: { source: string; warning: Record<string, number>; critical: Record<string, number> };
  resetAt?: string | null;
}

/** The summary API through the local host process, on messages the host ingested from the queue. */
describe('summary API (/api/sites...) through the host', () => {
  const stack = useEmulators();
  let host: HostProcess;
  let cosmosProxy: FaultProxy;
  // The period starts 12 hours before or after now: a run near midnight cannot move the messages out of it.
  const periodStartHour = (new Date().getUTCHours() + 12) % 24;
  const thresholds = {
    components: { SMS_B: { warning: { warning: 2 } } },
    siteComponents: { API1: { SMS_A: { critical: { error: 3 } } } },
  };

  beforeAll(async () => {
    cosmosProxy = await startFaultProxy(stack().emulators.cosmosPort);
    host = await startHostProcess(
      { ...stack().env, COSMOS_ENDPOINT: `https://127.0.0.1:${cosmosProxy.port}` },
      {
        STATMGR_SUMMARY_PERIOD_START_HOUR: String(periodStartHour),
        STATMGR_SUMMARY_THRESHOLDS: JSON.stringify(thresholds),
      },
    );
  });
  afterAll(async () => {
    await host?.stop();
    await cosmosProxy?.close();
  });

  const get = async (path: string, key = host.apiKey): Promise<Response> =>
    fetch(`${host.baseUrl}/${path}`, { headers: key ? { 'x-functions-key': key } : {} });
  const post = async (path: string): Promise<Response> =>
    fetch(`${host.baseUrl}/${path}`, { method: 'POST', headers: { 'x-functions-key': host.apiKey } });
  const json = async <T>(path: string): Promise<T> => {
    const response = await get(path);
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };
  const recent = (secondsAgo: number): string => new Date(Date.now() - secondsAgo * 1000).toISOString();
  const message = (severity: string, component: string, time: string): Record<string, unknown> => {
    const { site: _s, machine: _m, ...rest } = aStatusMessage({ severity, component, time });
    return rest;
  };

  it('answers the components, machines and sites of what the host ingested, with the thresholds that applied', async () => {
    const first = recent(120);
    const last = recent(60);
    await stack().queues.main.sendMessage(
      JSON.stringify({
        ...anEnvelope(0, { site: 'API1', machine: 'WS-1' }),
        messages: [
          message('error', 'SMS_A', first),
          message('error', 'SMS_A', first),
          message('error', 'SMS_A', last),
          message('warning', 'SMS_B', first),
          message('warning', 'SMS_B', first),
          message('info', 'SMS_B', first),
        ],
      }),
    );
    await stack().queues.main.sendMessage(
      JSON.stringify({
        ...anEnvelope(0, { site: 'API1', machine: 'WS-2' }),
        messages: [message('info', 'SMS_A', first)],
      }),
    );
    let components: { site: string; periodStart: string; items: Item[] } | undefined;
    await waitUntil(
      async () => {
        const answer = await json<{ site: string; periodStart: string; items: Item[] }>(
          'sites/API1/components',
        );
        components = answer;
        return (
          answer.items.reduce((sum, i) => sum + i.counts.info + i.counts.warning + i.counts.error, 0) === 7
        );
      },
      'the 7 messages counted',
      60_000,
      250,
    );
    expect(components!.site).toBe('API1');
    expect(new Date(components!.periodStart).getUTCHours()).toBe(periodStartHour);
    expect(components!.items).toEqual([
      {
        component: 'SMS_A',
        counts: { info: 1, warning: 0, error: 3 },
        status: 'critical',
        lastMessageAt: last,
        thresholds: {
          source: 'site-component',
          warning: { info: 2000, warning: 10, error: 1 },
          critical: { info: 5000, warning: 50, error: 3 },
        },
        resetAt: null,
      },
      {
        component: 'SMS_B',
        counts: { info: 1, warning: 2, error: 0 },
        status: 'warning',
        lastMessageAt: first,
        thresholds: {
          source: 'component',
          warning: { info: 2000, warning: 2, error: 1 },
          critical: { info: 5000, warning: 50, error: 5 },
        },
        resetAt: null,
      },
    ]);

    const machines = await json<{ items: Item[]; silent: unknown[]; silentAfterSeconds: number }>(
      'sites/API1/machines',
    );
    expect(machines.items).toEqual([
      expect.objectContaining({
        machine: 'WS-1',
        counts: { info: 1, warning: 2, error: 3 },
        status: 'warning',
        lastMessageAt: last,
        thresholds: { ...defaultThresholds, source: 'default' },
      }),
      expect.objectContaining({ machine: 'WS-2', counts: { info: 1, warning: 0, error: 0 }, status: 'ok' }),
    ]);
    expect(machines).toMatchObject({ silent: [], silentAfterSeconds: 3600 });

    const sites = await json<{ periodStart: string; items: unknown[] }>('sites');
    expect(sites.items).toContainEqual({
      site: 'API1',
      status: 'critical',
      components: 2,
      lastMessageAt: last,
    });
    expect(await summaryMismatches(stack().containers)).toEqual([]);
  });

  it('resets a component: its period starts now, so its earlier messages no longer count', async () => {
    const response = await post('sites/API1/components/SMS_A/reset');
    expect(response.status).toBe(200);
    const reset = (await response.json()) as { resetAt: string; periodStart: string };
    expect(reset).toMatchObject({ site: 'API1', component: 'SMS_A', periodStart: reset.resetAt });
    const components = await json<{ items: Item[] }>('sites/API1/components');
    expect(components.items.find((i) => i.component === 'SMS_A')).toMatchObject({
      counts: { info: 0, warning: 0, error: 0 },
      status: 'ok',
      resetAt: reset.resetAt,
    });
    expect(components.items.find((i) => i.component === 'SMS_B')).toMatchObject({ status: 'warning' });
  });

  it('answers 400 naming the parameter for bad input, 401 without the key', async () => {
    const cases: [Promise<Response>, string][] = [
      [get('sites/API1/components?since=1'), 'query.since: unknown parameter'],
      [get('sites?x=1'), 'query.x: unknown parameter'],
      [get('sites/%01/machines'), 'site: must be 1-255 characters'],
      [post(`sites/API1/components/${'C'.repeat(129)}/reset`), 'component: must be 1-128 characters'],
    ];
    for (const [pending, reason] of cases) {
      const response = await pending;
      expect(response.status).toBe(400);
      const body = (await response.json()) as { reasons: string[] };
      expect(body.reasons.join('\n')).toContain(reason);
    }
    expect((await get('sites', '')).status).toBe(401);
    // A wrong key: 401 on the Functions host, 403 on the local host so far.
    expect([401, 403]).toContain((await get('sites/API1/components', 'wrong-key')).status);
  });

  it('answers 503 with retry-after while Cosmos is down, and the counts again once it is back', async () => {
    await cosmosProxy.setMode('refuse');
    try {
      for (const path of ['sites', 'sites/API1/components', 'sites/API1/machines']) {
        const response = await get(path);
        expect(response.status).toBe(503);
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect((await post('sites/API1/components/SMS_B/reset')).status).toBe(503);
    } finally {
      await cosmosProxy.setMode('pass');
    }
    expect((await get('sites/API1/components')).status).toBe(200);
  });
});
