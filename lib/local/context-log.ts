import type { LogHandler } from '@azure/functions';
import type { Logger } from '../log';

/** Routes `context.log/warn/error` of an invocation to the host's logger, tagged with function and invocation. */
export const contextLogHandler =
  (log: Logger, functionName: string, invocationId: string): LogHandler =>
  (level, ...args) => {
    const text = args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ');
    const fields = { function: functionName, invocationId };
    if (level === 'error' || level === 'critical') log.error(text, fields);
    else if (level === 'warning') log.warn(text, fields);
    else if (level !== 'trace' && level !== 'debug') log.info(text, fields);
  };
