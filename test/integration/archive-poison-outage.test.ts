import { randomUUID } from 'node:crypto';
import { archivePoisonMessage } from '../../lib/dead-letters/archive-poison';
import { recordLastFailure } from '../../lib/dead-letters/last-failure';
import { archiveNotificationPoison } from '../../lib/notify/archive-notification';
import { createCosmosClient, openContainers } from '../../lib/cosmos/cosmos-client';
import { freePort } from '../../lib/local/free-port';
import { useEmulators } from '../helpers/emulators';
import { anEnvelope } from '../helpers/factories';

const retry = { minDelaySeconds: 30, maxDelaySeconds: 60, maxDequeueCount: 5, crashHandBackLimit: 20 };

describe('archivePoisonMessage and recordLastFailure while Cosmos is unreachable (real Azurite)', () => {
  const stack = useEmulators();

  it('gives up on the note quickly and puts the poison message back, hidden for a delay', async () => {
    const { emulators, queues } = stack();
    const port = await freePort();
    const client = createCosmosClient({ ...emulators.config.cosmos, endpoint: `https://127.0.0.1:${port}` });
    try {
      const containers = openContainers(client, emulators.config.cosmos.database);
      const body = anEnvelope(1);
      const recorded = await recordLastFailure(
        containers.deadletters,
        body,
        { queueMessageId: randomUUID(), dequeueCount: 1, error: new Error('x'), now: new Date() },
        500,
      );
      expect(recorded).toBe(false);

      const outcome = await archivePoisonMessage(
        body,
        { queueMessageId: randomUUID(), dequeueCount: 1, insertionTime: new Date().toISOString() },
        { containers, queues, now: () => new Date(), retry },
      );
      expect(outcome).toMatchObject({ result: 'handed-back', attempt: 1 });
      expect(outcome.result === 'handed-back' && outcome.error).toContain('TransientError');
      // Put back hidden for a while: nothing visible yet, but the queue holds it.
      expect((await queues.poison.getProperties()).approximateMessagesCount).toBe(1);
      expect((await queues.poison.peekMessages()).peekedMessageItems).toHaveLength(0);
    } finally {
      client.dispose();
    }
  });

  it('hands a poisoned notification back on its own poison queue too, never failing it', async () => {
    const { emulators, queues } = stack();
    const port = await freePort();
    const client = createCosmosClient({ ...emulators.config.cosmos, endpoint: `https://127.0.0.1:${port}` });
    try {
      const containers = openContainers(client, emulators.config.cosmos.database);
      const before = (await queues.notificationsPoison.getProperties()).approximateMessagesCount ?? 0;
      const outcome = await archiveNotificationPoison(
        '{"not":"a notification"}',
        { queueMessageId: randomUUID(), dequeueCount: 1, insertionTime: new Date().toISOString() },
        { containers, queues, now: () => new Date(), retry },
      );
      expect(outcome).toMatchObject({ result: 'handed-back', attempt: 1 });
      expect((await queues.notificationsPoison.getProperties()).approximateMessagesCount).toBe(before + 1);
      expect((await queues.poison.peekMessages()).peekedMessageItems).toHaveLength(0);
    } finally {
      client.dispose();
    }
  });
});
