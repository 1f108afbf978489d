import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { statusMessageId } from '../../lib/message/ids';
import type { StoredStatusMessage } from '../../lib/message/types';
import { freePort } from '../../lib/local/free-port';
import { waitUntil } from '../../lib/util/wait-until';
import { notificationKey } from '../../lib/notify/notification';
import type { StatusFilterRule } from '../../lib/rules/rule-types';
import { readAll } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';
import { aStatusMessage, anEnvelope } from '../helpers/factories';
import { startHostProcess, type HostProcess } from '../helpers/host-process';

const secret = 'integration-secret';

/** A webhook receiver on a fixed port that can be down (not listening) and come back. */
const receiver = (port: number) => {
  const arrived: { key: string; signature: string; body: string; headers: IncomingHttpHeaders }[] = [];
  let server: Server | undefined;
  return {
    arrived,
    url: `http://127.0.0.1:${port}/statmgr-hook`,
    start: () =>
      new Promise<void>((resolve, reject) => {
        server = createServer((request, response) => {
          const chunks: Buffer[] = [];
          request.on('data', (chunk: Buffer) => chunks.push(chunk));
          request.on('end', () => {
            arrived.push({
              key: String(request.headers['idempotency-key']),
              signature: String(request.headers['x-statmgr-signature']),
              body: Buffer.concat(chunks).toString('utf8'),
              headers: request.headers,
            });
            response.writeHead(200).end('ok');
          });
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    stop: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
};

describe('status filter rules through the host (Azurite + Cosmos emulator + local host process)', () => {
  const stack = useEmulators();
  let host: HostProcess;
  let hook: ReturnType<typeof receiver>;

  beforeAll(async () => {
    hook = receiver(await freePort());
    host = await startHostProcess(stack().env, {
      STATMGR_NOTIFY_SECRET: secret,
      STATMGR_NOTIFY_ALLOWED_HOSTS: 'hooks.example.com',
      STATMGR_RULES_REFRESH_SECONDS: '0',
      STATMGR_RETRY_MIN_SECONDS: '1',
      STATMGR_RETRY_MAX_SECONDS: '2',
    });
  });
  afterAll(async () => {
    await host?.stop();
    await hook?.stop();
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${host.baseUrl}/${path}`, {
      ...init,
      headers: { 'x-functions-key': host.apiKey, 'content-type': 'application/json', ...init.headers },
    });

  const getRules = async (): Promise<{ rules: StatusFilterRule[]; etag: string }> =>
    (await (await api('rules')).json()) as { rules: StatusFilterRule[]; etag: string };

  const putRules = (rules: unknown, etag: string | undefined) =>
    api('rules', {
      method: 'PUT',
      body: JSON.stringify({ rules }),
      headers: etag === undefined ? {} : { 'if-match': etag },
    });

  const ingestedLines = (batchId: string): string[] =>
    host.output.filter((line) => line.includes('ingested') && line.includes(batchId));

  it('answers no rules at first, and needs the function key', async () => {
    expect(await getRules()).toEqual({ rules: [], etag: 'none' });
    expect((await fetch(`${host.baseUrl}/rules`)).status).toBe(401);
  });

  it('refuses bad rules with reasons naming the rule and field, and needs a current If-Match', async () => {
    const bad = [
      { name: 'typo', match: { componnt: 'X' }, actions: {} },
      { name: 'reversed', match: { messageId: [900, 100] }, actions: {} },
      { name: 'elsewhere', match: {}, actions: { notify: { url: 'https://evil.example.net/hook' } } },
    ];
    const response = await putRules(bad, 'none');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { reasons: string[] }).reasons).toEqual([
      'rules[0] ("typo").match.componnt: is not a known field',
      'rules[1] ("reversed").match.messageId: range [900, 100] must have from <= to',
      'rules[2] ("elsewhere").actions.notify.url: host "evil.example.net" is not in STATMGR_NOTIFY_ALLOWED_HOSTS (hooks.example.com)',
    ]);
    expect(await getRules()).toEqual({ rules: [], etag: 'none' });

    const good = [{ name: 'first', match: {}, actions: {} }];
    expect((await putRules(good, undefined)).status).toBe(428);
    const created = await putRules(good, 'none');
    expect(created.status).toBe(200);
    const { etag } = (await created.json()) as { etag: string };
    expect(etag).not.toBe('none');
    expect((await putRules(good, 'none')).status).toBe(412);
    const second = await putRules([{ name: 'second', match: {}, actions: {} }], etag);
    expect(second.status).toBe(200);
    const stale = await putRules([{ name: 'third', match: {}, actions: {} }], etag);
    expect(stale.status).toBe(412);
    expect((await getRules()).rules.map((r) => r.name)).toEqual(['second']);
  });

  it('discards, keeps for N days, leaves out of summaries and answers rules/test accordingly', async () => {
    const rules: StatusFilterRule[] = [
      {
        name: 'noisy info',
        match: { component: 'SMS_NOISY', severity: 'info' },
        actions: { store: false, stop: true },
      },
      { name: 'audit a year', match: { messageType: 'audit' }, actions: { retentionDays: 365 } },
      { name: 'no summary', match: { component: 'SMS_QUIET' }, actions: { summarize: false } },
    ];
    expect((await putRules(rules, (await getRules()).etag)).status).toBe(200);

    const tested = await api('rules/test', {
      method: 'POST',
      body: JSON.stringify(aStatusMessage({ component: 'SMS_NOISY' })),
    });
    expect(await tested.json()).toEqual({
      matched: [{ index: 0, name: 'noisy info' }],
      stoppedBy: 'noisy info',
      actions: { store: false, retentionDays: 30, ttl: 30 * 86400, summarize: true, notify: [] },
    });
    const badTest = await api('rules/test', { method: 'POST', body: JSON.stringify({ severity: 'loud' }) });
    expect(badTest.status).toBe(400);

    const machine = `WS-RULES-${randomUUID().slice(0, 8)}`;
    const envelope = anEnvelope(5, { machine, seq: 1 });
    const m = envelope.messages;
    Object.assign(m[0]!, { component: 'SMS_NOISY' }); // discarded
    Object.assign(m[1]!, { component: 'SMS_NOISY', severity: 'warning' }); // kept: not info
    Object.assign(m[2]!, { messageType: 'audit' }); // a year
    Object.assign(m[3]!, { component: 'SMS_QUIET' }); // summarize false
    Object.assign(m[4]!, { component: 'SMS_NOISY' }); // discarded
    await stack().queues.main.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 });
    await waitUntil(async () => ingestedLines(envelope.batchId).length > 0, 'envelope ingested', 30_000);
    expect(ingestedLines(envelope.batchId)[0]).toMatch(/"stored":3,.*"discarded":2/);

    const docs = (await readAll<StoredStatusMessage>(stack().containers.messages))
      .filter((doc) => doc.batchId === envelope.batchId)
      .sort((a, b) => a.position - b.position);
    expect(docs.map((doc) => doc.position)).toEqual([1, 2, 3]);
    expect(docs.map((doc) => doc.id)).toEqual(
      [1, 2, 3].map((i) => statusMessageId(undefined, envelope.batchId, i)),
    );
    expect(docs.map((doc) => doc.ttl)).toEqual([30 * 86400, 365 * 86400, 30 * 86400]);
    expect(docs.map((doc) => doc.summarize)).toEqual([undefined, undefined, false]);

    // A discarded message was taken in, not lost: its sequence number is no gap.
    const agent = await api(`agents/P01/${machine}?gapAgeSeconds=0`);
    expect(await agent.json()).toMatchObject({ highestContiguous: 5, gaps: [], recentGaps: [] });
  });

  it('notifies at least once per matching message, signed, through a receiver that is down for a while', async () => {
    const rules: StatusFilterRule[] = [
      {
        name: 'page on site component errors',
        match: { component: 'SMS_SITE_COMPONENT_MANAGER', severity: 'error' },
        actions: { notify: { url: hook.url } },
      },
    ];
    expect((await putRules(rules, (await getRules()).etag)).status).toBe(200);
    const envelope = anEnvelope(6, { machine: 'WS-NOTIFY' });
    const m = envelope.messages;
    for (const i of [0, 2, 5])
      Object.assign(m[i]!, { component: 'SMS_SITE_COMPONENT_MANAGER', severity: 'error' });
    Object.assign(m[1]!, { component: 'SMS_SITE_COMPONENT_MANAGER', severity: 'warning' });
    Object.assign(m[3]!, { severity: 'error' });
    const bare = aStatusMessage({
      component: 'SMS_SITE_COMPONENT_MANAGER',
      severity: 'error',
      id: randomUUID(),
    });
    await stack().queues.main.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 });
    await stack().queues.main.sendMessage(JSON.stringify(bare), { messageTimeToLive: -1 });
    const rule = 'page on site component errors';
    const expected = new Set([
      ...[0, 2, 5].map((i) => notificationKey(rule, statusMessageId(undefined, envelope.batchId, i))),
      notificationKey(rule, bare.id as string),
    ]);

    // The receiver is down: every notification fails at least once and is handed back with a delay.
    await waitUntil(
      async () => host.output.filter((line) => line.includes('notification failed, handed back')).length >= 4,
      'failed deliveries',
      60_000,
    );
    expect(hook.arrived).toHaveLength(0);
    await hook.start();
    await waitUntil(
      async () => [...expected].every((key) => hook.arrived.some((a) => a.key === key)),
      'every notification delivered',
      60_000,
    );
    await waitUntil(
      async () => ((await stack().queues.notifications.getProperties()).approximateMessagesCount ?? 0) === 0,
      'notifications queue drained',
      30_000,
    );
    expect(new Set(hook.arrived.map((a) => a.key))).toEqual(expected);
    for (const delivery of hook.arrived) {
      const signature = `sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`;
      expect(delivery.signature).toBe(signature);
      const body = JSON.parse(delivery.body) as { rule: string; message: StoredStatusMessage };
      expect(body.rule).toBe(rule);
      expect(delivery.key).toBe(notificationKey(rule, body.message.id));
      expect(body.message).toMatchObject({ component: 'SMS_SITE_COMPONENT_MANAGER', severity: 'error' });
    }
  });
});
