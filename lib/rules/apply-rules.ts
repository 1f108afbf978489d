import type { QueueClient } from '@azure/storage-queue';
import type { StoredStatusMessage } from '../message/types';
import { enqueueNotifications, notificationKey, type Notification } from '../notify/notification';
import { evaluateRules, noRules } from './evaluate-rules';
import type { RulesCache } from './rules-cache';

export interface RuledDocuments {
  /** The documents to write, each with its `ttl` and, when a rule says so, `summarize: false`. */
  readonly toStore: StoredStatusMessage[];
  /** Messages a rule discarded (`store: false`): not written, counted in the outcome and telemetry. */
  readonly discarded: number;
  readonly notifications: readonly Notification[];
}

/**
 * Runs the status filter rules over the documents of one queue message and sets each one's `ttl` (and
 * `summarize: false`) in place: the ingest builds them for this call alone, and one object per message is
 * cheaper than two. With no rules every document is stored with the default retention.
 */
export const applyRules = async (
  rules: RulesCache | undefined,
  documents: StoredStatusMessage[],
): Promise<RuledDocuments> => {
  const compiled = rules ? await rules.get() : noRules;
  const toStore: StoredStatusMessage[] = [];
  const notifications: Notification[] = [];
  let discarded = 0;
  for (const document of documents) {
    const { actions } = evaluateRules(compiled, document);
    if (actions.store) {
      document.ttl = actions.ttl;
      if (!actions.summarize) document.summarize = false;
      toStore.push(document);
    } else discarded += 1;
    for (const { rule, url } of actions.notify) {
      notifications.push({
        kind: 'statmgr-notification',
        rule,
        url,
        key: notificationKey(rule, document.id),
        message: document,
        attempt: 0,
      });
    }
  }
  return { toStore, discarded, notifications };
};

/**
 * After the write, before the queue message completes: hands the notifications of every message that is
 * stored now (or was by an earlier delivery, or was discarded) to the notifications queue. A document Cosmos
 * refused is a dead letter, not a stored message: no notification for it.
 */
export const enqueueRuleNotifications = async (
  queues: { readonly notifications: QueueClient } | undefined,
  ruled: RuledDocuments,
  rejected: readonly { readonly document: { readonly id: string } }[],
): Promise<number> => {
  const refused = new Set(rejected.map(({ document }) => document.id));
  const due = ruled.notifications.filter((n) => !refused.has(n.message.id));
  if (due.length === 0) return 0;
  if (!queues)
    throw new Error('status filter rules asked for notifications but no notifications queue is given');
  await enqueueNotifications(queues.notifications, due);
  return due.length;
};
