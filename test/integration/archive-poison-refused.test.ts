import { randomUUID } from 'node:crypto';
import type { DeadLetter } from '../../lib/dead-letters/dead-letter';
import { waitUntil } from '../../lib/util/wait-until';
import { names } from '../../lib/names';
import { readAll } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';
import { anEnvelope } from '../helpers/factories';
import { startHttpsFaultProxy, type HttpsFaultProxy } from '../helpers/fault-proxy';
import { startHostProcess } from '../helpers/host-process';

describe('archive-poison when Cosmos refuses the dead letter (local host process, HTTPS fault proxy)', () => {
  const stack = useEmulators();
  let proxy: HttpsFaultProxy;
  beforeAll(async () => {
    proxy = await startHttpsFaultProxy(stack().emulators.cosmosPort);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('still ends with the body in deadletters after more refusals than maxDequeueCount, and no queue holds it', async () => {
    const { queues, containers, env } = stack();
    const body = JSON.stringify(anEnvelope(2, { machine: `WS-${randomUUID().slice(0, 6)}` }));
    // 413 for every dead-letter write, 12 times: more than maxDequeueCount (5) attempts of the archiver.
    const refusals = 12;
    proxy.refuse({ method: 'POST', path: /\/colls\/deadletters\/docs$/, status: 413, times: refusals });
    // As the Functions host writes a poison copy: the body only, no TTL.
    await queues.poison.sendMessage(body);
    const host = await startHostProcess({
      ...env,
      COSMOS_ENDPOINT: `https://127.0.0.1:${proxy.port}`,
      STATMGR_RETRY_MIN_SECONDS: '1',
      STATMGR_RETRY_MAX_SECONDS: '1',
    });
    try {
      let letters: DeadLetter[] = [];
      await waitUntil(
        async () => {
          letters = (await readAll<DeadLetter>(containers.deadletters)).filter((doc) => doc.raw === body);
          return letters.length > 0;
        },
        'the body archived in deadletters',
        90_000,
      );
      expect(proxy.refused).toBe(refusals);
      expect(letters).toHaveLength(1);
      expect(letters[0]!.source).toBe('poison-queue');
      expect(letters[0]!.reasons.join(' ')).toContain('archive-failed');
      await waitUntil(
        async () => ((await queues.poison.getProperties()).approximateMessagesCount ?? 0) === 0,
        'poison queue empty',
        30_000,
      );
      expect((await queues.main.getProperties()).approximateMessagesCount).toBe(0);
      expect(await queues.service.getQueueClient(`${names.poisonQueue}-poison`).exists()).toBe(false);
    } finally {
      await host.stop();
    }
  });
});
