import { createHash } from 'node:crypto';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => uuidPattern.test(value);

/** statmgr's namespace for name-based ids (a fixed random UUID). */
export const statmgrNamespace = '6f1c2b7e-3d0a-4f57-9a8e-2f6d1c0b9e41';

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');

/** RFC 4122 name-based UUID, version 5 (SHA-1). Same namespace and name: same UUID, always. */
export const uuidV5 = (name: string, namespace: string = statmgrNamespace): string => {
  if (!isUuid(namespace)) throw new TypeError(`namespace must be a UUID, got "${namespace}"`);
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/**
 * The id of a stored status message: the sender's UUID when given, else a UUIDv5 of the batch id (the
 * envelope's `batchId`, or the queue message id of a bare message) and the message's position. It depends
 * only on data the message carries, so a redelivered message gets the same id and is stored once.
 */
export const statusMessageId = (senderId: string | undefined, batchId: string, position: number): string =>
  senderId ? senderId.toLowerCase() : uuidV5(`status:${batchId.toLowerCase()}:${position}`);

/** The id of a dead letter for one item (or the whole body, position -1): stable across redeliveries. */
export const deadLetterId = (batchId: string, position: number): string =>
  uuidV5(`deadletter:${batchId.toLowerCase()}:${position}`);
