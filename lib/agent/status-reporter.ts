import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { QueueClient } from '@azure/storage-queue';
import {
  describeError,
  OutboxFullError,
  PermanentError,
  StatmgrError,
  TooLargeError,
  ValidationError,
} from '../errors';
import { sleep } from '../util/sleep';
import type { Logger } from '../log';
import { agentBatchId, agentMessageId } from './agent-ids';
import type { Envelope, StatusMessage } from '../message/types';
import { checkStatusMessage } from '../message/validate';
import { limits } from '../names';
import { backoffDelay, defaultBackoff, type BackoffOptions } from '../util/backoff';
import { buildEnvelopes, maxEnvelopeBytes, soloEnvelopeBytes } from './build-envelopes';
import { appendDurably, Outbox, type FsyncPolicy, type OutboxEntry, type RecoveryReport } from './outbox';
import type { OutboxRecord } from './outbox-record';
import { sendEnvelope } from './send-envelope';

/**
 * What `report` checks before it takes a message: the server's schema, and that an envelope can carry it once
 * encoded. Throws a ValidationError naming each field, or a TooLargeError naming the size and the limit.
 */
export const checkReportable = (message: unknown, limit: number = maxEnvelopeBytes): StatusMessage => {
  const checked = checkStatusMessage(message);
  if (!checked.ok) throw new ValidationError(checked.reasons);
  const size = soloEnvelopeBytes({ ...checked.value, id: '00000000-0000-0000-0000-000000000000' });
  if (size > limit) {
    throw new TooLargeError([
      `message: is ${size} bytes once encoded in an envelope; an envelope holds at most ${limit} bytes ` +
        `(the 64 KiB queue message limit less room for the request): shorten text, insertionStrings or attributes`,
    ]);
  }
  return checked.value;
};

/** What `report` does when the outbox holds `maxOutboxMessages` unsent messages. */
export const whenFullPolicies = ['reject', 'block'] as const;
export type WhenFullPolicy = (typeof whenFullPolicies)[number];

export interface StatusReporterOptions {
  readonly outboxDir: string;
  readonly queue: QueueClient;
  /** `always` (default): fsync before `report` resolves. A number: fsync every N ms. */
  readonly fsync?: FsyncPolicy;
  /** A partly filled envelope is sent once its oldest message has waited this long (default 1000 ms). */
  readonly maxWaitMs?: number;
  /** Bound on unsent messages in the outbox (default 100,000). */
  readonly maxOutboxMessages?: number;
  /** `reject` (default): `report` throws OutboxFullError. `block`: `report` waits for room. */
  readonly whenFull?: WhenFullPolicy;
  /** Envelopes in flight at once (default 8). */
  readonly concurrency?: number;
  readonly backoff?: BackoffOptions;
  readonly segmentBytes?: number;
  readonly maxMessagesPerEnvelope?: number;
  readonly maxEnvelopeBytes?: number;
  readonly logger?: Logger;
}

export interface ReportReceipt {
  readonly site: string;
  readonly machine: string;
  readonly seq: number;
  readonly id: string;
}

export interface ReporterStats {
  readonly reported: number;
  /** Messages in the outbox not yet accepted by the queue (including those in flight). */
  readonly pending: number;
  readonly inFlightEnvelopes: number;
  readonly sentEnvelopes: number;
  readonly sentMessages: number;
  /** Failed enqueue attempts that will be (or were) retried. */
  readonly retries: number;
  /** How often `report` found the outbox full (the metric for the bound). */
  readonly outboxFull: number;
  /** Messages the queue refused for good (400/413); kept in `rejected.jsonl`, never dropped silently. */
  readonly rejected: number;
  readonly lastError: string | undefined;
  readonly recovery: RecoveryReport;
}

interface PendingAppend {
  readonly record: OutboxRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The agent side of statmgr. `report` validates a status message with the server's schema, gives it the
 * next sequence number of its (site, machine) and a stable id, and resolves once it is in the durable
 * outbox. A sender loop packs outbox records into envelopes (one agent each, up to 100 messages, under
 * 64 KiB, or fewer after `maxWaitMs`), enqueues them with TTL -1, retries with exponential backoff and jitter
 * while the queue is unreachable, and only after the queue accepted an envelope trims it from the outbox.
 */
export class StatusReporter {
  private readonly events = new EventEmitter();
  private readonly inFlight = new Set<OutboxEntry>();
  private readonly abort = new AbortController();
  private appendQueue: PendingAppend[] = [];
  private appendRunning = false;
  private envelopesInFlight = 0;
  private flushing = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private fullEpisode = false;
  private cursor = 0;
  private counters = {
    reported: 0,
    sentEnvelopes: 0,
    sentMessages: 0,
    retries: 0,
    outboxFull: 0,
    rejected: 0,
  };
  private lastError: string | undefined;

  private constructor(
    private readonly outbox: Outbox,
    private readonly options: StatusReporterOptions,
  ) {
    this.events.setMaxListeners(0);
  }

  /**
   * Opens (and recovers) the outbox in `outboxDir` and starts sending what it holds.
   *
   * @throws {OutboxLockedError} another process holds this outbox directory.
   * @example
   * const reporter = await StatusReporter.open({
   *   outboxDir: '/var/lib/statmgr-agent',
   *   queue: agentQueueClient(authForUrl('https://acct.queue.core.windows.net')),
   * });
   */
  static async open(options: StatusReporterOptions): Promise<StatusReporter> {
    const outbox = await Outbox.open(options.outboxDir, {
      ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
      ...(options.segmentBytes === undefined ? {} : { segmentBytes: options.segmentBytes }),
    });
    const reporter = new StatusReporter(outbox, options);
    const { recovery } = outbox;
    if (recovery.tornBytes > 0 || recovery.corruptSegments.length > 0 || recovery.pending > 0) {
      options.logger?.warn('outbox recovered', {
        pending: recovery.pending,
        tornBytes: recovery.tornBytes,
        corruptSegments: recovery.corruptSegments.join(',') || undefined,
      });
    }
    reporter.loop = reporter.run();
    return reporter;
  }

  /** The sequence number the next message of this agent will get. */
  nextSeq(site: string, machine: string): number {
    return this.outbox.nextSeq(site, machine);
  }

  /**
   * Validates the message and appends it to the outbox; resolves when it is on disk (fsync'd with the
   * default policy). From then on the message is the reporter's: it survives a crash of this process and
   * is sent, and retried, until the queue accepts it.
   *
   * @returns the message's sequence number and id (the id it will be stored under).
   * @throws {ValidationError} the message breaks the schema; `reasons` names each field.
   * @throws {TooLargeError} the message is valid but no envelope can carry it once encoded (size and limit named).
   * @throws {OutboxWriteError} the outbox could not write or fsync it (disk full, I/O error): not taken.
   * @throws {OutboxFullError} the outbox is full and `whenFull` is `reject`: the caller still owns it.
   * @throws {StatmgrError} the reporter is closed.
   * @example
   * await reporter.report({
   *   time: new Date().toISOString(), severity: 'error', messageId: 2302, component: 'SMS_DISTRIBUTION_MANAGER',
   *   site: 'P01', machine: 'WS-0042', insertionStrings: ['P0100012'],
   * });
   */
  async report(message: unknown): Promise<ReportReceipt> {
    const checked = checkReportable(message, this.options.maxEnvelopeBytes);
    if (this.stopped) throw new StatmgrError('the reporter is closed');
    if (!this.hasRoom()) await this.waitForRoom();
    const value = checked;
    const seq = this.outbox.takeSeq(value.site, value.machine);
    const id = value.id ?? agentMessageId(this.outbox.incarnation, value.site, value.machine, seq);
    const record: OutboxRecord = { seq, message: { ...value, id } };
    await new Promise<void>((resolve, reject) => {
      this.appendQueue.push({ record, resolve, reject });
      void this.drainAppends();
    });
    this.counters.reported += 1;
    this.wake();
    return { site: value.site, machine: value.machine, seq, id };
  }

  private hasRoom(): boolean {
    return this.outbox.pending + this.appendQueue.length < (this.options.maxOutboxMessages ?? 100_000);
  }

  private async waitForRoom(): Promise<void> {
    this.counters.outboxFull += 1;
    if (!this.fullEpisode) {
      this.fullEpisode = true;
      this.options.logger?.warn('outbox full', {
        pending: this.outbox.pending,
        policy: this.options.whenFull ?? 'reject',
        lastError: this.lastError,
      });
    }
    if ((this.options.whenFull ?? 'reject') === 'reject') {
      throw new OutboxFullError(
        `the outbox holds ${this.outbox.pending} unsent messages (the limit); the queue is not accepting` +
          ` them${this.lastError ? `: ${this.lastError}` : ''}`,
      );
    }
    while (!this.hasRoom()) {
      if (this.stopped) throw new StatmgrError('the reporter is closed');
      await new Promise((resolve) => this.events.once('progress', resolve));
    }
  }

  /** Group commit: every report waiting while a write runs goes into the next single write (and fsync). */
  private async drainAppends(): Promise<void> {
    if (this.appendRunning) return;
    this.appendRunning = true;
    try {
      while (this.appendQueue.length > 0) {
        const batch = this.appendQueue;
        this.appendQueue = [];
        try {
          await this.outbox.append(batch.map((p) => p.record));
          batch.forEach((p) => p.resolve());
        } catch (error) {
          batch.forEach((p) => p.reject(error));
        }
      }
    } finally {
      this.appendRunning = false;
    }
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private async run(): Promise<void> {
    const maxWaitMs = this.options.maxWaitMs ?? 1000;
    const maxMessages = this.options.maxMessagesPerEnvelope ?? limits.maxMessagesPerEnvelope;
    const concurrency = this.options.concurrency ?? 8;
    while (!this.stopped) {
      try {
        await this.round(maxWaitMs, maxMessages, concurrency);
      } catch (error) {
        // Never a crash, never a restart loop: note it, wait a little, go on.
        this.lastError = describeError(error);
        this.options.logger?.error('sender round failed; retrying', { error: this.lastError });
        await sleep(1000, this.abort.signal);
      }
    }
  }

  /** One pass over the outbox: start what is due, then wait until something changes or comes due. */
  private async round(maxWaitMs: number, maxMessages: number, concurrency: number): Promise<void> {
    const now = Date.now();
    let nextDue = Infinity;
    let unsynced = false;
    let started = false;
    // Start where the last round stopped, so that busy agents cannot starve the others.
    const lists = [...this.outbox.pendingEntries().values()];
    const offset = this.cursor % Math.max(1, lists.length);
    for (const entries of [...lists.slice(offset), ...lists.slice(0, offset)]) {
      if (this.envelopesInFlight >= concurrency) break;
      this.cursor += 1;
      const batch: OutboxEntry[] = [];
      for (const entry of entries) {
        if (this.inFlight.has(entry)) continue;
        if (!entry.durable) {
          unsynced = true;
          break;
        }
        const previous = batch.at(-1);
        if (batch.length >= maxMessages || (previous && entry.seq !== previous.seq + 1)) break;
        batch.push(entry);
      }
      const first = batch[0];
      if (!first) continue;
      if (batch.length < maxMessages && this.flushing === 0 && now - first.appendedAt < maxWaitMs) {
        nextDue = Math.min(nextDue, first.appendedAt + maxWaitMs);
        continue;
      }
      this.startSending(batch);
      started = true;
    }
    if (started && this.envelopesInFlight < concurrency) return;
    if (unsynced) nextDue = Math.min(nextDue, now + 50);
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      if (Number.isFinite(nextDue)) setTimeout(resolve, Math.max(1, nextDue - Date.now())).unref();
    });
    this.wakeUp = undefined;
  }

  private envelopesOf(batch: readonly OutboxEntry[]): Envelope[] {
    const first = batch[0]!;
    return buildEnvelopes(
      batch.map((entry) => entry.message),
      {
        seqStart: () => first.seq,
        newBatchId: (site, machine, seq) =>
          agentBatchId(this.outbox.incarnation, site, machine, seq ?? first.seq),
        maxMessages: this.options.maxMessagesPerEnvelope ?? limits.maxMessagesPerEnvelope,
        maxBytes: this.options.maxEnvelopeBytes ?? maxEnvelopeBytes,
      },
    );
  }

  /**
   * A record no envelope can carry (written by an older version, or before a smaller limit) never stops the
   * sender: the batch is cut before it, and the record alone goes to `rejected.jsonl` with its reason.
   */
  private startSending(batch: readonly OutboxEntry[]): void {
    let envelopes: Envelope[];
    try {
      envelopes = this.envelopesOf(batch);
    } catch (error) {
      const bad = batch.findIndex((entry) => {
        try {
          this.envelopesOf([entry]);
          return false;
        } catch {
          return true;
        }
      });
      if (bad > 0) return this.startSending(batch.slice(0, bad));
      const entry = batch[0]!;
      this.track([entry], this.rejectRecord(entry, error));
      return;
    }
    let offset = 0;
    for (const envelope of envelopes) {
      const entries = batch.slice(offset, offset + envelope.messages.length);
      offset += envelope.messages.length;
      this.track(entries, this.send(envelope, entries));
    }
  }

  /** Holds `entries` in flight while `work` runs; a failure of `work` is noted, never unhandled. */
  private track(entries: readonly OutboxEntry[], work: Promise<void>): void {
    entries.forEach((entry) => this.inFlight.add(entry));
    this.envelopesInFlight += 1;
    void work
      .catch(async (error: unknown) => {
        this.lastError = describeError(error);
        this.options.logger?.error('sending failed; the messages stay in the outbox', {
          error: this.lastError,
        });
        await sleep(1000, this.abort.signal);
      })
      .finally(() => {
        entries.forEach((entry) => this.inFlight.delete(entry));
        this.envelopesInFlight -= 1;
        this.events.emit('progress');
        this.wake();
      });
  }

  /** Moves one record that can never be sent to `rejected.jsonl` (fsync'd), then acknowledges it. */
  private async rejectRecord(entry: OutboxEntry, error: unknown): Promise<void> {
    await this.keepRejected({ reason: describeError(error), seq: entry.seq, message: entry.message }, 1);
    await this.outbox.ack([entry]);
  }

  /** Appends one line to `rejected.jsonl` and fsyncs it: only then may the records be acknowledged. */
  private async keepRejected(detail: Record<string, unknown>, messages: number): Promise<void> {
    const line = JSON.stringify({ at: new Date().toISOString(), ...detail });
    await appendDurably(join(this.outbox.dir, 'rejected.jsonl'), `${line}\n`);
    this.counters.rejected += messages;
    this.options.logger?.error('a record can never be sent; kept in rejected.jsonl', {
      messages,
      reason: String(detail.reason),
    });
  }

  private async send(envelope: Envelope, entries: readonly OutboxEntry[]): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      if (this.stopped) return;
      try {
        await sendEnvelope(this.options.queue, envelope);
        break;
      } catch (error) {
        if (error instanceof PermanentError) return this.rejectForGood(envelope, entries, error);
        this.counters.retries += 1;
        this.lastError = describeError(error);
        if (attempt === 0 || attempt % 10 === 0) {
          this.options.logger?.warn('enqueue failed, will retry', {
            batchId: envelope.batchId,
            attempt: attempt + 1,
            error: this.lastError,
          });
        }
        await sleep(backoffDelay(attempt, this.options.backoff ?? defaultBackoff), this.abort.signal);
      }
    }
    await this.outbox.ack(entries);
    this.counters.sentEnvelopes += 1;
    this.counters.sentMessages += entries.length;
    this.fullEpisode = false;
  }

  private async rejectForGood(
    envelope: Envelope,
    entries: readonly OutboxEntry[],
    error: unknown,
  ): Promise<void> {
    await this.keepRejected({ reason: describeError(error), envelope }, entries.length);
    await this.outbox.ack(entries);
  }

  /** Sends everything reported so far without waiting for full envelopes; resolves when the queue has it. */
  async flush(timeoutMs = Infinity): Promise<boolean> {
    const waiting = [...this.outbox.pendingEntries().values()].flat();
    this.flushing += 1;
    this.wake();
    const deadline = Date.now() + timeoutMs;
    try {
      while (waiting.some((entry) => !entry.acked) || this.appendQueue.length > 0) {
        if (this.stopped || Date.now() >= deadline) return false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(1000, Math.max(1, deadline - Date.now())));
          this.events.once('progress', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return true;
    } finally {
      this.flushing -= 1;
    }
  }

  /**
   * Flushes (for at most `timeoutMs`, default: until done) and stops the sender. Never throws for an
   * unreachable queue. Whatever is still unsent
   * stays in the outbox and goes out the next time a reporter opens it. Resolves true when nothing is left.
   */
  async close(timeoutMs = Infinity): Promise<boolean> {
    const flushed = this.stopped ? false : await this.flush(timeoutMs);
    this.stopped = true;
    this.abort.abort();
    this.wake();
    await this.loop;
    while (this.envelopesInFlight > 0) {
      await new Promise((resolve) => this.events.once('progress', resolve));
    }
    this.events.emit('progress');
    await this.outbox.close();
    return flushed && this.outbox.pending === 0;
  }

  stats(): ReporterStats {
    return {
      ...this.counters,
      pending: this.outbox.pending,
      inFlightEnvelopes: this.envelopesInFlight,
      lastError: this.lastError,
      recovery: this.outbox.recovery,
    };
  }
}
