import type { IdConflict } from '../cosmos/store-documents';
import { canonicalMessageJson } from '../message/content-hash';
import type { EnvelopeContext } from '../message/parse-queue-message';
import type { StoredStatusMessage } from '../message/types';
import { buildDeadLetter, type DeadLetter, type DeadLetterInput } from './dead-letter';

type LetterBase = Pick<DeadLetterInput, 'queueMessageId' | 'dequeueCount' | 'enqueuedAt' | 'now'>;

/**
 * Dead letters for status messages whose id is already stored with different content: reason `id-conflict`,
 * both content hashes, and the new message as its sender sent it (`raw`), so nothing is silently dropped.
 */
export const idConflictLetters = (
  conflicts: readonly IdConflict<StoredStatusMessage>[],
  base: LetterBase & { readonly batchId: string; readonly envelope: EnvelopeContext | undefined },
): DeadLetter[] =>
  conflicts.map(({ document, storedHash, incomingHash }) =>
    buildDeadLetter({
      ...base,
      source: 'id-conflict',
      reasons: [
        `id-conflict: id ${document.id} is already stored with different content ` +
          `(stored ${storedHash}, this message ${incomingHash}); this message was not stored`,
      ],
      // Canonical JSON of the sender's fields: the letter's own contentHash is then the incoming hash.
      raw: canonicalMessageJson(document as unknown as Record<string, unknown>),
      position: document.position,
      conflict: { documentId: document.id, storedHash, incomingHash },
    }),
  );
