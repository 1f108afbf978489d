import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../config';
import { ConfigError, describeError } from '../errors';
import type { Logger } from '../log';
import { names } from '../names';
import { createQueueServiceClient } from '../queue/queue-client';
import { coreLogHandler } from './context-log';
import {
  installFunctionsCore,
  queueTypedData,
  type FunctionsCore,
  type RegisteredFunction,
} from './functions-core';
import type { QueueHostSettings } from './host-settings';
import { createHttpServer } from './http-server';
import { nextOccurrence, parseNcrontab } from './ncrontab';
import { poisonQueueNameOf, QueueListener, type TriggerMetadata } from './queue-listener';

export interface LocalHostOptions {
  /** Folder of the compiled function files: the same files `package.json` `main` points the real host at. */
  readonly functionsDir: string;
  readonly queueSettings: QueueHostSettings;
  readonly config: Config;
  readonly apiKey: string;
  readonly log: Logger;
  /** A Storage error the Functions host treats as fatal: the caller stops the process, non-zero. */
  readonly onFatal: (error: unknown) => void;
}

/**
 * Loads every function file, as the worker does with the `main` glob, after providing the runtime module
 * `@azure/functions-core`: each file's `app.*` calls register with it. Returns what they registered.
 */
export const loadFunctions = (functionsDir: string): FunctionsCore => {
  const core = installFunctionsCore();
  const files = readdirSync(functionsDir)
    .filter((file) => file.endsWith('.js'))
    .sort();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const file of files) require(join(functionsDir, file));
  return core;
};

/** Trigger metadata as the host sends it (PascalCase typed data); the library turns it into camelCase. */
const queueTriggerMetadata = (metadata: TriggerMetadata) =>
  Object.fromEntries(
    Object.entries(metadata).map(([key, value]) => [
      key.charAt(0).toUpperCase() + key.slice(1),
      { json: JSON.stringify(value) },
    ]),
  );

/** Runs a timer function on its NCRONTAB schedule (UTC), one run at a time, as the host does. */
const startTimer = (core: FunctionsCore, fn: RegisteredFunction, log: Logger): (() => void) => {
  const schedule = parseNcrontab(String(fn.trigger.schedule));
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let last = new Date();
  const arm = (): void => {
    const next = nextOccurrence(schedule, new Date());
    if (!next || stopped) return;
    timer = setTimeout(() => void fire(next), next.getTime() - Date.now());
    timer.unref();
  };
  const fire = async (due: Date): Promise<void> => {
    const invocationId = randomUUID();
    const following = nextOccurrence(schedule, due);
    const input = {
      Schedule: { AdjustForDST: false },
      ScheduleStatus: {
        Last: last.toISOString(),
        Next: following?.toISOString(),
        LastUpdated: due.toISOString(),
      },
      IsPastDue: Date.now() - due.getTime() > 1000,
    };
    last = due;
    try {
      await core.invoke(
        fn,
        invocationId,
        { json: JSON.stringify(input) },
        {},
        coreLogHandler(log, fn.metadata.name, invocationId),
      );
    } catch (error) {
      log.warn('timer function failed', {
        function: fn.metadata.name,
        invocationId,
        error: describeError(error),
      });
    }
    arm();
  };
  arm();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
};

const triggerKinds = { queue: 'queueTrigger', http: 'httpTrigger', timer: 'timerTrigger' } as const;

/** A stand-in for `func start`: the same registrations, queue rules from host.json, HTTP on a port. */
export class LocalHost {
  private constructor(
    private readonly core: FunctionsCore,
    private readonly listeners: readonly QueueListener[],
    private readonly server: Server,
    private readonly log: Logger,
    private readonly stopTimers: readonly (() => void)[],
  ) {}

  static async start(options: LocalHostOptions): Promise<LocalHost> {
    const { config, log } = options;
    const core = loadFunctions(options.functionsDir);
    const known = new Set<string>(Object.values(triggerKinds));
    const unknown = core.functions.find((fn) => !known.has(fn.trigger.type));
    if (unknown) {
      throw new ConfigError(
        `${unknown.metadata.name}: the local host runs no ${unknown.trigger.type} functions`,
      );
    }
    const ofKind = (type: string): RegisteredFunction[] =>
      core.functions.filter((fn) => fn.trigger.type === type);
    const service = createQueueServiceClient(config.storage);
    const listeners = ofKind(triggerKinds.queue).map((fn) => {
      const queueName = String(fn.trigger.queueName);
      if (fn.trigger.connection !== names.storageConnection) {
        throw new ConfigError(
          `${fn.metadata.name}: connection ${String(fn.trigger.connection)} is not configured`,
        );
      }
      queueTypedData(fn.trigger, Buffer.alloc(0)); // a dataType the local host does not model stops it here
      const poisonName = poisonQueueNameOf(queueName);
      return new QueueListener({
        queue: service.getQueueClient(queueName),
        poisonQueue: poisonName === undefined ? undefined : service.getQueueClient(poisonName),
        settings: options.queueSettings,
        lockSeconds: config.queueLockSeconds,
        log,
        onFatal: options.onFatal,
        invoke: async (body, metadata, invocationId) => {
          await core.invoke(
            fn,
            invocationId,
            queueTypedData(fn.trigger, body),
            queueTriggerMetadata(metadata),
            coreLogHandler(log, fn.metadata.name, invocationId),
          );
        },
      });
    });
    const server = createHttpServer(core, ofKind(triggerKinds.http), options.apiKey, log);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.httpPort, '127.0.0.1', () => resolve());
    });
    for (const listener of listeners) listener.start();
    const stopTimers = ofKind(triggerKinds.timer).map((fn) => startTimer(core, fn, log));
    log.info('functions loaded', {
      functions: core.functions.map((fn) => `${fn.metadata.name}(${fn.trigger.type})`).join(','),
    });
    return new LocalHost(core, listeners, server, log, stopTimers);
  }

  get httpPort(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get inFlight(): number {
    return this.listeners.reduce((sum, listener) => sum + listener.inFlightCount, 0);
  }

  /**
   * Drains: stops fetching, lets in-flight invocations finish within graceMs, runs the appTerminate hooks and
   * closes the HTTP server. Unfinished messages are left to their lock and reappear in the queue.
   */
  async stop(graceMs: number): Promise<number> {
    for (const stopTimer of this.stopTimers) stopTimer();
    const unfinished = (await Promise.all(this.listeners.map((listener) => listener.stop(graceMs)))).reduce(
      (sum, n) => sum + n,
      0,
    );
    await this.core.runHooks('appTerminate', (error) =>
      this.log.warn('appTerminate hook failed', { error: describeError(error) }),
    );
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    return unfinished;
  }
}
