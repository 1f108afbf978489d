import { ValidationError } from '../errors';
import { decodeBody, rawBodyBytes } from '../message/decode-body';
import { isUuid } from '../message/ids';
import type { ParsedQueueMessage } from '../message/parse-queue-message';
import type { DeadLetter } from './dead-letter';

/**
 * What a replay may not change: the letter's batch id, position, machine (site and machine) and the
 * sender's id. A field is only held when the letter knew it and it was valid (a machine name that broke the
 * rules may be corrected); a whole body whose machine was never known has nothing to hold.
 */
interface Identity {
  readonly batchId?: string;
  /** For an item: its position in the batch. */
  readonly position?: number;
  readonly site?: string;
  readonly machine?: string;
  /** The sender's id; null: it had none (then the corrected one may not add one). */
  readonly id?: string | null;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const namePattern = /^[^/\\?#\u0000-\u001f\u007f]{1,255}$/;
const validName = (value: unknown): string | undefined =>
  typeof value === 'string' && namePattern.test(value) ? value : undefined;

const rawValue = (letter: DeadLetter): unknown => {
  try {
    return decodeBody(rawBodyBytes(letter));
  } catch {
    return undefined;
  }
};

const senderId = (item: Record<string, unknown>): string | null | undefined =>
  !('id' in item) ? null : typeof item.id === 'string' && isUuid(item.id) ? item.id.toLowerCase() : undefined;

/** The identity the replay of `letter` must keep, with `batchId` the one its replay body is wrapped in. */
const identityOf = (letter: DeadLetter, wrappedBatchId: string | undefined): Identity => {
  const raw = rawValue(letter);
  if (letter.position >= 0) {
    const item = isPlainObject(raw) ? raw : {};
    const envelope = letter.envelope;
    const site = validName('site' in item ? item.site : envelope?.site);
    const machine = validName('machine' in item ? item.machine : envelope?.machine);
    const id = senderId(item);
    return {
      ...(wrappedBatchId === undefined ? {} : { batchId: wrappedBatchId.toLowerCase() }),
      position: letter.position,
      ...(site === undefined ? {} : { site }),
      ...(machine === undefined ? {} : { machine }),
      ...(id === undefined ? {} : { id }),
    };
  }
  if (!isPlainObject(raw)) return {};
  const isEnvelope = 'schema' in raw || 'messages' in raw;
  const batchId = isEnvelope
    ? typeof raw.batchId === 'string' && isUuid(raw.batchId)
      ? raw.batchId.toLowerCase()
      : undefined
    : wrappedBatchId?.toLowerCase();
  const site = validName(raw.site);
  const machine = validName(raw.machine);
  return {
    ...(batchId === undefined ? {} : { batchId }),
    ...(site === undefined ? {} : { site }),
    ...(machine === undefined ? {} : { machine }),
  };
};

/**
 * Throws a ValidationError (HTTP 400) naming each field the replay body would change: a corrected body keeps
 * the letter's batchId, site, machine, position and id, so a replay can never store a message under another
 * id or for another machine.
 */
export const checkReplayIdentity = (
  letter: DeadLetter,
  wrappedBatchId: string | undefined,
  parsed: ParsedQueueMessage,
): void => {
  const want = identityOf(letter, wrappedBatchId);
  const reasons: string[] = [];
  const got = parsed.batchId ?? wrappedBatchId?.toLowerCase();
  if (want.batchId !== undefined && got !== want.batchId) {
    reasons.push(`batchId: must stay ${want.batchId} (the dead letter's), got ${got ?? 'none'}`);
  }
  if (want.position !== undefined) {
    if (parsed.items.length !== 1) {
      reasons.push(`messages: a replay of one item holds exactly that item, got ${parsed.items.length}`);
    } else if (parsed.items[0]!.position !== want.position) {
      reasons.push(
        `position: must stay ${want.position} (the dead letter's), got ${parsed.items[0]!.position}`,
      );
    }
  }
  for (const item of parsed.items) {
    if (!item.ok) continue;
    const { site, machine, id } = item.message;
    const at = parsed.items.length > 1 ? `messages[${item.position}].` : '';
    if (want.site !== undefined && site !== want.site) {
      reasons.push(`${at}site: must stay "${want.site}" (the dead letter's), got "${site}"`);
    }
    if (want.machine !== undefined && machine !== want.machine) {
      reasons.push(`${at}machine: must stay "${want.machine}" (the dead letter's), got "${machine}"`);
    }
    if (want.id !== undefined && (id?.toLowerCase() ?? null) !== want.id) {
      reasons.push(`${at}id: must stay ${want.id ?? 'absent'} (the dead letter's), got ${id ?? 'none'}`);
    }
  }
  if (reasons.length > 0) throw new ValidationError(reasons);
};
