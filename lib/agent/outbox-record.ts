import { crc32 } from 'node:zlib';
import type { StatusMessage } from '../message/types';

/** One reported status message in the outbox: its sequence number and the validated message (with its id). */
export interface OutboxRecord {
  readonly seq: number;
  readonly message: StatusMessage;
}

const checksum = (json: string): string => crc32(json).toString(16).padStart(8, '0');

/** `<crc32 hex> <json>\n`: one line per record, so a file is readable with any text tool. */
export const encodeRecord = (record: OutboxRecord): string => {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
};

export interface ScannedSegment {
  readonly records: OutboxRecord[];
  /** Bytes of the file up to the end of its last valid record; anything after it is a torn tail. */
  readonly validBytes: number;
  /** Offsets of invalid lines followed by valid ones: corruption, not a torn write (never silently skipped). */
  readonly corruptOffsets: number[];
}

const decodeLine = (line: string): OutboxRecord | undefined => {
  if (line.indexOf(' ') !== 8) return undefined;
  const json = line.slice(9);
  if (checksum(json) !== line.slice(0, 8)) return undefined;
  try {
    const value = JSON.parse(json) as Partial<OutboxRecord>;
    if (typeof value.seq !== 'number' || typeof value.message !== 'object' || value.message === null) {
      return undefined;
    }
    return value as OutboxRecord;
  } catch {
    return undefined;
  }
};

/**
 * Reads a segment file's bytes. A crash can leave the last record torn (partly written, or without its
 * newline): the records before it are returned and `validBytes` says where to truncate. An invalid line with
 * valid records after it is not a torn write: its offset is reported in `corruptOffsets` and the valid
 * records around it are still returned.
 */
export const scanSegment = (bytes: Buffer): ScannedSegment => {
  const records: OutboxRecord[] = [];
  const invalid: number[] = [];
  let offset = 0;
  let validBytes = 0;
  while (offset < bytes.length) {
    const end = bytes.indexOf(0x0a, offset);
    const lineEnd = end === -1 ? bytes.length : end;
    const record = end === -1 ? undefined : decodeLine(bytes.toString('utf8', offset, lineEnd));
    if (record === undefined) invalid.push(offset);
    else {
      records.push(record);
      validBytes = lineEnd + 1;
    }
    offset = lineEnd + 1;
  }
  return { records, validBytes, corruptOffsets: invalid.filter((at) => at < validBytes) };
};
