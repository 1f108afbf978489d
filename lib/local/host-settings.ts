import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors';

/** The `extensions.queues` settings of host.json, with the Functions host's defaults (extension 5.x). */
export interface QueueHostSettings {
  readonly batchSize: number;
  readonly newBatchThreshold: number;
  readonly maxPollingIntervalMs: number;
  readonly visibilityTimeoutMs: number;
  readonly maxDequeueCount: number;
  readonly messageEncoding: 'base64' | 'none';
  /** host.json `functionTimeout` (top level): an invocation running longer fails. */
  readonly functionTimeoutMs: number;
}

/** The Flex Consumption plan's default functionTimeout (30 minutes) when host.json sets none. */
export const defaultFunctionTimeout = '00:30:00';

/** Parses a .NET TimeSpan as host.json writes it: `hh:mm:ss` or `d.hh:mm:ss`, optional fraction. */
export const parseTimeSpanMs = (value: string, setting: string): number => {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value);
  if (!match)
    throw new ConfigError(`host.json ${setting} must be a time span like "00:00:30", got "${value}"`);
  const [, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
  const ms = Number(`0.${fraction || '0'}`) * 1000;
  return (((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 + ms;
};

const intSetting = (raw: unknown, name: string, fallback: number, min: number, max: number): number => {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    throw new ConfigError(`host.json extensions.queues.${name} must be a whole number from ${min} to ${max}`);
  }
  return raw;
};

export const queueHostSettings = (hostJson: unknown): QueueHostSettings => {
  const root = (hostJson ?? {}) as {
    functionTimeout?: unknown;
    extensions?: { queues?: Record<string, unknown> };
  };
  const queues = root.extensions?.queues ?? {};
  const functionTimeout = root.functionTimeout ?? defaultFunctionTimeout;
  if (typeof functionTimeout !== 'string')
    throw new ConfigError('host.json functionTimeout must be a string');
  const functionTimeoutMs = parseTimeSpanMs(functionTimeout, 'functionTimeout');
  if (functionTimeoutMs <= 0) throw new ConfigError('host.json functionTimeout must be longer than zero');
  const batchSize = intSetting(queues.batchSize, 'batchSize', 16, 1, 32);
  const encoding = queues.messageEncoding ?? 'base64';
  if (encoding !== 'base64' && encoding !== 'none') {
    throw new ConfigError('host.json extensions.queues.messageEncoding must be "base64" or "none"');
  }
  const span = (name: string, fallback: string): number => {
    const raw = queues[name] ?? fallback;
    if (typeof raw !== 'string')
      throw new ConfigError(`host.json extensions.queues.${name} must be a string`);
    return parseTimeSpanMs(raw, `extensions.queues.${name}`);
  };
  return Object.freeze({
    batchSize,
    newBatchThreshold: intSetting(
      queues.newBatchThreshold,
      'newBatchThreshold',
      Math.floor(batchSize / 2),
      0,
      1024,
    ),
    maxPollingIntervalMs: span('maxPollingInterval', '00:01:00'),
    visibilityTimeoutMs: span('visibilityTimeout', '00:00:00'),
    maxDequeueCount: intSetting(queues.maxDequeueCount, 'maxDequeueCount', 5, 1, 1000),
    messageEncoding: encoding,
    functionTimeoutMs,
  });
};

export const readHostJson = (path: string): unknown => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (cause) {
    throw new ConfigError(`cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
};
