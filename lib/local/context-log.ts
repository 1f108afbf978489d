import type { Logger } from '../log';

/**
 * Routes an invocation's log lines (`context.log/warn/error`, which the library hands to the core context's
 * `log(level, category, message)` already formatted) to the host's logger, tagged with function and
 * invocation. Levels are the worker's RPC levels: trace, debug, information, warning, error, critical.
 */
export const coreLogHandler =
  (log: Logger, functionName: string, invocationId: string) =>
  (level: string, message: string): void => {
    const fields = { function: functionName, invocationId };
    if (level === 'error' || level === 'critical') log.error(message, fields);
    else if (level === 'warning') log.warn(message, fields);
    else if (level !== 'trace' && level !== 'debug') log.info(message, fields);
  };
