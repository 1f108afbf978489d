import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentQueueClient } from '../../lib/agent/agent-queue';
import { Outbox } from '../../lib/agent/outbox';
import { StatusReporter } from '../../lib/agent/status-reporter';
import { OutboxLockedError, OutboxWriteError, TooLargeError } from '../../lib/errors';
import { aStatusMessage } from '../helpers/factories';

/** A queue nobody listens on: these tests never get as far as sending. */
const unreachableQueue = () =>
  agentQueueClient({
    kind: 'connectionString',
    connectionString:
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=' +
      'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
      'QueueEndpoint=http://127.0.0.1:9/devstoreaccount1',
  });

describe('agent hardening', () => {
  let dir: string;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'statmgr-harden-')), 'outbox');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  const open = (fsync: 'always' | number = 'always') =>
    StatusReporter.open({
      outboxDir: dir,
      queue: unreachableQueue(),
      fsync,
      backoff: { initialMs: 50, maxMs: 50 },
    });

  it('refuses a message no envelope can carry, naming its size and the limit', async () => {
    const reporter = await open();
    try {
      const huge = aStatusMessage({
        text: 'x'.repeat(32_768),
        insertionStrings: Array<string>(10).fill('y'.repeat(4096)),
      });
      const refused = reporter.report(huge);
      await expect(refused).rejects.toThrow(TooLargeError);
      await expect(refused).rejects.toThrow(
        /message: is \d{5} bytes once encoded in an envelope; .* at most 61440 bytes/,
      );
      expect(reporter.stats().pending).toBe(0);
    } finally {
      await reporter.close(0);
    }
  });

  for (const fsync of ['always', 25] as const) {
    it(`surfaces a failed outbox write as an error of report() (fsync ${fsync}), then recovers`, async () => {
      const reporter = await open(fsync);
      try {
        // The next segment file is a link to /dev/full: every write fails with ENOSPC, a real I/O error.
        const segment = join(dir, 'segment-00000001.log');
        symlinkSync('/dev/full', segment);
        await expect(reporter.report(aStatusMessage())).rejects.toThrow(OutboxWriteError);
        unlinkSync(segment);
        await expect(reporter.report(aStatusMessage())).resolves.toMatchObject({ seq: 2 });
        expect(reporter.stats().pending).toBe(1);
      } finally {
        await reporter.close(0);
      }
      expect(unhandled).toEqual([]);
    });
  }

  it('creates its directory 0700 and its files 0600', async () => {
    const reporter = await open();
    await reporter.report(aStatusMessage());
    const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8);
    expect(modeOf(dir)).toBe('700');
    for (const name of readdirSync(dir)) expect([name, modeOf(join(dir, name))]).toEqual([name, '600']);
    expect(readdirSync(dir).sort()).toEqual(['lock', 'segment-00000001.log', 'state.json']);
    await reporter.close(0);
  });

  it('never lets two owners hold the lock: not in one process, not when taking over a dead owner', async () => {
    const first = await Outbox.open(dir);
    await expect(Outbox.open(dir)).rejects.toThrow(OutboxLockedError);
    await first.close();
    writeFileSync(join(dir, 'lock'), '999999999 stale-token\n'); // a pid that cannot exist: a dead owner
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => Outbox.open(dir)));
    const winners = attempts.filter((a) => a.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const lost of attempts.filter((a) => a.status === 'rejected')) {
      expect(lost.reason).toBeInstanceOf(OutboxLockedError);
    }
    await winners[0]!.value.close();
    const again = await Outbox.open(dir);
    await again.close();
  });
});
