import { uuidV5 } from '../message/ids';
import { agentKey } from './outbox';

/**
 * The id the agent gives a status message that came without one: a UUIDv5 of the outbox incarnation, the
 * machine and the message's sequence number, so a resend after a crash carries the same id (stored once).
 */
export const agentMessageId = (incarnation: string, site: string, machine: string, seq: number): string =>
  uuidV5(`agent:${incarnation}:${agentKey(site, machine)}:${seq}`);

/** The batch id of an envelope: a UUIDv5 of the incarnation, the machine and the envelope's first sequence number. */
export const agentBatchId = (incarnation: string, site: string, machine: string, seq: number): string =>
  uuidV5(`batch:${incarnation}:${agentKey(site, machine)}:${seq}`);
