import { randomUUID } from 'node:crypto';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { describeError } from '../errors';
import type { Logger } from '../log';
import { isGone } from '../queue/queue-errors';
import type { QueueHostSettings } from './host-settings';
import { sleep } from '../util/sleep';

export type TriggerMetadata = {
  id: string;
  dequeueCount: number;
  insertionTime: string;
  expirationTime: string;
  nextVisibleTime: string;
  popReceipt: string;
};

export type Invoke = (payload: unknown, metadata: TriggerMetadata, invocationId: string) => Promise<void>;

export interface QueueListenerOptions {
  readonly queue: QueueClient;
  readonly poisonQueue: QueueClient;
  readonly settings: QueueHostSettings;
  /** How long a fetched message stays hidden; renewed at half-time while the handler runs. */
  readonly lockSeconds: number;
  readonly invoke: Invoke;
  readonly log: Logger;
}

const minPollingMs = 100;

/** The host hands JSON over as an object and anything else as text, after decoding per messageEncoding. */
export const triggerPayload = (
  messageText: string,
  encoding: QueueHostSettings['messageEncoding'],
): unknown => {
  const text = encoding === 'base64' ? Buffer.from(messageText, 'base64').toString('utf8') : messageText;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

/**
 * A queue trigger that follows the Functions host's rules (QueueListener/QueueProcessor, extension 5.x):
 * fetch up to batchSize messages under a lock, run them in parallel, fetch again when in-flight drops to
 * newBatchThreshold, back off polling up to maxPollingInterval while the queue is empty. Success deletes;
 * failure makes the message visible after visibilityTimeout, or moves its body to `<queue>-poison` once
 * dequeueCount reaches maxDequeueCount. Nothing is deleted before the handler has returned.
 */
export class QueueListener {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly renewals = new Set<NodeJS.Timeout>();
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: QueueListenerOptions) {}

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Drain: stop fetching, wait up to graceMs for in-flight invocations. Whatever is still running then is left
   * to its lock: it was not deleted, so it reappears in the queue. Returns how many were left unfinished.
   */
  async stop(graceMs: number): Promise<number> {
    this.stopping.abort();
    this.wake?.();
    await this.loop;
    const graceOver = new AbortController();
    let timedOut = false;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      sleep(graceMs, graceOver.signal).then(() => (timedOut = !graceOver.signal.aborted)),
    ]);
    graceOver.abort();
    if (!timedOut) return 0;
    // Stop renewing what is left: its lock runs out and the message reappears for another instance.
    for (const timer of this.renewals) clearInterval(timer);
    this.renewals.clear();
    return this.inFlight.size;
  }

  private async run(): Promise<void> {
    const { settings, log } = this.options;
    let idleMs = minPollingMs;
    while (!this.stopping.signal.aborted) {
      if (this.inFlight.size > settings.newBatchThreshold) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      let messages: DequeuedMessageItem[];
      try {
        const response = await this.options.queue.receiveMessages({
          numberOfMessages: settings.batchSize,
          visibilityTimeout: this.options.lockSeconds,
        });
        messages = response.receivedMessageItems;
      } catch (error) {
        log.warn('queue fetch failed, will retry', {
          queue: this.options.queue.name,
          error: describeError(error),
        });
        messages = [];
      }
      if (this.stopping.signal.aborted) {
        // Fetched while stopping: leave them to their lock rather than start work we may not finish.
        break;
      }
      if (messages.length === 0) {
        await sleep(idleMs, this.stopping.signal);
        idleMs = Math.min(idleMs * 2, Math.max(settings.maxPollingIntervalMs, minPollingMs));
        continue;
      }
      idleMs = minPollingMs;
      for (const message of messages) this.track(this.process(message));
    }
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.wake?.();
    });
  }

  private async process(message: DequeuedMessageItem): Promise<void> {
    const { settings, log, queue } = this.options;
    const fields = {
      queue: queue.name,
      queueMessageId: message.messageId,
      dequeueCount: message.dequeueCount,
    };
    if (message.dequeueCount > settings.maxDequeueCount) {
      // Earlier attempts crashed the worker: the host moves such a message to poison without running it.
      await this.moveToPoison(message, message.popReceipt, fields);
      return;
    }
    const lock = this.holdLock(message);
    let failure: unknown;
    try {
      await this.options.invoke(
        triggerPayload(message.messageText, settings.messageEncoding),
        {
          id: message.messageId,
          dequeueCount: message.dequeueCount,
          insertionTime: message.insertedOn.toISOString(),
          expirationTime: message.expiresOn.toISOString(),
          nextVisibleTime: message.nextVisibleOn.toISOString(),
          popReceipt: message.popReceipt,
        },
        randomUUID(),
      );
    } catch (error) {
      failure = error ?? new Error('handler failed');
    }
    const popReceipt = await lock.release();
    try {
      if (failure === undefined) {
        await queue.deleteMessage(message.messageId, popReceipt);
      } else if (message.dequeueCount >= settings.maxDequeueCount) {
        log.error('handler failed on the last allowed attempt', { ...fields, error: describeError(failure) });
        await this.moveToPoison(message, popReceipt, fields);
      } else {
        log.warn('handler failed, message will be retried', { ...fields, error: describeError(failure) });
        await queue.updateMessage(
          message.messageId,
          popReceipt,
          undefined,
          Math.ceil(settings.visibilityTimeoutMs / 1000),
        );
      }
    } catch (error) {
      // The message stays hidden until its lock runs out, then reappears: nothing is lost.
      log.warn('could not complete message, it reappears when its lock expires', {
        ...fields,
        error: describeError(error),
      });
    }
  }

  /** Copies the body only (as the host does: new id, metadata lost) to the poison queue, then deletes. */
  private async moveToPoison(
    message: DequeuedMessageItem,
    popReceipt: string,
    fields: object,
  ): Promise<void> {
    const { poisonQueue } = this.options;
    const copy = () => poisonQueue.sendMessage(message.messageText, { messageTimeToLive: -1 });
    try {
      // Like the Functions host, create the poison queue the first time it is needed (e.g. the poison
      // queue's own `-poison` queue, which nothing else creates).
      await copy().catch(async (error: unknown) => {
        if (!isGone(error)) throw error;
        await poisonQueue.createIfNotExists();
        return copy();
      });
      await this.options.queue.deleteMessage(message.messageId, popReceipt);
      this.options.log.warn('moved to poison queue', {
        ...fields,
        poisonQueue: this.options.poisonQueue.name,
      });
    } catch (error) {
      this.options.log.warn('could not move to poison queue, it reappears when its lock expires', {
        ...fields,
        error: describeError(error),
      });
    }
  }

  /** Renews the message's invisibility at half the lock length while the handler runs. */
  private holdLock(message: DequeuedMessageItem): { release: () => Promise<string> } {
    let popReceipt = message.popReceipt;
    let renewing: Promise<void> = Promise.resolve();
    const halfLockMs = (this.options.lockSeconds * 1000) / 2;
    const timer = setInterval(() => {
      renewing = renewing.then(async () => {
        try {
          const response = await this.options.queue.updateMessage(
            message.messageId,
            popReceipt,
            undefined,
            this.options.lockSeconds,
          );
          if (response.popReceipt) popReceipt = response.popReceipt;
        } catch (error) {
          this.options.log.warn('lock renewal failed', {
            queueMessageId: message.messageId,
            error: describeError(error),
          });
        }
      });
    }, halfLockMs);
    this.renewals.add(timer);
    return {
      release: async () => {
        clearInterval(timer);
        this.renewals.delete(timer);
        await renewing;
        return popReceipt;
      },
    };
  }
}
