import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import {
  registeredFunctions,
  registeredTerminateHooks,
  type HttpFunctionDefinition,
  type QueueFunctionDefinition,
  type TimerFunctionDefinition,
} from '../../functions/shared/register';
import type { Config } from '../config';
import { ConfigError, describeError } from '../errors';
import type { Logger } from '../log';
import { names } from '../names';
import { createQueueServiceClient } from '../queue/queue-client';
import { contextLogHandler } from './context-log';
import type { QueueHostSettings } from './host-settings';
import { createHttpServer } from './http-server';
import { QueueListener } from './queue-listener';

export interface LocalHostOptions {
  /** Folder of the compiled function files: the same files `package.json` `main` points the real host at. */
  readonly functionsDir: string;
  readonly queueSettings: QueueHostSettings;
  readonly config: Config;
  readonly apiKey: string;
  readonly log: Logger;
}

/** Loads every function file, as the real host does with the `main` glob, and returns what they registered. */
export const loadFunctions = (
  functionsDir: string,
): readonly (QueueFunctionDefinition | HttpFunctionDefinition | TimerFunctionDefinition)[] => {
  const files = readdirSync(functionsDir)
    .filter((file) => file.endsWith('.js'))
    .sort();
  // The real host loads the `main` glob the same way: each file registers its function when it is loaded.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const file of files) require(join(functionsDir, file));
  return registeredFunctions();
};

/** Runs a timer function every `localIntervalSeconds` (the local host does not parse NCRONTAB schedules). */
const startTimer = (definition: TimerFunctionDefinition, log: Logger): NodeJS.Timeout => {
  const intervalMs = definition.localIntervalSeconds * 1000;
  let last = new Date();
  const timer = setInterval(() => {
    const invocationId = randomUUID();
    const now = new Date();
    const context = new InvocationContext({
      invocationId,
      functionName: definition.name,
      logHandler: contextLogHandler(log, definition.name, invocationId),
    });
    const status = {
      last: last.toISOString(),
      next: new Date(now.getTime() + intervalMs).toISOString(),
      lastUpdated: now.toISOString(),
    };
    last = now;
    void Promise.resolve()
      .then(() =>
        definition.handler(
          { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: status },
          context,
        ),
      )
      .catch((error: unknown) =>
        log.warn('timer function failed', {
          function: definition.name,
          invocationId,
          error: describeError(error),
        }),
      );
  }, intervalMs);
  timer.unref();
  return timer;
};

/** A stand-in for `func start`: the same function definitions, queue rules from host.json, HTTP on a port. */
export class LocalHost {
  private constructor(
    private readonly listeners: readonly QueueListener[],
    private readonly server: Server,
    private readonly log: Logger,
    private readonly timers: readonly NodeJS.Timeout[] = [],
  ) {}

  static async start(options: LocalHostOptions): Promise<LocalHost> {
    const { config, log } = options;
    const definitions = loadFunctions(options.functionsDir);
    const service = createQueueServiceClient(config.storage);
    const listeners = definitions
      .filter((definition): definition is QueueFunctionDefinition => definition.kind === 'queue')
      .map((definition) => {
        if (definition.connection !== names.storageConnection) {
          throw new ConfigError(`${definition.name}: connection ${definition.connection} is not configured`);
        }
        return new QueueListener({
          queue: service.getQueueClient(definition.queueName),
          poisonQueue: service.getQueueClient(`${definition.queueName}-poison`),
          settings: options.queueSettings,
          lockSeconds: config.queueLockSeconds,
          log,
          invoke: async (payload, triggerMetadata, invocationId) => {
            const context = new InvocationContext({
              invocationId,
              functionName: definition.name,
              triggerMetadata,
              logHandler: contextLogHandler(log, definition.name, invocationId),
            });
            await definition.handler(payload, context);
          },
        });
      });
    const httpDefinitions = definitions.filter((d): d is HttpFunctionDefinition => d.kind === 'http');
    const server = createHttpServer(httpDefinitions, options.apiKey, log);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.httpPort, '127.0.0.1', () => resolve());
    });
    for (const listener of listeners) listener.start();
    const timers = definitions
      .filter((d): d is TimerFunctionDefinition => d.kind === 'timer')
      .map((definition) => startTimer(definition, log));
    log.info('functions loaded', { functions: definitions.map((d) => `${d.name}(${d.kind})`).join(',') });
    return new LocalHost(listeners, server, log, timers);
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
    for (const timer of this.timers) clearInterval(timer);
    const unfinished = (await Promise.all(this.listeners.map((listener) => listener.stop(graceMs)))).reduce(
      (sum, n) => sum + n,
      0,
    );
    for (const hook of registeredTerminateHooks()) {
      try {
        await hook(new InvocationContext({ functionName: 'appTerminate' }));
      } catch (error) {
        this.log.warn('appTerminate hook failed', { error: describeError(error) });
      }
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    return unfinished;
  }
}
