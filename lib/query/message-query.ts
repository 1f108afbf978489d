import { ValidationError } from '../errors';
import { messageTypes, severities, type MessageType, type Severity } from '../message/types';
import { compileRequestCheck } from '../message/validate';
import { utcTimeRange } from './time-range';

/** The filters of `GET /api/status-messages`, validated. */
export interface MessageQuery {
  readonly site?: string;
  readonly machine?: string;
  readonly component?: string;
  /** One or several; a message matches when its severity is any of them. */
  readonly severity?: readonly Severity[];
  readonly messageId?: number;
  readonly messageType?: MessageType;
  /** On the message `time`: at or after (ISO 8601, normalized to UTC). */
  readonly since?: string;
  /** On the message `time`: before. */
  readonly until?: string;
  readonly limit: number;
  /** The previous page's `continuation`, as given out. */
  readonly continuation?: string;
  readonly format?: ExportFormat;
}

export const exportFormats = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export const defaultLimit = 100;
export const maxLimit = 1000;

/** A site code or machine name as the message schema allows it (Cosmos forbids / \ ? # in keys). */
const keyName = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^[^/\\\\?#\\u0000-\\u001f\\u007f]+$',
};

const querySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    site: keyName,
    machine: keyName,
    component: { type: 'string', minLength: 1, maxLength: 128 },
    severity: { type: 'array', minItems: 1, maxItems: severities.length, items: { enum: [...severities] } },
    messageId: { type: 'integer', minimum: 0, maximum: 65535 },
    messageType: { enum: [...messageTypes] },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    limit: { type: 'integer', minimum: 1, maximum: maxLimit },
    continuation: { type: 'string', minLength: 1, maxLength: 16384 },
    format: { enum: [...exportFormats] },
  },
} as const;

const checkQuery = compileRequestCheck<Partial<MessageQuery>>(querySchema, 'query');

/**
 * Validates the query given as strings (`severity` may be a comma list; `queryOf` joins repeated ones with
 * commas); throws ValidationError with one reason per bad parameter, each naming it.
 */
export const parseMessageQuery = (raw: Readonly<Record<string, string>>): MessageQuery => {
  const { severity, ...rest } = raw;
  const input: Record<string, unknown> = { ...rest };
  if (severity !== undefined) {
    input.severity = [...new Set(severity.split(',').map((value) => value.trim().toLowerCase()))];
  }
  const checked = checkQuery(input);
  if (!checked.ok) throw new ValidationError(checked.reasons);
  return utcTimeRange({ limit: defaultLimit, ...checked.value });
};
