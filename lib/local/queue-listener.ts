import { randomUUID } from 'node:crypto';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { describeError, FunctionTimeoutError } from '../errors';
import type { Logger } from '../log';
import { isGone, isHarmlessCompletionError, isRetriableFetchError } from '../queue/queue-errors';
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

/**
 * Runs the function on one message: its body after messageEncoding, as bytes (the extension's QueueMessage
 * `Body`); the local host turns them into what the trigger's `dataType` asks for (`queueTypedData`).
 */
export type Invoke = (body: Buffer, metadata: TriggerMetadata, invocationId: string) => Promise<void>;

/** The Functions host's poison queue for a queue: none for a queue that is itself a poison queue. */
export const poisonQueueNameOf = (queueName: string): string | undefined =>
  queueName.endsWith('-poison') ? undefined : `${queueName}-poison`;

export interface QueueListenerOptions {
  readonly queue: QueueClient;
  /** Undefined for a queue whose name ends in `-poison` (QueueListenerFactory.CreatePoisonQueueReference). */
  readonly poisonQueue: QueueClient | undefined;
  readonly settings: QueueHostSettings;
  /** How long a fetched message stays hidden; renewed at half-time while the handler runs. */
  readonly lockSeconds: number;
  readonly invoke: Invoke;
  readonly log: Logger;
  /**
   * A Storage error the Functions host does not handle (on fetch, delete, release or poison copy): it reaches
   * the host's unhandled-exception handler, which stops the application. The listener stops fetching; the
   * local host exits non-zero and `npm start` restarts it.
   */
  readonly onFatal: (error: unknown) => void;
}

const minPollingMs = 100;

/**
 * The body after messageEncoding, as the queues extension holds it (`QueueMessage.Body`): the base64-decoded
 * bytes, or with `none` the message text as UTF-8.
 */
export const triggerBody = (messageText: string, encoding: QueueHostSettings['messageEncoding']): Buffer =>
  Buffer.from(messageText, encoding === 'base64' ? 'base64' : 'utf8');

/** The text the host passes the worker for a trigger without a data type (the library then parses JSON). */
export const triggerText = (messageText: string, encoding: QueueHostSettings['messageEncoding']): string =>
  encoding === 'base64' ? triggerBody(messageText, encoding).toString('utf8') : messageText;

/**
 * What the handler then receives: with `dataType: 'binary'` the body's bytes (a Buffer); otherwise the library
 * parses the text as JSON when it can (`fromRpcTypedData`), so a JSON body is an object and anything else
 * stays text. Tests use it to feed handlers the way the host does.
 */
export const triggerPayload = (
  messageText: string,
  encoding: QueueHostSettings['messageEncoding'],
  dataType: 'string' | 'binary' = 'string',
): unknown => {
  if (dataType === 'binary') return triggerBody(messageText, encoding);
  const text = triggerText(messageText, encoding);
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
 * failure (including a run longer than functionTimeout) makes the message visible after visibilityTimeout,
 * or copies its body (no TTL) to `<queue>-poison` once dequeueCount reaches maxDequeueCount. A queue named
 * `*-poison` has no poison queue: a failed message is not released (it stays hidden until its lock runs
 * out) and one fetched with dequeueCount above maxDequeueCount is never run. Storage errors the host does
 * not handle are fatal (`onFatal`). Nothing is deleted before the handler has returned.
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
    this.loop ??= this.fetchLoop();
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

  private async fetchLoop(): Promise<void> {
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
        if (!isRetriableFetchError(error)) {
          this.fatal(error, 'fetching messages');
          break;
        }
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

  /** Stops fetching and reports an error the Functions host would treat as fatal. */
  private fatal(error: unknown, doing: string): void {
    this.options.log.error(`fatal Storage error while ${doing}: the host stops`, {
      queue: this.options.queue.name,
      error: describeError(error),
    });
    this.stopping.abort();
    this.wake?.();
    this.options.onFatal(error);
  }

  private async process(message: DequeuedMessageItem): Promise<void> {
    const { settings, log } = this.options;
    const fields = {
      queue: this.options.queue.name,
      queueMessageId: message.messageId,
      dequeueCount: message.dequeueCount,
    };
    try {
      if (message.dequeueCount > settings.maxDequeueCount) {
        // Earlier attempts crashed the worker: the host hands it to its poison handling without running it.
        await this.handlePoison(message, message.popReceipt, fields);
        return;
      }
      const lock = this.holdLock(message);
      const failure = await this.invokeOnce(message);
      const popReceipt = await lock.release();
      if (failure === undefined) {
        await this.complete(() => this.options.queue.deleteMessage(message.messageId, popReceipt));
      } else if (!this.options.poisonQueue) {
        // QueueProcessor.CompleteProcessingMessageAsync: no poison queue, no release (no fast loop).
        log.warn('handler failed; the message stays hidden until its lock runs out (no poison queue here)', {
          ...fields,
          error: describeError(failure),
        });
      } else if (message.dequeueCount >= settings.maxDequeueCount) {
        log.error('handler failed on the last allowed attempt', { ...fields, error: describeError(failure) });
        await this.handlePoison(message, popReceipt, fields);
      } else {
        log.warn('handler failed, message will be retried', { ...fields, error: describeError(failure) });
        const seconds = Math.ceil(settings.visibilityTimeoutMs / 1000);
        await this.complete(() =>
          this.options.queue.updateMessage(message.messageId, popReceipt, undefined, seconds),
        );
      }
    } catch (error) {
      this.fatal(error, `completing message ${message.messageId}`);
    }
  }

  /** Runs the function under the lock and functionTimeout; resolves with the failure, undefined on success. */
  private async invokeOnce(message: DequeuedMessageItem): Promise<unknown> {
    const { settings } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new FunctionTimeoutError(
              `the function ran longer than functionTimeout (${settings.functionTimeoutMs} ms)`,
            ),
          ),
        settings.functionTimeoutMs,
      );
    });
    try {
      const invocation = this.options.invoke(
        triggerBody(message.messageText, settings.messageEncoding),
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
      invocation.catch(() => undefined);
      await Promise.race([invocation, timeout]);
      return undefined;
    } catch (error) {
      return error ?? new Error('handler failed');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Deletes or releases; the errors the host ignores are ignored, any other one is thrown (fatal). */
  private async complete(operation: () => Promise<unknown>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      if (!isHarmlessCompletionError(error)) throw error;
    }
  }

  /**
   * QueueProcessor.HandlePoisonMessageAsync: copies the body only (new id, metadata lost, no TTL: the service
   * default of 7 days applies) to the poison queue, creating it if needed, then deletes the original. A queue
   * without a poison queue leaves the message where it is: hidden until its lock runs out, never run again.
   */
  private async handlePoison(
    message: DequeuedMessageItem,
    popReceipt: string,
    fields: Readonly<Record<string, string | number>>,
  ): Promise<void> {
    const { poisonQueue, log } = this.options;
    if (!poisonQueue) {
      log.error('message is past maxDequeueCount and has no poison queue: it is not run again', fields);
      return;
    }
    const copy = () => poisonQueue.sendMessage(message.messageText);
    // AddMessageAndCreateIfNotExistsAsync: create the poison queue the first time it is needed.
    await copy().catch(async (error: unknown) => {
      if (!isGone(error)) throw error;
      await poisonQueue.createIfNotExists();
      return copy();
    });
    await this.complete(() => this.options.queue.deleteMessage(message.messageId, popReceipt));
    log.warn('moved to poison queue', { ...fields, poisonQueue: poisonQueue.name });
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
