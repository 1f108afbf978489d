import { app } from '@azure/functions';
import { getConfig } from '../../lib/config';
import { NonErrorRejection } from '../../lib/errors';
import { shutdownTelemetry, startTelemetry } from '../../lib/telemetry/start-telemetry';

/**
 * What every function file shares. A function file registers itself with the real `@azure/functions` calls
 * (`app.storageQueue`, `app.http`, `app.timer`), which the Functions host's Node worker and the local host
 * (lib/local/functions-core.ts) both receive, and wraps its handler in `failsWithError`:
 *
 *   export const myFunction = async (request: HttpRequest, context: InvocationContext) => { ... };
 *   app.http('my-function', { route: 'my/{id}', methods: ['GET'], authLevel: 'function',
 *     handler: failsWithError(myFunction) });
 *
 * Loading this module (every function file imports it) starts telemetry once, before any invocation, and
 * flushes it when the host shuts the worker down (`app.hook.appTerminate`).
 */

/** Marks a handler wrapped by `failsWithError` (test/unit/function-files.test.ts checks every registration). */
const failsWithErrorMark = Symbol.for('statmgr.failsWithError');

/**
 * The handler, except that a failure always rejects with an Error. The Node worker treats a rejection with
 * `null` or `undefined` as a normal completion (`isError` in azure-functions-nodejs-worker), so the host
 * would delete a queue message whose handler failed that way; a thrown string would lose its stack.
 */
export const failsWithError = <Args extends unknown[], Result>(
  handler: (...args: Args) => Promise<Result> | Result,
): ((...args: Args) => Promise<Result>) => {
  const wrapped = async (...args: Args): Promise<Result> => {
    try {
      return await handler(...args);
    } catch (error) {
      throw error instanceof Error ? error : new NonErrorRejection(error);
    }
  };
  return Object.assign(wrapped, { [failsWithErrorMark]: true });
};

startTelemetry(getConfig());
app.hook.appTerminate(() => shutdownTelemetry());
