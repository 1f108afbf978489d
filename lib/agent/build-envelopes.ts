import { randomUUID } from 'node:crypto';
import { ValidationError } from '../errors';
import { limits, names } from '../names';
import type { Envelope, StatusMessage } from '../message/types';
import { checkStatusMessage } from '../message/validate';

/** Room left under the 64 KiB queue limit for the request's own encoding. */
export const maxEnvelopeBytes = limits.queueMessageBytes - 4 * 1024;

export interface EnvelopeOptions {
  readonly maxMessages?: number;
  readonly maxBytes?: number;
  /** The agent's sequence number of the first message of each (site, machine), when it numbers them. */
  readonly seqStart?: (site: string, machine: string) => number | undefined;
  /** The batch id of each envelope, from its agent and first sequence number (default: a random UUID). */
  readonly newBatchId?: (site: string, machine: string, seq: number | undefined) => string;
}

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Drops the fields an envelope already carries, to keep the queue message small. */
const slim = (message: StatusMessage): Record<string, unknown> => {
  const { site: _site, machine: _machine, ...rest } = message;
  return rest;
};

/**
 * The bytes of the smallest envelope that can carry `message` (itself alone, with the largest `seq` and a
 * batch id): when this is over the limit, no envelope can ever carry the message.
 */
export const soloEnvelopeBytes = (message: StatusMessage): number =>
  bytes({
    schema: names.schemaVersion,
    batchId: '00000000-0000-0000-0000-000000000000',
    site: message.site,
    machine: message.machine,
    seq: Number.MAX_SAFE_INTEGER,
    messages: [slim(message)],
  });

/**
 * Validates status messages with the server's schema and packs them into envelopes of one (site, machine)
 * each, at most 100 messages and `maxBytes` of JSON. Throws a ValidationError naming every invalid message.
 */
export const buildEnvelopes = (messages: readonly unknown[], options: EnvelopeOptions = {}): Envelope[] => {
  const maxMessages = options.maxMessages ?? limits.maxMessagesPerEnvelope;
  const maxBytes = options.maxBytes ?? maxEnvelopeBytes;
  const newBatchId = options.newBatchId ?? (() => randomUUID());
  const reasons: string[] = [];
  const groups = new Map<string, StatusMessage[]>();
  messages.forEach((raw, index) => {
    const checked = checkStatusMessage(raw, `[${index}]`);
    if (!checked.ok) return reasons.push(...checked.reasons);
    const key = JSON.stringify([checked.value.site, checked.value.machine]);
    const group = groups.get(key) ?? [];
    group.push(checked.value);
    groups.set(key, group);
  });
  if (reasons.length > 0) throw new ValidationError(reasons);

  const envelopes: Envelope[] = [];
  for (const group of groups.values()) {
    const { site, machine } = group[0]!;
    let seq = options.seqStart?.(site, machine);
    const open = (): Envelope => ({
      schema: names.schemaVersion,
      batchId: newBatchId(site, machine, seq),
      site,
      machine,
      ...(seq === undefined ? {} : { seq }),
      messages: [],
    });
    let current = open();
    let size = bytes(current);
    for (const message of group) {
      const item = slim(message);
      const itemBytes = bytes(item) + 1;
      if (size + itemBytes > maxBytes && current.messages.length === 0) {
        throw new ValidationError([
          `a status message of ${site}/${machine} is ${itemBytes} bytes; the limit is ${maxBytes}`,
        ]);
      }
      if (current.messages.length >= maxMessages || size + itemBytes > maxBytes) {
        envelopes.push(current);
        if (seq !== undefined) seq += current.messages.length;
        current = open();
        size = bytes(current);
      }
      current.messages.push(item);
      size += itemBytes;
    }
    envelopes.push(current);
  }
  return envelopes;
};
