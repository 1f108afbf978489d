import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { projectRoot } from '../../lib/util/paths';
import { ingestSpanName, metricNames } from '../../lib/telemetry/metric-names';

describe('startTelemetry with OTEL_EXPORTER_OTLP_ENDPOINT (a local OTLP/HTTP receiver on a free port)', () => {
  const received: { path: string; body: string }[] = [];
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // The OTLP exporters load `http` with a dynamic import(), which jest's module sandbox refuses: the export
  // runs in a plain node process on the built dist/ (npm test builds first).
  it('exports the ingest metrics and span to the collector when telemetry shuts down', async () => {
    const script = `
      const { loadConfig } = require('./dist/lib/config');
      const telemetry = require('./dist/lib/telemetry/ingest-telemetry');
      const { startTelemetry, shutdownTelemetry } = require('./dist/lib/telemetry/start-telemetry');
      (async () => {
        if (startTelemetry(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: process.argv[1] })) !== 'otlp') process.exit(2);
        const delivery = { queueMessageId: 'q-1', dequeueCount: 1, insertionTime: new Date().toISOString() };
        const outcome = { batchId: 'b-1', stored: 3, duplicates: 0, deadLettered: 0, requestCharge: 15 };
        const input = { payload: { site: 'P01' }, delivery, invocationId: 'i-1', hostTraceparent: undefined };
        await telemetry.traceIngest(input, async () => outcome);
        await shutdownTelemetry();
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script, endpoint], {
      cwd: projectRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);

    const body = (path: string): string =>
      received
        .filter((r) => r.path === path)
        .map((r) => r.body)
        .join('\n');
    expect(body('/v1/metrics')).toContain(metricNames.stored);
    expect(body('/v1/metrics')).toContain(metricNames.lag);
    expect(body('/v1/traces')).toContain(ingestSpanName);
  });
});
