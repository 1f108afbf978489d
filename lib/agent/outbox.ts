import { randomUUID } from 'node:crypto';
import { constants, promises as fsp, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { coversRange, containsSeq, highestSeq, mergeRange, type SeqRange } from '../agent-status/seq-ranges';
import { describeError, OutboxLockedError, OutboxWriteError, StatmgrError } from '../errors';
import type { StatusMessage } from '../message/types';
import { encodeRecord, scanSegment, type OutboxRecord } from './outbox-record';
import { isAlive } from '../util/is-alive';

/** One status message waiting in the outbox, as the sender sees it. */
export interface OutboxEntry {
  readonly seq: number;
  readonly key: string;
  readonly message: StatusMessage;
  readonly segment: number;
  /** When it was appended (ms since epoch; for recovered entries, when the outbox was opened). */
  readonly appendedAt: number;
  /** True once the record is on disk for good (fsync'd). The sender only sends durable entries. */
  durable: boolean;
  acked: boolean;
}

/** `always`: fsync before `append` resolves. A number: fsync at most every N ms (faster, less durable). */
export type FsyncPolicy = 'always' | number;

export interface OutboxOptions {
  readonly fsync?: FsyncPolicy;
  /** A segment file is closed and a new one started past this size. */
  readonly segmentBytes?: number;
}

export interface RecoveryReport {
  readonly segments: number;
  readonly records: number;
  readonly pending: number;
  readonly tornBytes: number;
  /** Segment files that held invalid lines between valid ones; a copy is kept as `<file>.corrupt`. */
  readonly corruptSegments: readonly string[];
}

interface AgentState {
  readonly version: 1;
  /** Random per outbox: part of every message id, so a wiped outbox that restarts at seq 1 gets new ids. */
  readonly incarnation: string;
  /** Per agent key (JSON of [site, machine]): the sequence numbers whose envelopes the queue accepted. */
  readonly acked: Record<string, SeqRange[]>;
}

interface Segment {
  readonly no: number;
  readonly path: string;
  unacked: number;
  closed: boolean;
}

export const agentKey = (site: string, machine: string): string => JSON.stringify([site, machine]);
export const parseAgentKey = (key: string): [string, string] => JSON.parse(key) as [string, string];

const segmentName = (no: number): string => `segment-${String(no).padStart(8, '0')}.log`;
const segmentPattern = /^segment-(\d{8})\.log$/;

/** Outbox files are the agent's own: no other user may read status messages or forge records. */
export const fileMode = 0o600;
const dirMode = 0o700;

/** Writes all of `buffer` (a short write is continued; a write that makes no progress is an error). */
export const writeAll = async (handle: fsp.FileHandle, buffer: Buffer): Promise<void> => {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    if (bytesWritten <= 0) {
      throw new OutboxWriteError(`short write: ${offset} of ${buffer.length} bytes written`);
    }
    offset += bytesWritten;
  }
};

/** Appends `text` to a file (created 0600) and fsyncs it before resolving. */
export const appendDurably = async (path: string, text: string): Promise<void> => {
  const handle = await fsp.open(path, 'a', fileMode);
  try {
    await writeAll(handle, Buffer.from(text, 'utf8'));
    await handle.sync();
  } finally {
    await handle.close();
  }
};

const fsyncDir = async (dir: string): Promise<void> => {
  const handle = await fsp.open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
};

/**
 * The agent's durable outbox: a directory of append-only segment files of checksummed records
 * (`segment-NNNNNNNN.log`), plus `state.json` (rewritten atomically) with the sequence ranges the queue has
 * accepted. A segment is deleted only when every record in it is acknowledged in a durable `state.json`.
 * One process at a time: a `lock` file, created atomically (O_EXCL), holds the owner's pid and a random token;
 * a dead owner's lock is replaced (an atomic rename) only by the one process that creates `lock.takeover`.
 * Files are created 0600, the directory 0700. A failed write or fsync rejects `append` (an OutboxWriteError),
 * never an unhandled rejection; the segment it hit is closed and the next append starts a new one.
 */
export class Outbox {
  private readonly entries = new Map<string, OutboxEntry[]>();
  private readonly segments = new Map<number, Segment>();
  private readonly nextSeqs = new Map<string, number>();
  private active: { segment: Segment; handle: fsp.FileHandle; size: number } | undefined;
  private unsynced: OutboxEntry[] = [];
  private syncTimer: NodeJS.Timeout | undefined;
  private appending: Promise<void> = Promise.resolve();
  private stateGen = 0;
  private stateWritten = 0;
  private stateWriting: Promise<void> | undefined;
  private pendingCount = 0;
  private recoveredPending = 0;
  private closed = false;
  /** A background fsync (the interval policy) failed: the next append retries it first, or fails. */
  private syncFailure: unknown;

  private constructor(
    readonly dir: string,
    private readonly lockToken: string,
    private readonly state: AgentState,
    private readonly fsync: FsyncPolicy,
    private readonly segmentBytes: number,
    private readonly recovered: Omit<RecoveryReport, 'pending'>,
  ) {}

  /** What `open` found on disk: segments, records, torn bytes cut off, corrupt segments kept aside. */
  get recovery(): RecoveryReport {
    return { ...this.recovered, pending: this.recoveredPending };
  }

  static async open(dir: string, options: OutboxOptions = {}): Promise<Outbox> {
    await fsp.mkdir(dir, { recursive: true, mode: dirMode });
    const lockToken = await takeLock(dir);
    const statePath = join(dir, 'state.json');
    let state: AgentState;
    try {
      state = JSON.parse(readFileSync(statePath, 'utf8')) as AgentState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      state = { version: 1, incarnation: randomUUID(), acked: {} };
      await writeAtomic(dir, 'state.json', JSON.stringify(state));
    }
    const files = readdirSync(dir)
      .map((name) => ({ name, match: segmentPattern.exec(name) }))
      .filter((f) => f.match)
      .map((f) => ({ name: f.name, no: Number(f.match![1]) }))
      .sort((a, b) => a.no - b.no);
    const recovered: { no: number; records: OutboxRecord[] }[] = [];
    let tornBytes = 0;
    const corruptSegments: string[] = [];
    for (const file of files) {
      const path = join(dir, file.name);
      const bytes = await fsp.readFile(path);
      const scanned = scanSegment(bytes);
      if (scanned.corruptOffsets.length > 0) {
        await fsp.copyFile(path, `${path}.corrupt`);
        corruptSegments.push(file.name);
      }
      if (scanned.validBytes < bytes.length) {
        tornBytes += bytes.length - scanned.validBytes;
        await fsp.truncate(path, scanned.validBytes);
      }
      recovered.push({ no: file.no, records: scanned.records });
    }
    const fsync = options.fsync ?? 'always';
    const recordCount = recovered.reduce((sum, r) => sum + r.records.length, 0);
    const outbox = new Outbox(dir, lockToken, state, fsync, options.segmentBytes ?? 8 * 1024 * 1024, {
      segments: files.length,
      records: recordCount,
      tornBytes,
      corruptSegments,
    });
    outbox.load(recovered);
    return outbox;
  }

  private load(recovered: readonly { no: number; records: OutboxRecord[] }[]): void {
    const now = Date.now();
    for (const [key, ranges] of Object.entries(this.state.acked)) {
      this.nextSeqs.set(key, (highestSeq(ranges) ?? 0) + 1);
    }
    const seen = new Set<string>();
    for (const { no, records } of recovered) {
      const segment: Segment = { no, path: join(this.dir, segmentName(no)), unacked: 0, closed: true };
      this.segments.set(no, segment);
      for (const { seq, message } of records) {
        const key = agentKey(message.site, message.machine);
        this.nextSeqs.set(key, Math.max(this.nextSeqs.get(key) ?? 1, seq + 1));
        if (containsSeq(this.state.acked[key] ?? [], seq)) continue;
        const list = this.entries.get(key) ?? [];
        if (seen.has(`${key}#${seq}`)) continue;
        seen.add(`${key}#${seq}`);
        list.push({ seq, key, message, segment: no, appendedAt: now, durable: true, acked: false });
        this.entries.set(key, list);
        segment.unacked += 1;
        this.pendingCount += 1;
      }
    }
    for (const list of this.entries.values()) list.sort((a, b) => a.seq - b.seq);
    this.recoveredPending = this.pendingCount;
  }

  get incarnation(): string {
    return this.state.incarnation;
  }

  /** Messages appended and not yet acknowledged by the queue. */
  get pending(): number {
    return this.pendingCount;
  }

  /** The sequence number the next message of this agent gets (numbers start at 1 and survive restarts). */
  nextSeq(site: string, machine: string): number {
    return this.nextSeqs.get(agentKey(site, machine)) ?? 1;
  }

  /** Reserves the next sequence number of an agent; the caller must append it (or the number is a gap). */
  takeSeq(site: string, machine: string): number {
    const key = agentKey(site, machine);
    const seq = this.nextSeqs.get(key) ?? 1;
    this.nextSeqs.set(key, seq + 1);
    return seq;
  }

  /** Unacknowledged entries per agent key, in sequence order (live arrays: do not modify). */
  pendingEntries(): ReadonlyMap<string, readonly OutboxEntry[]> {
    return this.entries;
  }

  ackedRanges(key: string): readonly SeqRange[] {
    return this.state.acked[key] ?? [];
  }

  /**
   * Appends records in one write. Resolves once they are on disk: fsync'd with `fsync: 'always'`, else
   * written (in the page cache, safe from a process crash) and fsync'd by the interval timer.
   */
  append(records: readonly OutboxRecord[]): Promise<void> {
    const run = this.appending.then(() => this.appendNow(records));
    this.appending = run.catch(() => undefined);
    return run;
  }

  private async appendNow(records: readonly OutboxRecord[]): Promise<void> {
    if (this.closed) throw new StatmgrError('the outbox is closed');
    if (this.syncFailure !== undefined) {
      try {
        await this.syncUnsynced();
        this.syncFailure = undefined;
      } catch (error) {
        throw new OutboxWriteError(`the outbox in ${this.dir} cannot fsync: ${describeError(error)}`, {
          cause: error,
        });
      }
    }
    let active: { segment: Segment; handle: fsp.FileHandle; size: number } | undefined;
    const buffer = Buffer.from(records.map(encodeRecord).join(''), 'utf8');
    try {
      active = await this.activeSegment();
      await writeAll(active.handle, buffer);
      if (this.fsync === 'always') await active.handle.datasync();
    } catch (error) {
      await this.abandonActive();
      throw new OutboxWriteError(
        `the outbox in ${this.dir} could not store ${records.length} message(s): ${describeError(error)}`,
        { cause: error },
      );
    }
    active.size += buffer.length;
    const now = Date.now();
    const segmentNo = active.segment.no;
    const added = records.map(({ seq, message }): OutboxEntry => {
      const key = agentKey(message.site, message.machine);
      return { seq, key, message, segment: segmentNo, appendedAt: now, durable: false, acked: false };
    });
    if (this.fsync === 'always') {
      for (const entry of added) entry.durable = true;
    } else {
      this.unsynced.push(...added);
      this.syncTimer ??= setTimeout(() => {
        this.syncNow().catch((error: unknown) => (this.syncFailure = error));
      }, this.fsync);
    }
    for (const entry of added) {
      const list = this.entries.get(entry.key) ?? [];
      list.push(entry);
      this.entries.set(entry.key, list);
    }
    active.segment.unacked += added.length;
    this.pendingCount += added.length;
    if (active.size >= this.segmentBytes) await this.closeActive();
  }

  /** fsyncs the active segment now and marks what was written as durable. */
  async syncNow(): Promise<void> {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    const run = this.appending.then(() => this.syncUnsynced());
    this.appending = run.catch(() => undefined);
    return run;
  }

  /** fsyncs the active segment; on failure the entries stay unsynced (and are not sent). */
  private async syncUnsynced(): Promise<void> {
    const batch = this.unsynced;
    if (batch.length > 0) await this.active?.handle.datasync();
    for (const entry of batch) entry.durable = true;
    this.unsynced = this.unsynced.slice(batch.length);
  }

  /**
   * After a failed write or fsync the active segment may end in a torn record: it is closed (its valid
   * records stay, the torn tail is cut at the next open) and the next append starts a new segment.
   */
  private async abandonActive(): Promise<void> {
    const active = this.active;
    this.active = undefined;
    if (!active) return;
    try {
      await this.syncUnsynced();
    } catch {
      // The unsynced entries are on disk at best; they are recovered (and sent) by the next open.
    }
    await active.handle.close().catch(() => undefined);
    active.segment.closed = true;
  }

  private async activeSegment(): Promise<{ segment: Segment; handle: fsp.FileHandle; size: number }> {
    if (this.active) return this.active;
    const no = Math.max(0, ...this.segments.keys()) + 1;
    const path = join(this.dir, segmentName(no));
    const handle = await fsp.open(path, 'a', fileMode);
    await fsyncDir(this.dir);
    const segment: Segment = { no, path, unacked: 0, closed: false };
    this.segments.set(no, segment);
    this.active = { segment, handle, size: 0 };
    return this.active;
  }

  private async closeActive(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    await active.handle.datasync();
    for (const entry of this.unsynced) entry.durable = true;
    this.unsynced = [];
    await active.handle.close();
    active.segment.closed = true;
    await this.deleteFinishedSegments();
  }

  /**
   * Records that the queue accepted these entries: their sequence numbers go into `state.json` (rewritten
   * atomically and fsync'd), and only then are segments whose records are all acknowledged deleted.
   */
  async ack(acked: readonly OutboxEntry[]): Promise<void> {
    for (const entry of acked) {
      if (entry.acked) continue;
      entry.acked = true;
      const ranges = this.state.acked[entry.key] ?? [];
      this.state.acked[entry.key] = mergeRange(ranges, [entry.seq, entry.seq]);
    }
    await this.persistState();
    const byKey = new Map<string, OutboxEntry[]>();
    for (const entry of acked) {
      const group = byKey.get(entry.key) ?? [];
      group.push(entry);
      byKey.set(entry.key, group);
    }
    for (const [key, group] of byKey) {
      const list = this.entries.get(key);
      if (!list) continue;
      // An envelope's entries are consecutive in their list: one splice, not one per entry.
      const at = list.indexOf(group[0]!);
      let removed: OutboxEntry[];
      if (at >= 0 && list[at + group.length - 1] === group.at(-1)) removed = list.splice(at, group.length);
      else {
        const members = new Set(group);
        removed = list.filter((entry) => members.has(entry));
        list.splice(0, list.length, ...list.filter((entry) => !members.has(entry)));
      }
      if (list.length === 0) this.entries.delete(key);
      this.pendingCount -= removed.length;
      for (const entry of removed) {
        const segment = this.segments.get(entry.segment);
        if (segment) segment.unacked -= 1;
      }
    }
    await this.deleteFinishedSegments();
  }

  /** True when these sequence numbers are already acknowledged (a recovered entry sent before a crash). */
  isAcked(key: string, range: SeqRange): boolean {
    return coversRange(this.state.acked[key] ?? [], range);
  }

  private async deleteFinishedSegments(): Promise<void> {
    for (const segment of [...this.segments.values()]) {
      if (!segment.closed || segment.unacked > 0) continue;
      this.segments.delete(segment.no);
      await fsp.rm(segment.path, { force: true });
    }
  }

  private async persistState(): Promise<void> {
    const gen = ++this.stateGen;
    while (this.stateWritten < gen) {
      this.stateWriting ??= this.writeStateOnce().finally(() => (this.stateWriting = undefined));
      await this.stateWriting;
    }
  }

  private async writeStateOnce(): Promise<void> {
    const gen = this.stateGen;
    await writeAtomic(this.dir, 'state.json', JSON.stringify(this.state));
    this.stateWritten = Math.max(this.stateWritten, gen);
  }

  /** fsyncs and closes the files and releases the lock. Unsent records stay for the next `open`. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.syncNow();
    await this.appending;
    this.closed = true;
    await this.stateWriting;
    if (this.active) {
      await this.active.handle.close();
      this.active.segment.closed = true;
      this.active = undefined;
    }
    await this.deleteFinishedSegments();
    await releaseLock(this.dir, this.lockToken);
  }
}

const writeAtomic = async (dir: string, name: string, text: string): Promise<void> => {
  const tmp = join(dir, `${name}.tmp`);
  const handle = await fsp.open(tmp, 'w', fileMode);
  try {
    await writeAll(handle, Buffer.from(text, 'utf8'));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, join(dir, name));
  await fsyncDir(dir);
};

/** Lock tokens held by outboxes open in this process (a lock with our pid and another token is stale). */
const heldTokens = new Set<string>();

interface LockOwner {
  readonly pid: number;
  readonly token: string;
}

const readLock = async (path: string): Promise<{ text: string; owner: LockOwner } | undefined> => {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const [pid = '', token = ''] = text.trim().split(' ');
  return { text, owner: { pid: Number(pid), token } };
};

/** A live owner: another live process, or an outbox open in this very process. */
const isHeld = ({ pid, token }: LockOwner): boolean =>
  Number.isInteger(pid) && pid > 0 && (pid === process.pid ? heldTokens.has(token) : isAlive(pid));

const createExclusive = async (path: string, text: string): Promise<boolean> => {
  try {
    await fsp.writeFile(path, text, { flag: 'wx', mode: fileMode });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
};

/**
 * Takes the outbox lock: creates `lock` with O_EXCL. A lock whose owner is dead is never deleted and
 * re-created (two processes could both do that and both "hold" it): the one process that creates
 * `lock.takeover` (O_EXCL) checks again that the owner is dead and replaces the lock by an atomic rename.
 */
const takeLock = async (dir: string): Promise<string> => {
  const path = join(dir, 'lock');
  const token = randomUUID();
  const text = `${process.pid} ${token}\n`;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (await createExclusive(path, text)) {
      heldTokens.add(token);
      return token;
    }
    const seen = await readLock(path);
    if (!seen) continue; // released meanwhile: try the atomic create again
    if (isHeld(seen.owner)) {
      throw new OutboxLockedError(`outbox ${dir} is in use by process ${seen.owner.pid}`);
    }
    const takeover = join(dir, 'lock.takeover');
    if (!(await createExclusive(takeover, text))) {
      throw new OutboxLockedError(
        `outbox ${dir} is being taken over by another process (if no agent is running, delete ${takeover})`,
      );
    }
    try {
      const now = await readLock(path);
      if (now && now.text !== seen.text && isHeld(now.owner)) {
        throw new OutboxLockedError(`outbox ${dir} is in use by process ${now.owner.pid}`);
      }
      const tmp = join(dir, `lock.${token}.tmp`);
      await fsp.writeFile(tmp, text, { flag: 'wx', mode: fileMode });
      await fsp.rename(tmp, path);
      heldTokens.add(token);
      return token;
    } finally {
      await fsp.rm(takeover, { force: true });
    }
  }
  throw new OutboxLockedError(`could not lock outbox ${dir}`);
};

/** Removes the lock if it is still ours. */
const releaseLock = async (dir: string, token: string): Promise<void> => {
  heldTokens.delete(token);
  const path = join(dir, 'lock');
  const current = await readLock(path).catch(() => undefined);
  if (current?.owner.token === token) await fsp.rm(path, { force: true });
};
