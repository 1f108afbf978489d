import { randomUUID } from 'node:crypto';
import { constants, promises as fsp, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { coversRange, containsSeq, highestSeq, mergeRange, type SeqRange } from '../agent-status/seq-ranges';
import { OutboxLockedError, StatmgrError } from '../errors';
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
 * One process at a time: a `lock` file holds the owner's pid (a dead owner's lock is taken over).
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

  private constructor(
    readonly dir: string,
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
    await fsp.mkdir(dir, { recursive: true });
    await takeLock(dir);
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
    const outbox = new Outbox(dir, state, fsync, options.segmentBytes ?? 8 * 1024 * 1024, {
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
    const active = await this.activeSegment();
    const text = records.map(encodeRecord).join('');
    await active.handle.write(text);
    active.size += Buffer.byteLength(text);
    const now = Date.now();
    const added = records.map(({ seq, message }): OutboxEntry => {
      const key = agentKey(message.site, message.machine);
      return { seq, key, message, segment: active.segment.no, appendedAt: now, durable: false, acked: false };
    });
    if (this.fsync === 'always') {
      await active.handle.datasync();
      for (const entry of added) entry.durable = true;
    } else {
      this.unsynced.push(...added);
      this.syncTimer ??= setTimeout(() => void this.syncNow(), this.fsync);
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
    const run = this.appending.then(async () => {
      const batch = this.unsynced;
      this.unsynced = [];
      if (batch.length > 0) await this.active?.handle.datasync();
      for (const entry of batch) entry.durable = true;
    });
    this.appending = run.catch(() => undefined);
    return run;
  }

  private async activeSegment(): Promise<{ segment: Segment; handle: fsp.FileHandle; size: number }> {
    if (this.active) return this.active;
    const no = Math.max(0, ...this.segments.keys()) + 1;
    const path = join(this.dir, segmentName(no));
    const handle = await fsp.open(path, 'a');
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
    await fsp.rm(join(this.dir, 'lock'), { force: true });
  }
}

const writeAtomic = async (dir: string, name: string, text: string): Promise<void> => {
  const tmp = join(dir, `${name}.tmp`);
  const handle = await fsp.open(tmp, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, join(dir, name));
  await fsyncDir(dir);
};

const takeLock = async (dir: string): Promise<void> => {
  const path = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await fsp.writeFile(path, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await fsp.readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new OutboxLockedError(`outbox ${dir} is in use by process ${owner}`);
      }
      await fsp.rm(path, { force: true });
    }
  }
  throw new OutboxLockedError(`could not lock outbox ${dir}`);
};
