import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { sampleMessages } from '../../lib/agent/sample-traffic';
import { projectRoot } from '../../lib/util/paths';
import { launchBrowser } from '../helpers/browser';
import { waitForCount } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';
import { startHostProcess, type HostProcess } from '../helpers/host-process';

/**
 * `npm run docs:viewer-screenshot`: stores sample traffic of three sites through the queue and the local
 * host (private emulators on free ports), opens the viewer filtered to one site's errors and warnings with a
 * message's detail open, and saves docs/viewer.png. Not part of `npm test`.
 */
describe('viewer screenshot for the docs', () => {
  const stack = useEmulators();
  let host: HostProcess;

  beforeAll(async () => {
    host = await startHostProcess(stack().env);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('saves docs/viewer.png', async () => {
    const start = new Date(Date.UTC(2026, 10, 25, 9, 0));
    let total = 0;
    for (const site of ['P01', 'P02', 'C03']) {
      const messages = sampleMessages(300, 12, site, start).map((message, i) => ({
        ...message,
        time: new Date(start.getTime() + i * 7_000).toISOString(),
        messageId: [10002, 10005, 10006, 2300, 2301, 2302, 500][i % 7]!,
      }));
      for (let i = 0; i < messages.length; i += 100) {
        const batch = messages.slice(i, i + 100).map(({ site: _s, ...rest }) => rest);
        await stack().queues.main.sendMessage(
          JSON.stringify({ schema: 'statmgr/v1', batchId: randomUUID(), site, messages: batch }),
        );
      }
      total += messages.length;
    }
    await waitForCount(stack().containers.messages, total, 120_000);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
      await page.goto(`${host.baseUrl}/viewer?site=P01&severity=error,warning#key=${host.apiKey}`);
      await page.waitForSelector('#messages tbody tr');
      await page.locator('#messages tbody tr').nth(2).click();
      await page.screenshot({ path: join(projectRoot, 'docs', 'viewer.png') });
    } finally {
      await browser.close();
    }
  });
});
