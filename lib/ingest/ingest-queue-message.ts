import type { QueueClient } from '@azure/storage-queue';
import { agentRangesOf, recordAgentRange } from '../agent-status/agent-summary';
import type { CosmosContainers } from '../cosmos/cosmos-client';
import { storeDocuments } from '../cosmos/store-documents';
import {
  buildDeadLetter,
  storeDeadLetters,
  type DeadLetter,
  type DeadLetterSource,
} from '../dead-letters/dead-letter';
import { idConflictLetters } from '../dead-letters/id-conflict';
import { describeError, ValidationError } from '../errors';
import { contentHashOf } from '../message/content-hash';
import { rawBodyOf, rawBodyText } from '../message/decode-body';
import { parseQueueMessage } from '../message/parse-queue-message';
import { toDocument } from '../message/to-document';
import type { StoredStatusMessage } from '../message/types';
import { recordSummaries } from '../summaries/record-summaries';
import { applyRules, enqueueRuleNotifications } from '../rules/apply-rules';
import type { RulesCache } from '../rules/rules-cache';

/** What the trigger knows about one queue message delivery (from the trigger metadata). */
export interface QueueDelivery {
  readonly queueMessageId: string;
  readonly dequeueCount: number;
  readonly insertionTime: string;
}

export interface IngestOutcome {
  readonly batchId: string;
  readonly stored: number;
  readonly duplicates: number;
  /** Dead letters this delivery wrote (a redelivery does not count the same ones again). */
  readonly deadLettered: number;
  readonly requestCharge: number;
  /** The source of each dead letter written (telemetry counts them by source). */
  readonly deadLetterSources?: readonly DeadLetterSource[];
  /** Valid status messages a status filter rule discarded (`store: false`): not written, but taken in. */
  readonly discarded?: number;
  /** Webhook notifications handed to the `status-notifications` queue. */
  readonly notifications?: number;
  /** The agent summary could not be updated (the documents are committed all the same). */
  readonly summaryError?: string;
}

export interface IngestDeps {
  readonly containers: CosmosContainers;
  readonly now: () => Date;
  /** Summaries are counted unless the configuration switches them off (the bench's comparison only). */
  readonly config?: { readonly summaries: { readonly enabled: boolean } };
  /** Status filter rules (docs/rules.md); without them every message is stored with the default retention. */
  readonly rules?: RulesCache;
  readonly queues?: { readonly notifications: QueueClient };
}

const partitionKeyOf = (document: StoredStatusMessage): [string, string] => [document.site, document.machine];

/**
 * Ingests one queue message: valid status messages are stored in `status-messages` with deterministic ids,
 * invalid ones (or the whole body, when it is unusable) go to `deadletters` with their reasons. Resolves only
 * once everything is committed; throws TransientError while a dependency is down, so the message is retried.
 */
export const ingestQueueMessage = async (
  payload: unknown,
  delivery: QueueDelivery,
  deps: IngestDeps,
): Promise<IngestOutcome> => {
  const now = deps.now().toISOString();
  const letterBase = {
    queueMessageId: delivery.queueMessageId,
    dequeueCount: delivery.dequeueCount,
    enqueuedAt: delivery.insertionTime,
    now,
  };
  let parsed;
  try {
    parsed = parseQueueMessage(payload);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const letter = buildDeadLetter({
      ...letterBase,
      source: 'ingest-validation',
      reasons: error.reasons,
      ...rawBodyOf(payload),
      position: -1,
      batchId: undefined,
    });
    const written = await storeDeadLetters(deps.containers.deadletters, [letter]);
    return {
      batchId: delivery.queueMessageId,
      stored: 0,
      duplicates: 0,
      deadLettered: written.length,
      requestCharge: 0,
      deadLetterSources: written.map((w) => w.source),
    };
  }

  const batchId = parsed.batchId ?? delivery.queueMessageId;
  const deliveryInfo = {
    batchId,
    seq: parsed.seq,
    queueMessageId: delivery.queueMessageId,
    enqueuedAt: delivery.insertionTime,
    storedAt: now,
  };
  const documents: StoredStatusMessage[] = [];
  const letters: DeadLetter[] = [];
  for (const item of parsed.items) {
    if (item.ok) documents.push(toDocument(item.message, item.position, deliveryInfo));
    else {
      letters.push(
        buildDeadLetter({
          ...letterBase,
          source: 'ingest-validation',
          reasons: item.reasons,
          // A bare message is the whole body, kept as received; an envelope's item, its text as sent.
          ...(parsed.kind === 'bare' ? rawBodyOf(payload) : { raw: item.rawText ?? rawBodyText(item.raw) }),
          position: item.position,
          batchId,
          envelope: parsed.envelope,
        }),
      );
    }
  }

  const ruled = await applyRules(deps.rules, documents);
  const result = await storeDocuments(deps.containers.messages, ruled.toStore, partitionKeyOf, {
    contentHash: contentHashOf,
  });
  letters.push(...idConflictLetters(result.conflicts, { ...letterBase, batchId, envelope: parsed.envelope }));
  for (const { document, reason } of result.rejected) {
    letters.push(
      buildDeadLetter({
        ...letterBase,
        source: 'store-rejected',
        reasons: [reason],
        raw: rawBodyText(document),
        position: document.position,
        batchId,
      }),
    );
  }
  const written = letters.length > 0 ? await storeDeadLetters(deps.containers.deadletters, letters) : [];
  // After the commit, before the queue message completes: the component and machine summaries (issue 14).
  if (deps.config?.summaries.enabled !== false)
    await recordSummaries(deps.containers, { parsed, batchId, documents: ruled.toStore, result, now });
  // After the commit: the agent's sequence range (issue 5). Idempotent, so a redelivery is harmless.
  // A position whose id conflicts was not stored: its number is not credited.
  const conflicting = new Set(result.conflicts.map(({ document }) => document.position));
  // The documents are committed: a failing summary update is noted, never a failure of the envelope.
  let summaryError: string | undefined;
  for (const range of agentRangesOf(parsed, conflicting)) {
    try {
      await recordAgentRange(deps.containers.agents, range, now);
    } catch (error) {
      summaryError = describeError(error);
    }
  }
  const notifications = await enqueueRuleNotifications(deps.queues, ruled, result.rejected);
  return {
    batchId,
    stored: result.created,
    duplicates: result.duplicates,
    deadLettered: written.length,
    requestCharge: result.requestCharge,
    deadLetterSources: written.map((letter) => letter.source),
    discarded: ruled.discarded,
    notifications,
    ...(summaryError === undefined ? {} : { summaryError }),
  };
};
