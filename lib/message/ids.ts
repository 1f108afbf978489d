import { hash } from 'node:crypto';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => uuidPattern.test(value);

/** statmgr's namespace for name-based ids (a fixed random UUID). */
export const statmgrNamespace = '6f1c2b7e-3d0a-4f57-9a8e-2f6d1c0b9e41';

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');

/** statmgr's namespace as bytes, converted once: nearly every UUIDv5 uses it. */
const statmgrNamespaceBytes = uuidBytes(statmgrNamespace);

const bytesOf = (namespace: string): Buffer => {
  if (namespace === statmgrNamespace) return statmgrNamespaceBytes;
  if (!isUuid(namespace)) throw new TypeError(`namespace must be a UUID, got "${namespace}"`);
  return uuidBytes(namespace);
};

/** Namespace and name, reused by every call (the function is synchronous), grown when a name needs it. */
let scratch = Buffer.allocUnsafe(256);

/**
 * RFC 4122 name-based UUID, version 5 (SHA-1). Same namespace and name: same UUID, always. It runs several
 * times per stored status message, so it hashes with the one-shot `crypto.hash` over a reused buffer.
 */
export const uuidV5 = (name: string, namespace: string = statmgrNamespace): string => {
  const prefix = bytesOf(namespace);
  const size = 16 + Buffer.byteLength(name);
  if (scratch.length < size) scratch = Buffer.allocUnsafe(size * 2);
  prefix.copy(scratch, 0);
  scratch.write(name, 16);
  const hex = hash('sha1', scratch.subarray(0, size), 'hex');
  // Version 5 in the high nibble of byte 6; the RFC 4122 variant (10xx) in the high bits of byte 8.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
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
