/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { buildDeadLetter, type DeadLetter } from '../../lib/dead-letters/dead-letter';
import { waitUntil } from '../../lib/util/wait-until';
import type { MessagePage } from '../../lib/query/query-messages';
import { csvColumns } from '../../lib/query/export-messages';
import { launchBrowser } from '../helpers/browser';
import { waitForCount } from '../helpers/cosmos';
import { parseCsv } from '../helpers/csv';
import { useEmulators } from '../helpers/emulators';
import { anEnvelope } from '../helpers/factories';
import { startHostProcess, type HostProcess } from '../helpers/host-process';

/** Two sites; WS-0001 numbers its messages (seq 1..) and skips 7, so the agents tab has a gap to show. */
// Times of today (UTC), so that the summaries' current period (from 00:00 UTC) holds them whatever the date.
const today = new Date();
const at = (daysBack: number, hour: number, minutes: number): string =>
  new Date(
    Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - daysBack, hour, minutes),
  ).toISOString();
const minute = (n: number): string => at(0, 0, n);
const severities = ['info', 'warning', 'error'] as const;

describe('web viewer in headless Chromium (local host process, real Azurite and Cosmos emulator)', () => {
  const stack = useEmulators();
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let stored = 0;
  const outside: string[] = [];
  const pageErrors: string[] = [];

  const send = async (envelope: ReturnType<typeof anEnvelope>): Promise<void> => {
    await stack().queues.main.sendMessage(JSON.stringify(envelope));
    stored += envelope.messages.length;
  };
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${host.baseUrl}${path}`, { headers: { 'x-functions-key': host.apiKey } });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const viewer = (search: string, key: string | null = host.apiKey): string =>
    `${host.baseUrl}/viewer${search}${key ? `#key=${encodeURIComponent(key)}` : ''}`;
  const rowIds = (): Promise<(string | null)[]> =>
    page.locator('#messages tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
  /** Waits until the table shows exactly these ids, in this order. */
  const waitForRows = async (ids: readonly string[]): Promise<void> => {
    await page.waitForFunction(
      (want) =>
        JSON.stringify(
          [...document.querySelectorAll('#messages tbody tr')].map((r) => r.getAttribute('data-id')),
        ) === JSON.stringify(want),
      ids,
      { timeout: 20_000 },
    );
  };

  beforeAll(async () => {
    host = await startHostProcess(stack().env);
    let n = 0;
    const numbered = (count: number, site: string, machine: string, seq?: number) => {
      const envelope = anEnvelope(count, { site, machine, ...(seq === undefined ? {} : { seq }) });
      envelope.messages = envelope.messages.map((message) => {
        n += 1;
        return {
          ...message,
          time: minute(n),
          severity: severities[n % 3],
          component: n % 2 === 0 ? 'SMS_DISTRIBUTION_MANAGER' : 'CCMEXEC',
          messageId: n % 2 === 0 ? 2301 : 10006,
          insertionStrings: [`Office ${n}`, `P01000${n}`],
          attributes: { '400': `P01000${n}` },
          processId: 4242,
          threadId: 7,
        };
      });
      return envelope;
    };
    await send(numbered(6, 'P01', 'WS-0001', 1));
    await send(numbered(4, 'P01', 'WS-0001', 8));
    await send(numbered(5, 'P01', 'WS-0002'));
    await send(numbered(5, 'P02', 'WS-0100'));
    await waitForCount(stack().containers.messages, stored);
    browser = await launchBrowser();
  }, 120_000);
  beforeEach(async () => {
    page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1440, height: 900 } });
    const origin = new URL(host.baseUrl).origin;
    page.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('blob:'))
        outside.push(request.url());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterEach(async () => {
    await page?.close();
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
  });

  it('shows the rows of the filters in the URL, with severity as word and colour, and sorts by a header button', async () => {
    const want = await api<MessagePage>('/status-messages?site=P01&severity=error,warning&limit=1000');
    expect(want.items.length).toBeGreaterThan(3);
    await page.goto(viewer('?site=P01&severity=error&severity=warning'));
    await waitForRows(want.items.map((item) => item.id));
    // The key left the address bar; the filters stayed, and the form shows them.
    expect(page.url()).not.toContain('#key');
    expect(page.url()).toContain('site=P01');
    expect(await page.inputValue('#filters input[name=site]')).toBe('P01');
    expect(await page.isChecked('#filters input[value=error]')).toBe(true);
    expect(await page.isChecked('#filters input[value=info]')).toBe(false);
    const first = want.items[0]!;
    const cells = await page.locator('#messages tbody tr').first().locator('td').allInnerTexts();
    expect(cells.map((cell) => cell.trim())).toEqual([
      expect.stringContaining(first.severity === 'error' ? 'Error' : 'Warning'),
      first.messageType,
      'P01',
      first.time.replace('T', ' ').replace('.000Z', ''),
      first.machine,
      first.component,
      String(first.messageId),
      first.description,
    ]);
    const badge = page.locator('#messages tbody tr').first().locator('.sev');
    expect(await badge.evaluate((node) => getComputedStyle(node).color)).not.toBe(
      await page
        .locator('#messages th')
        .first()
        .evaluate((node) => getComputedStyle(node).color),
    );

    await page.getByRole('button', { name: 'Message id' }).click();
    const ascending = [...want.items].sort((a, b) => a.messageId - b.messageId || 0);
    const shownIds = await page
      .locator('#messages tbody tr td:nth-child(7)')
      .allInnerTexts()
      .then((texts) => texts.map(Number));
    expect(shownIds).toEqual(ascending.map((item) => item.messageId));
    expect(await page.getAttribute('th[data-key=messageId]', 'aria-sort')).toBe('ascending');
  });

  it('applies filters from the form into the URL and opens the detail pane by keyboard', async () => {
    await page.goto(viewer(''));
    await page.waitForSelector('#messages tbody tr');
    await page.fill('#filters input[name=machine]', 'WS-0001');
    await page.fill('#filters input[name=site]', 'P01');
    await page.press('#filters input[name=site]', 'Enter');
    const want = await api<MessagePage>('/status-messages?site=P01&machine=WS-0001&limit=1000');
    await waitForRows(want.items.map((item) => item.id));
    expect(new URL(page.url()).search).toBe('?site=P01&machine=WS-0001');

    // Keyboard only: focus the first row, Enter opens the detail pane with every field.
    await page.locator('#messages tbody tr').first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const item = want.items[1]!;
    expect(await page.locator('#detail p').first().innerText()).toBe(item.description);
    const fields = Object.fromEntries(
      await page
        .locator('#detail dt')
        .evaluateAll((terms) => terms.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])),
    ) as Record<string, string>;
    expect(fields).toMatchObject({
      Id: item.id,
      Batch: item.batchId,
      'Position in batch': String(item.position),
      'Sequence number': String(item.seq),
      Stored: item.storedAt,
      Enqueued: item.enqueuedAt,
      'Insertion string %1': item.insertionStrings![0],
      'Insertion string %2': item.insertionStrings![1],
      'Package ID (400)': String(item.attributes!['400']),
      'Process id': '4242',
      'Thread id': '7',
      System: 'WS-0001',
      'Date / time': item.time,
    });
  });

  it('pages with load more when there are more rows than a page', async () => {
    // 100 more messages for one machine, more than one page of the viewer.
    const many = anEnvelope(100, { site: 'P03', machine: 'WS-0300' });
    many.messages = many.messages.map((m, i) => ({
      ...m,
      time: at(1, 0, i),
    }));
    const extra = anEnvelope(5, { site: 'P03', machine: 'WS-0300' });
    extra.messages = extra.messages.map((m, i) => ({
      ...m,
      time: at(2, 0, i),
    }));
    await send(many);
    await send(extra);
    await waitForCount(stack().containers.messages, stored);
    await page.goto(viewer('?site=P03'));
    await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 100);
    expect(await page.isVisible('#load-more')).toBe(true);
    await page.click('#load-more');
    await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 105);
    expect(await page.isHidden('#load-more')).toBe(true);
    expect(new Set(await rowIds()).size).toBe(105);
  });

  it('follows: a message stored after the page opened appears without a reload', async () => {
    await page.goto(viewer('?site=P01&severity=error'));
    await page.waitForSelector('#messages tbody tr');
    const before = (await rowIds()).length;
    await page.check('#follow');
    const id = randomUUID();
    const envelope = anEnvelope(1, { site: 'P01', machine: 'WS-0002' });
    envelope.messages = [
      { ...envelope.messages[0], id, time: new Date().toISOString(), severity: 'error', text: 'followed' },
    ];
    await send(envelope);
    await page.waitForSelector(`#messages tbody tr[data-id="${id}"]`, { timeout: 30_000 });
    expect((await rowIds())[0]).toBe(id);
    expect((await rowIds()).length).toBe(before + 1);
    expect(await page.locator('#status').innerText()).toMatch(/1 new message/);
  });

  it('exports the filtered messages as CSV through the export button', async () => {
    await page.goto(viewer('?site=P02'));
    await page.waitForSelector('#messages tbody tr');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    expect(download.suggestedFilename()).toBe('status-messages.csv');
    const [header, ...rows] = parseCsv(await readFile(await download.path(), 'utf8'));
    expect(header).toEqual([...csvColumns]);
    const want = await api<MessagePage>('/status-messages?site=P02&limit=1000');
    expect(rows.map((row) => row[csvColumns.indexOf('id')])).toEqual(want.items.map((item) => item.id));
  });

  it('replays a dead letter from the dead-letters tab, and the message is stored', async () => {
    const messageId = randomUUID();
    const raw = JSON.stringify({
      time: minute(59),
      severity: 'error',
      messageId: 10006,
      component: 'CCMEXEC',
      site: 'P02',
      machine: 'WS-0100',
      id: messageId,
    });
    const letter = buildDeadLetter({
      source: 'poison-queue',
      reasons: ['the ingest function kept failing on this message (dequeued 5 times)'],
      raw,
      position: -1,
      batchId: undefined,
      queueMessageId: randomUUID(),
      dequeueCount: 5,
      enqueuedAt: new Date().toISOString(),
      now: new Date().toISOString(),
      idKey: randomUUID(),
    });
    await stack().containers.deadletters.items.create(letter);

    await page.goto(viewer(''));
    await page.getByRole('tab', { name: 'Dead letters' }).click();
    await page.click(`#deadletters tbody tr[data-id="${letter.id}"]`);
    await page.waitForSelector('#raw-body');
    expect(await page.locator('#raw-body').innerText()).toBe(raw);
    expect(await page.locator('#deadletter-detail').innerText()).toContain('dequeued 5 times');
    await page.click('#replay-button');
    await page.waitForFunction(() =>
      /Replayed/.test(document.querySelector('#replay-result')?.textContent ?? ''),
    );
    await waitUntil(
      async () =>
        (await stack().containers.messages.item(messageId, ['P02', 'WS-0100']).read()).resource !== undefined,
      'the replayed message stored',
      30_000,
    );
    const { resource } = await stack().containers.deadletters.item(letter.id, letter.id).read<DeadLetter>();
    expect(resource?.replay.state).toBe('replayed');
  });

  it('shows each agent highest contiguous number and its gaps', async () => {
    await page.goto(viewer('?site=P01&machine=WS-0001'));
    await page.waitForSelector('#messages tbody tr');
    await page.getByRole('tab', { name: 'Agents' }).click();
    const row = page.locator('#agents tbody tr', { hasText: 'WS-0001' });
    await row.waitFor();
    const cells = (await row.locator('td').allInnerTexts()).map((cell) => cell.trim());
    // Seq 7 was never sent: a gap younger than the gap age (default 10 min or more) is a recent gap.
    expect(cells).toEqual(['P01', 'WS-0001', '6', '11', 'none', '7']);
  });

  it('asks for the key when the URL has none, keeps it for the tab, and reads the API with it', async () => {
    await page.goto(viewer('?site=P02', null));
    await page.waitForSelector('#key-form:not([hidden])');
    expect(await page.isHidden('#app')).toBe(true);
    await page.getByLabel('Function key').fill(host.apiKey);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.waitForSelector('#messages tbody tr');
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(['statmgr.functionKey']);
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
  });

  it('shows component summaries when the server has them, and a clear note when it answers 404', async () => {
    const sites = await fetch(`${host.baseUrl}/sites`, { headers: { 'x-functions-key': host.apiKey } });
    await page.goto(viewer(''));
    await page.getByRole('tab', { name: 'Summary' }).click();
    if (sites.status === 404) {
      await page.waitForSelector('#summary .notice');
      expect(await page.locator('#summary').innerText()).toMatch(/not available on this server.*404/);
      return;
    }
    // Issue 14's API is there: a component row opens the message list filtered to its site and component.
    const row = page.locator('#summary table.components tbody tr[data-component="CCMEXEC"]').first();
    await row.waitFor();
    await row.click();
    await page.waitForSelector('#panel-messages:not([hidden]) #messages tbody tr');
    expect(new URL(page.url()).searchParams.get('component')).toBe('CCMEXEC');
    const components = await page.locator('#messages tbody tr td:nth-child(6)').allInnerTexts();
    expect(new Set(components)).toEqual(new Set(['CCMEXEC']));
  });

  it('serves the page anonymously and without data, and only known viewer files', async () => {
    const pageResponse = await fetch(`${host.baseUrl}/viewer`);
    expect(pageResponse.status).toBe(200);
    expect(pageResponse.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await pageResponse.text();
    expect(html).not.toMatch(/P01|WS-0001/);
    expect((await fetch(`${host.baseUrl}/viewer/main.js`)).status).toBe(200);
    expect((await fetch(`${host.baseUrl}/viewer/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${host.baseUrl}/viewer/host.json`)).status).toBe(404);
  });
});
