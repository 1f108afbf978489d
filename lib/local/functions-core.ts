import Module from 'node:module';
import { ConfigError } from '../errors';

/**
 * The local host's `@azure/functions-core`: the module the Node worker provides at run time and that
 * `@azure/functions` looks for (`tryGetCoreApiLazy`). When it can be loaded the library leaves test mode and
 * hands every `app.http` / `app.storageQueue` / `app.timer` registration and every `app.hook.*` to it, and
 * sets its programming model, exactly as in the worker (azure-functions-nodejs-worker `setupCoreModule`:
 * a proxy on `Module.prototype.require` that answers `@azure/functions-core`). Only the parts the library
 * calls are here; the types are the subset of the worker's `@azure/functions-core` declarations we use.
 */

/** One binding as the library describes it (`toCoreFunctionMetadata`): trigger options plus type/direction. */
export interface BindingInfo {
  readonly type: string;
  readonly direction: 'in' | 'out';
  readonly [option: string]: unknown;
}

export interface FunctionMetadata {
  readonly name: string;
  readonly bindings: Readonly<Record<string, BindingInfo>>;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

/** The RPC typed data the host sends the worker; the library converts it (`fromRpcTypedData`). */
export type TypedData = { string: string } | { json: string } | { bytes: Uint8Array } | { http: unknown };

/**
 * The typed data the Functions host sends the worker for a queue trigger body (the bytes after messageEncoding).
 * The binding's `dataType` picks the trigger parameter's type (host: GeneralScriptBindingProvider.ParseDataType,
 * then JobHostMetadataProvider.GetDefaultType): `binary` is byte[], which the queues extension fills with the
 * message body (StorageQueueMessageToByteArrayConverter) and gRPC carries as `bytes` (ToRpc); the library
 * hands the handler a Buffer. None (or `string`) is a string (StorageQueueMessageToStringConverter), which the
 * library JSON-parses when it can (fromRpcTypedData). Other data types cannot bind a queue trigger.
 */
export const queueTypedData = (trigger: BindingInfo, body: Buffer): TypedData => {
  // The host parses it as an enum, ignoring case (Enum.TryParse<DataType>(..., true, ...)).
  const dataType = typeof trigger.dataType === 'string' ? trigger.dataType.toLowerCase() : trigger.dataType;
  if (dataType === 'binary') return { bytes: body };
  if (dataType === undefined || dataType === 'string') return { string: body.toString('utf8') };
  throw new ConfigError(
    `queue trigger dataType must be "string" or "binary", got ${JSON.stringify(trigger.dataType)}`,
  );
};

export interface CoreInvocationContext {
  readonly invocationId: string;
  readonly request: {
    readonly invocationId: string;
    readonly inputData: readonly { readonly name: string; readonly data: TypedData }[];
    readonly triggerMetadata: Readonly<Record<string, TypedData>>;
  };
  readonly metadata: FunctionMetadata;
  state?: string;
  log(level: string, category: string, message: string): void;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
}

interface ProgrammingModel {
  readonly name: string;
  readonly version: string;
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel;
}

export type HookCallback = (context: { hookData: Record<string, unknown> }) => unknown;

export interface RegisteredFunction {
  readonly metadata: FunctionMetadata;
  readonly callback: FunctionCallback;
  /** The trigger binding: its name (the input's name) and options (queueName, route, schedule, ...). */
  readonly triggerName: string;
  readonly trigger: BindingInfo;
}

class Disposable {
  constructor(private readonly callOnDispose: () => void) {}
  dispose(): void {
    this.callOnDispose();
  }
}

/** What the function files registered through `@azure/functions` while they were loaded. */
export class FunctionsCore {
  readonly functions: RegisteredFunction[] = [];
  readonly hooks = new Map<string, HookCallback[]>();
  private model: ProgrammingModel | undefined;

  /** The API object `require('@azure/functions-core')` returns (names as in the worker's `setupCoreModule`). */
  readonly api = {
    version: 'statmgr-local',
    hostVersion: '4.0.0-statmgr-local',
    setProgrammingModel: (model: ProgrammingModel): void => void (this.model = model),
    getProgrammingModel: (): ProgrammingModel | undefined => this.model,
    registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback): Disposable => {
      if (this.functions.some((fn) => fn.metadata.name === metadata.name)) {
        throw new ConfigError(`a function named "${metadata.name}" is already registered`);
      }
      const trigger = Object.entries(metadata.bindings).find(
        ([, binding]) => binding.direction === 'in' && binding.type.endsWith('Trigger'),
      );
      if (!trigger) throw new ConfigError(`function "${metadata.name}" has no trigger binding`);
      const entry = { metadata, callback, triggerName: trigger[0], trigger: trigger[1] };
      this.functions.push(entry);
      return new Disposable(() => this.functions.splice(this.functions.indexOf(entry), 1));
    },
    registerHook: (hookName: string, callback: HookCallback): Disposable => {
      const list = this.hooks.get(hookName) ?? [];
      this.hooks.set(hookName, [...list, callback]);
      return new Disposable(() =>
        this.hooks.set(
          hookName,
          (this.hooks.get(hookName) ?? []).filter((hook) => hook !== callback),
        ),
      );
    },
    log: (): void => undefined,
    Disposable,
  };

  /**
   * Runs one invocation as the worker's `InvocationHandler.handleEvent` does: the library's invocation model
   * builds the arguments from the typed data (a queue body arrives as a string and the library JSON-parses
   * it), then runs the callback. As in the worker (`isError`), only a rejection with something other than
   * `null`/`undefined` is a failure: a handler that rejects with `undefined` has succeeded.
   */
  async invoke(
    fn: RegisteredFunction,
    invocationId: string,
    input: TypedData,
    triggerMetadata: Readonly<Record<string, TypedData>>,
    log: (level: string, message: string) => void,
  ): Promise<unknown> {
    if (!this.model) throw new ConfigError('no programming model was set (is @azure/functions loaded?)');
    const coreContext: CoreInvocationContext = {
      invocationId,
      request: { invocationId, inputData: [{ name: fn.triggerName, data: input }], triggerMetadata },
      metadata: fn.metadata,
      log: (level, _category, message) => log(level, message),
    };
    const model = this.model.getInvocationModel(coreContext);
    const { context, inputs } = await model.getArguments();
    let error: unknown = null;
    let result: unknown;
    coreContext.state = 'invocation';
    try {
      result = await model.invokeFunction(context, inputs, fn.callback);
    } catch (caught) {
      error = caught;
    } finally {
      coreContext.state = undefined;
    }
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrown as the handler threw it
    if (error !== null && error !== undefined) throw error;
    return result;
  }

  /** Runs the hooks registered under `hookName` (e.g. `appTerminate`) one after the other. */
  async runHooks(hookName: string, onError: (error: unknown) => void): Promise<void> {
    for (const hook of this.hooks.get(hookName) ?? []) {
      try {
        await hook({ hookData: {} });
      } catch (error) {
        onError(error);
      }
    }
  }
}

let installed: FunctionsCore | undefined;

/**
 * Makes `require('@azure/functions-core')` answer with the local host's core API in this process (once), as
 * the worker does before it loads the app. Call it before the function files are loaded.
 */
export const installFunctionsCore = (): FunctionsCore => {
  if (installed) return installed;
  const core = new FunctionsCore();
  // eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped, and called with its `this` below
  Module.prototype.require = new Proxy(Module.prototype.require, {
    apply(target, thisArg, args: [string]) {
      if (args[0] === '@azure/functions-core') return core.api;
      return Reflect.apply(target, thisArg, args) as unknown;
    },
  });
  installed = core;
  return core;
};
