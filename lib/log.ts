/** Structured log fields: ids, counts and reasons. Never whole payloads. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

type Sink = (level: 'info' | 'warn' | 'error', line: string) => void;

const format = (message: string, fields: LogFields | undefined): string => {
  const parts = Object.entries(fields ?? {})
    .filter(([, value]) => value !== undefined)
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`,
    );
  return parts.length ? `${message} ${parts.join(' ')}` : message;
};

/** A logger that writes `message key=value ...` lines to a sink, with fields bound to every line. */
export const createLogger = (sink: Sink, bound: LogFields = {}): Logger => ({
  info: (message, fields) => sink('info', format(message, { ...bound, ...fields })),
  warn: (message, fields) => sink('warn', format(message, { ...bound, ...fields })),
  error: (message, fields) => sink('error', format(message, { ...bound, ...fields })),
});

export const consoleLogger = (bound: LogFields = {}): Logger =>
  createLogger((level, line) => console[level](`${new Date().toISOString()} ${line}`), bound);
