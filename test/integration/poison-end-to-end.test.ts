import type { DeadLetter } from '../../lib/dead-letters/dead-letter';
import { waitUntil } from '../../lib/util/wait-until';
import { readAll } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';
import { anEnvelope } from '../helpers/factories';
import { startHostProcess } from '../helpers/host-process';

describe('poison path end to end (local host process, real Azurite and Cosmos emulator)', () => {
  const stack = useEmulators();

  it('moves a message whose workers kept crashing to the poison queue, and the archiver into deadletters', async () => {
    const { queues, containers } = stack();
    const envelope = anEnvelope(2);
    await queues.main.sendMessage(JSON.stringify(envelope), { messageTimeToLive: -1 });
    // Five workers fetched it and died without completing (maxDequeueCount is 5 in host.json): each fetch
    // counts as a dequeue, and its lock (1 s here) runs out.
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      let fetched: number | undefined;
      await waitUntil(
        async () => {
          const [item] = (await queues.main.receiveMessages({ visibilityTimeout: 1 })).receivedMessageItems;
          fetched = item?.dequeueCount;
          return item !== undefined;
        },
        `fetch ${attempt}`,
        10_000,
      );
      expect(fetched).toBe(attempt);
    }

    const host = await startHostProcess(stack().env);
    try {
      // Fetched a sixth time, it goes to the poison queue without running; the archiver then stores it.
      let letters: DeadLetter[] = [];
      await waitUntil(
        async () => {
          letters = (await readAll<DeadLetter>(containers.deadletters)).filter(
            (doc) => doc.source === 'poison-queue',
          );
          return letters.length === 1;
        },
        'poison archived',
        30_000,
      );
      const [letter] = letters;
      expect(JSON.parse(letter!.raw)).toEqual(envelope);
      expect(letter!.replay.state).toBe('pending');
      await waitUntil(
        async () =>
          ((await queues.main.getProperties()).approximateMessagesCount ?? 0) === 0 &&
          ((await queues.poison.getProperties()).approximateMessagesCount ?? 0) === 0,
        'both queues empty',
        30_000,
      );
      expect(await readAll(containers.messages)).toHaveLength(0);
      expect(host.output.some((line) => line.includes('moved to poison queue'))).toBe(true);
      // Registered through @azure/functions as on the worker: no test-mode warnings, every function loaded.
      expect(host.output.filter((line) => line.includes('WARNING'))).toEqual([]);
      const loaded = host.output.find((line) => line.includes('functions loaded')) ?? '';
      for (const fn of [
        'ingest-status(queueTrigger)',
        'archive-poison(queueTrigger)',
        'health(httpTrigger)',
      ]) {
        expect(loaded).toContain(fn);
      }
      expect(loaded).toContain('queue-monitor(timerTrigger)');
    } finally {
      await host.stop();
    }
  });
});
