import type { Container } from '@azure/cosmos';
import type { CosmosContainers } from '../cosmos/cosmos-client';
import { classifyCosmosError, isPreconditionFailed } from '../cosmos/cosmos-errors';
import { neverExpires, type StatusQueues } from '../queue/queue-client';
import { classifyQueueError } from '../queue/queue-errors';
import { deadLetterType, type DeadLetter, type ReplayState } from './dead-letter';
import { replayNotificationText } from '../notify/notification';
import { replayBody } from './replay-body';

export interface ReplayDeps {
  readonly containers: CosmosContainers;
  readonly queues: StatusQueues;
  readonly now: () => Date;
}

export type ReplayOutcome =
  | {
      readonly id: string;
      readonly result: 'replayed';
      readonly queueMessageId: string;
      readonly corrected: boolean;
    }
  | { readonly id: string; readonly result: 'already-replayed'; readonly replayedAt: string | undefined }
  | { readonly id: string; readonly result: 'in-progress'; readonly claimedAt: string | undefined }
  | { readonly id: string; readonly result: 'not-found' };

/** A claim older than this is taken to be from a replay that died between claiming and marking. */
export const staleClaimMs = 5 * 60 * 1000;

type Stored = DeadLetter & { _etag: string };

const readLetter = async (container: Container, id: string): Promise<Stored | undefined> => {
  try {
    const { resource } = await container.item(id, id).read<Stored>();
    return resource?.type === deadLetterType ? resource : undefined;
  } catch (error) {
    throw classifyCosmosError(error, `reading dead letter ${id}`);
  }
};

/** Replaces the letter's replay state only if nobody changed the letter since `etag`; false on 412. */
const swapReplayState = async (
  container: Container,
  letter: Stored,
  etag: string,
  replay: ReplayState,
): Promise<string | false> => {
  const { _etag: _, ...body } = letter;
  try {
    const response = await container
      .item(letter.id, letter.id)
      .replace({ ...body, replay }, { accessCondition: { type: 'IfMatch', condition: etag } });
    return response.etag ?? '';
  } catch (error) {
    if (isPreconditionFailed(error)) return false;
    throw classifyCosmosError(error, `updating dead letter ${letter.id}`);
  }
};

/**
 * Re-enqueues one dead letter (optionally corrected) exactly once. The letter is first claimed with an
 * etag-conditioned replace (`pending` -> `replaying`): of two concurrent replays only one wins, the other is
 * told `in-progress`. Then the body is enqueued (TTL -1) and the letter marked `replayed`. If the process dies
 * after claiming, the claim goes stale after 5 minutes and may be taken over; if it dies after enqueueing,
 * a second enqueue can follow, which stores nothing twice because the replayed body keeps its ids.
 */
export const replayDeadLetter = async (
  deps: ReplayDeps,
  id: string,
  corrected?: unknown,
): Promise<ReplayOutcome> => {
  const container = deps.containers.deadletters;
  const letter = await readLetter(container, id);
  if (!letter) return { id, result: 'not-found' };
  const { replay } = letter;
  if (replay.state === 'replayed') return { id, result: 'already-replayed', replayedAt: replay.replayedAt };
  const now = deps.now();
  const claimAge = replay.claimedAt ? now.getTime() - Date.parse(replay.claimedAt) : Infinity;
  if (replay.state === 'replaying' && claimAge < staleClaimMs) {
    return { id, result: 'in-progress', claimedAt: replay.claimedAt };
  }
  // A poisoned webhook notification goes back to its own queue; a status message to `status-messages`.
  const [text, queue] =
    letter.source === 'notify-poison'
      ? [replayNotificationText(letter.raw, corrected), deps.queues.notifications]
      : [replayBody(letter, corrected), deps.queues.main];
  const claim: ReplayState = { state: 'replaying', claimedAt: now.toISOString() };
  const claimEtag = await swapReplayState(container, letter, letter._etag, claim);
  if (claimEtag === false) {
    const current = await readLetter(container, id);
    return current?.replay.state === 'replayed'
      ? { id, result: 'already-replayed', replayedAt: current.replay.replayedAt }
      : { id, result: 'in-progress', claimedAt: current?.replay.claimedAt };
  }
  let queueMessageId: string;
  try {
    queueMessageId = (await queue.sendMessage(text, neverExpires)).messageId;
  } catch (error) {
    // Not enqueued: release the claim so that the replay can be tried again at once.
    await swapReplayState(container, letter, claimEtag, replay).catch(() => false);
    throw classifyQueueError(error, `enqueueing the replay of ${id}`);
  }
  const done: ReplayState = {
    state: 'replayed',
    claimedAt: claim.claimedAt,
    replayedAt: deps.now().toISOString(),
    queueMessageId,
    corrected: corrected !== undefined,
  };
  // If this fails the message is enqueued but the letter stays `replaying`: the claim goes stale and a later
  // replay may enqueue it again, which stores nothing twice (same ids). So a failure here is not an error.
  await swapReplayState(container, letter, claimEtag, done).catch(() => false);
  return { id, result: 'replayed', queueMessageId, corrected: corrected !== undefined };
};
