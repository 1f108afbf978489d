import {
  app,
  type HttpHandler,
  type HttpMethod,
  type InvocationContext,
  type StorageQueueHandler,
  type TimerHandler,
} from '@azure/functions';
import { getConfig } from '../../lib/config';
import { shutdownTelemetry, startTelemetry } from '../../lib/telemetry/start-telemetry';

/**
 * Each function file exports its definition and registers it here. `register*` calls `app.*` for the real
 * Functions host and records the definition for the local host: outside the Functions runtime,
 * `@azure/functions` runs in test mode and skips every `app.*` registration, so the local host cannot
 * discover functions through `app`.
 */
export interface QueueFunctionDefinition {
  readonly kind: 'queue';
  readonly name: string;
  readonly queueName: string;
  readonly connection: string;
  readonly handler: StorageQueueHandler;
}

export interface HttpFunctionDefinition {
  readonly kind: 'http';
  readonly name: string;
  readonly route: string;
  readonly methods: readonly HttpMethod[];
  readonly authLevel: 'anonymous' | 'function';
  readonly handler: HttpHandler;
}

export interface TimerFunctionDefinition {
  readonly kind: 'timer';
  readonly name: string;
  /** NCRONTAB schedule for the real host (six fields, seconds first). */
  readonly schedule: string;
  /** The local host does not parse NCRONTAB: it runs the function every this many seconds. */
  readonly localIntervalSeconds: number;
  readonly handler: TimerHandler;
}

export type FunctionDefinition = QueueFunctionDefinition | HttpFunctionDefinition | TimerFunctionDefinition;
export type TerminateHook = (context: InvocationContext) => Promise<void> | void;

const definitions: FunctionDefinition[] = [];
const terminateHooks: TerminateHook[] = [];

export const registerQueueFunction = (definition: QueueFunctionDefinition): void => {
  app.storageQueue(definition.name, {
    queueName: definition.queueName,
    connection: definition.connection,
    handler: definition.handler,
  });
  definitions.push(definition);
};

export const registerHttpFunction = (definition: HttpFunctionDefinition): void => {
  app.http(definition.name, {
    route: definition.route,
    methods: [...definition.methods],
    authLevel: definition.authLevel,
    handler: definition.handler,
  });
  definitions.push(definition);
};

export const registerTimerFunction = (definition: TimerFunctionDefinition): void => {
  app.timer(definition.name, { schedule: definition.schedule, handler: definition.handler });
  definitions.push(definition);
};

/** Runs when the host shuts the worker down (`app.hook.appTerminate`); the local host runs it too. */
export const registerTerminateHook = (hook: TerminateHook): void => {
  app.hook.appTerminate((context) => hook(context.hookData as unknown as InvocationContext));
  terminateHooks.push(hook);
};

export const registeredFunctions = (): readonly FunctionDefinition[] => [...definitions];
export const registeredTerminateHooks = (): readonly TerminateHook[] => [...terminateHooks];

// Telemetry starts when the first function file loads (before any invocation) and is flushed on shutdown.
startTelemetry(getConfig());
registerTerminateHook(() => shutdownTelemetry());
