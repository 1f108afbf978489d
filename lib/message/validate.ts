import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import schema from '../../schema/status-message.schema.json';
import { boundReasons } from '../errors';
import type { Envelope, StatusMessage } from './types';

const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: false });
addFormats(ajv, ['date-time']);
ajv.addSchema(schema, 'statmgr');

const compiled = (ref: string): ValidateFunction => {
  const validate = ajv.getSchema(`statmgr#/definitions/${ref}`);
  if (!validate) throw new Error(`schema definition ${ref} is missing`);
  return validate;
};

const envelopeValidator = compiled('envelope');
const statusMessageValidator = compiled('statusMessage');

/** `/messages/2/severity` becomes `messages[2].severity`. */
const fieldPath = (prefix: string, instancePath: string, extra?: string): string => {
  const parts = instancePath.split('/').filter(Boolean);
  if (extra) parts.push(extra);
  let path = prefix;
  for (const part of parts) {
    const name = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(name) ? `[${name}]` : path ? `.${name}` : name;
  }
  return path || 'body';
};

const typeNames: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  object: 'an object',
  array: 'an array',
  boolean: 'true or false',
};

/** What was received, short and on one line: `"fatal"`, `a number (1.5)`, `an array`. */
export const shown = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    return value.length > 40
      ? `${JSON.stringify(value.slice(0, 40))}... (${value.length} characters)`
      : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
};

/** The rule a pattern encodes, in words (keyed by the pattern in the schema). */
const patternRules: Record<string, string> = {
  [schema.definitions.uuid.pattern]: 'must be a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e',
  [schema.definitions.name.pattern]:
    'must not contain control characters or any of / \\ ? # (Cosmos DB forbids them in keys)',
  '^[0-9]{1,5}$': 'must be a numeric attribute id (0 to 99999)',
};

/** One reason per broken rule: the field, the rule, and what was received. */
const describe = (error: ErrorObject, prefix: string, value: unknown): string => {
  const params = error.params as Record<string, unknown>;
  const at = fieldPath(prefix, error.instancePath);
  const got = `got ${shown(value)}`;
  switch (error.keyword) {
    case 'required':
      return `${fieldPath(prefix, error.instancePath, String(params.missingProperty))}: is required`;
    case 'additionalProperties':
      return `${fieldPath(prefix, error.instancePath, String(params.additionalProperty))}: is not a known field`;
    case 'type':
      return `${at}: must be ${typeNames[String(params.type)] ?? String(params.type)}, ${got}`;
    case 'enum':
      return `${at}: must be one of ${(params.allowedValues as unknown[]).join(', ')}; ${got}`;
    case 'const':
      return `${at}: must be "${String(params.allowedValue)}"; ${got}`;
    case 'format':
      return `${at}: must be an ISO 8601 date-time with a zone, e.g. 2026-11-25T13:37:00Z; ${got}`;
    case 'pattern':
      return `${at}: ${patternRules[String(params.pattern)] ?? `must match ${String(params.pattern)}`}; ${got}`;
    case 'propertyNames':
      return `${at}: keys must be numeric attribute ids (0 to 99999); got "${String(params.propertyName)}"`;
    case 'minLength':
      return params.limit === 1
        ? `${at}: must not be empty`
        : `${at}: must be at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `${at}: must be at most ${String(params.limit)} characters, got ${(value as string).length}`;
    case 'minItems':
      return `${at}: must have at least ${String(params.limit)} item(s), got ${(value as unknown[]).length}`;
    case 'maxItems':
      return `${at}: must have at most ${String(params.limit)} items, got ${(value as unknown[]).length}`;
    case 'maxProperties':
      return `${at}: must have at most ${String(params.limit)} entries, got ${Object.keys(value as object).length}`;
    case 'minimum':
      return `${at}: must be at least ${String(params.limit)}, ${got}`;
    case 'maximum':
      return `${at}: must be at most ${String(params.limit)}, ${got}`;
    case 'anyOf':
      return `${at}: must be a string (at most 1024 characters) or a number, ${got}`;
    default:
      return `${at}: ${error.message ?? 'is invalid'}`;
  }
};

/** The value an error points at (`/messages/2/severity`), to say what was received. */
const valueAt = (root: unknown, instancePath: string): unknown => {
  let current = root;
  for (const part of instancePath.split('/').filter(Boolean)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
};

/**
 * Turns ajv errors into reasons a person can act on, each naming the field and the rule, e.g.
 * `messages[2].severity: must be one of info, warning, error, ...; got "fatal"`. At most 20, then
 * `and N more reasons` (a 60 KiB array can break one rule per element).
 */
export const reasonsOf = (
  errors: ErrorObject[] | null | undefined,
  prefix: string,
  root: unknown,
): string[] => {
  const all = errors ?? [];
  // propertyNames reports each bad key twice (the pattern and the wrapper); keep the clearer one. An anyOf
  // failure also reports each branch; its own summary says it all.
  const anyOfPaths = new Set(all.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const relevant = all.filter(
    (e) =>
      !(e.keyword === 'pattern' && e.propertyName !== undefined) &&
      !(e.keyword !== 'anyOf' && anyOfPaths.has(e.instancePath)),
  );
  return boundReasons([...new Set(relevant.map((e) => describe(e, prefix, valueAt(root, e.instancePath))))]);
};

export type Checked<T> = { ok: true; value: T } | { ok: false; reasons: string[] };

/**
 * Compiles another published schema (or one of its definitions) in `schema/` (added once under `key`) with the same
 * strict ajv, for checks that word their reasons themselves with `reasonsOf`.
 */
export const compileSchemaDefinition = (published: object, key: string, ref?: string): ValidateFunction => {
  if (!ajv.getSchema(key)) ajv.addSchema(published, key);
  const validate = ajv.getSchema(ref === undefined ? key : `${key}#/definitions/${ref}`);
  if (!validate) throw new Error(`schema definition ${key}#${ref ?? ''} is missing`);
  return validate;
};

/** HTTP queries and bodies: strings such as `?limit=20` are coerced to the schema's types. */
const requestAjv = new Ajv({ allErrors: true, strict: true, coerceTypes: true });
addFormats(requestAjv, ['date-time']);

/** Compiles the JSON Schema of an HTTP query or body into a check with the same reason format. */
export const compileRequestCheck = <T>(
  requestSchema: object,
  prefix: string,
): ((value: unknown) => Checked<T>) => {
  const validate = requestAjv.compile(requestSchema);
  return (value) =>
    validate(value)
      ? { ok: true, value: value as T }
      : { ok: false, reasons: reasonsOf(validate.errors, prefix, value) };
};

/** The schema's UUID rule, for request schemas that take ids. */
export const uuidSchema = { type: 'string', pattern: schema.definitions.uuid.pattern } as const;

export const checkEnvelope = (value: unknown): Checked<Envelope> =>
  envelopeValidator(value)
    ? { ok: true, value: value as Envelope }
    : { ok: false, reasons: reasonsOf(envelopeValidator.errors, '', value) };

const severityNames: Record<string, StatusMessage['severity']> = {
  Informational: 'info',
  Warning: 'warning',
  Error: 'error',
};

/**
 * Validates one status message (envelope defaults already merged in) and normalizes it: a copy, unless
 * `owned` says the value is a fresh object of the caller's, which is then normalized in place.
 */
export const checkStatusMessage = (value: unknown, prefix = '', owned = false): Checked<StatusMessage> => {
  if (!statusMessageValidator(value)) {
    return { ok: false, reasons: reasonsOf(statusMessageValidator.errors, prefix, value) };
  }
  const message = owned ? (value as StatusMessage) : { ...(value as StatusMessage) };
  message.severity = severityNames[message.severity] ?? message.severity;
  message.messageType ??= 'detail';
  // Stored as UTC with milliseconds, so that queries can order and bound `time` as text (2026-...Z).
  const utc = Date.parse(message.time);
  if (!Number.isNaN(utc)) message.time = new Date(utc).toISOString();
  return { ok: true, value: message };
};
