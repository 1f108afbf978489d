import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sampleMessage } from '../../lib/agent/sample-traffic';
import { loadConfig } from '../../lib/config';
import { createCosmosClient, openContainers } from '../../lib/cosmos/cosmos-client';
import { storeDocuments } from '../../lib/cosmos/store-documents';
import { describeError } from '../../lib/errors';
import { freePort } from '../../lib/local/free-port';
import { toDocument } from '../../lib/message/to-document';
import type { StoredStatusMessage } from '../../lib/message/types';
import { distScript, startBenchEmulators, startBenchHost, type BenchProcess } from './bench-processes';
import { percentile } from './run-load';

const usage = `Usage: npm run bench:query [-- options]

Starts private emulators and the local host on free ports, writes --messages status messages over --sites
sites (25 machines each) DIRECTLY into the Cosmos emulator in transactional batches of 100 (the documents the
ingest function would write; going through the queue would take the pipeline's minutes and measure ingest,
not queries), then measures GET /api/status-messages latency:
  first page of a site, a site + severity=error, one machine (site + machine), an export of 10,000 rows (CSV).
The last line of output is one JSON object with the results.

Options:
  --messages N     status messages to store (default 200000)
  --sites N        sites (default 20)
  --requests N     timed requests per page query (default 40)
  --exports N      timed exports (default 5)
  --help`;

const machinesPerSite = 25;
const siteName = (i: number): string => `S${String(i).padStart(2, '0')}`;

const log = (line: string): void => console.log(line);

/** Writes the documents machine by machine (one logical partition per batch of 100), 8 batches in flight. */
const seed = async (
  env: Readonly<Record<string, string>>,
  messages: number,
  sites: number,
): Promise<number> => {
  const config = loadConfig(env);
  const containers = openContainers(createCosmosClient(config.cosmos), config.cosmos.database);
  const perMachine = Math.ceil(messages / (sites * machinesPerSite));
  const start = new Date(Date.UTC(2026, 10, 1));
  const batches: StoredStatusMessage[][] = [];
  let written = 0;
  for (let s = 0; s < sites && written < messages; s += 1) {
    for (let m = 0; m < machinesPerSite && written < messages; m += 1) {
      const count = Math.min(perMachine, messages - written);
      const docs: StoredStatusMessage[] = [];
      for (let i = 0; i < count; i += 1) {
        const n = written + i;
        const message = {
          ...sampleMessage(n, machinesPerSite, siteName(s), start),
          machine: `WS-${String(m).padStart(4, '0')}`,
          time: new Date(start.getTime() + n * 1000).toISOString(),
        };
        if (i % 100 === 0 && docs.length > 0) batches.push(docs.splice(0));
        docs.push(
          toDocument(message, i % 100, {
            batchId: randomUUID(),
            seq: undefined,
            queueMessageId: randomUUID(),
            enqueuedAt: message.time,
            storedAt: message.time,
          }),
        );
      }
      if (docs.length > 0) batches.push(docs);
      written += count;
    }
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const result = await storeDocuments(containers.messages, batch, (d) => [d.site, d.machine]);
      if (result.rejected.length > 0) throw new Error(`seeding: ${result.rejected[0]!.reason}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  containers.client.dispose();
  return written;
};

interface Timing {
  readonly n: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

const time = async (runs: number, request: (i: number) => Promise<void>): Promise<Timing> => {
  await request(runs); // one warm-up request (connections, the host's first load of the query code)
  const ms: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await request(i);
    ms.push(performance.now() - started);
  }
  const sorted = ms.sort((a, b) => a - b);
  const round = (value: number): number => Math.round(value * 10) / 10;
  return { n: runs, p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)) };
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '200000' },
      sites: { type: 'string', default: '20' },
      requests: { type: 'string', default: '40' },
      exports: { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return log(usage);
  const whole = (name: string, raw: string, min: number): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < min)
      throw new Error(`--${name} must be a whole number >= ${min}`);
    return Number(raw);
  };
  const messages = whole('messages', values.messages, 1);
  const sites = whole('sites', values.sites, 1);
  const requests = whole('requests', values.requests, 1);
  const exports = whole('exports', values.exports, 1);

  const processes: BenchProcess[] = [];
  try {
    const emulators = await startBenchEmulators();
    processes.push(emulators);
    const seedStart = performance.now();
    const stored = await seed(emulators.env, messages, sites);
    const seedSeconds = Math.round((performance.now() - seedStart) / 100) / 10;
    log(
      `seeded ${stored} status messages over ${sites} sites x ${machinesPerSite} machines in ${seedSeconds} s`,
    );
    const port = await freePort();
    const host = await startBenchHost({
      script: distScript('lib', 'cli', 'host.js'),
      env: { ...emulators.env, STATMGR_HTTP_PORT: String(port) },
    });
    processes.push(host);
    const base = `http://127.0.0.1:${port}/api/status-messages`;
    const get = async (query: string): Promise<string> => {
      const response = await fetch(`${base}?${query}`, { headers: { 'x-functions-key': 'bench' } });
      const text = await response.text();
      if (!response.ok) throw new Error(`GET ?${query}: ${response.status} ${text.slice(0, 300)}`);
      return text;
    };
    const page = (query: (i: number) => string) => async (i: number) => {
      const body = JSON.parse(await get(query(i))) as { items: unknown[] };
      if (body.items.length === 0) throw new Error(`GET ?${query(i)}: no items`);
    };
    const site = (i: number): string => siteName(i % sites);
    const results = {
      firstPageOfSite: await time(
        requests,
        page((i) => `site=${site(i)}`),
      ),
      siteAndSeverity: await time(
        requests,
        page((i) => `site=${site(i)}&severity=error`),
      ),
      oneMachine: await time(
        requests,
        page((i) => `site=${site(i)}&machine=WS-${String(i % 25).padStart(4, '0')}`),
      ),
      export10000: await time(exports, async (i) => {
        const rows = (await get(`site=${site(i)}&format=csv`)).trimEnd().split('\r\n').length - 1;
        if (rows !== Math.min(10_000, Math.floor(stored / sites)))
          throw new Error(`export of ${site(i)}: ${rows} rows`);
      }),
    };
    log('');
    log('| query | requests | p50 ms | p95 ms |');
    log('| --- | --- | --- | --- |');
    log(
      `| first page of a site (100 rows) | ${results.firstPageOfSite.n} | ${results.firstPageOfSite.p50Ms} | ${results.firstPageOfSite.p95Ms} |`,
    );
    log(
      `| site + severity=error (100 rows) | ${results.siteAndSeverity.n} | ${results.siteAndSeverity.p50Ms} | ${results.siteAndSeverity.p95Ms} |`,
    );
    log(
      `| one machine (100 rows) | ${results.oneMachine.n} | ${results.oneMachine.p50Ms} | ${results.oneMachine.p95Ms} |`,
    );
    log(
      `| export of a site, CSV (10,000 rows) | ${results.export10000.n} | ${results.export10000.p50Ms} | ${results.export10000.p95Ms} |`,
    );
    log(
      JSON.stringify({
        messages: stored,
        sites,
        machinesPerSite,
        seededDirectly: true,
        seedSeconds,
        ...results,
      }),
    );
  } finally {
    for (const process of processes.reverse()) await process.stop();
  }
};

main().catch((error: unknown) => {
  console.error(`bench:query: ${describeError(error)}`);
  process.exit(1);
});
