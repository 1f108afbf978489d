import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import schema from '../../schema/status-message.schema.json';
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

const describe = (error: ErrorObject, prefix: string): string => {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${fieldPath(prefix, error.instancePath, String(params.missingProperty))}: is required`;
    case 'additionalProperty':
    case 'additionalProperties':
      return `${fieldPath(prefix, error.instancePath, String(params.additionalProperty))}: is not a known field`;
    case 'enum':
      return `${fieldPath(prefix, error.instancePath)}: must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'const':
      return `${fieldPath(prefix, error.instancePath)}: must be "${String(params.allowedValue)}"`;
    case 'format':
      return `${fieldPath(prefix, error.instancePath)}: must be an ISO 8601 date-time with a zone, e.g. 2026-11-25T13:37:00Z`;
    case 'pattern':
      return error.instancePath.endsWith('/id') || error.instancePath.endsWith('/batchId')
        ? `${fieldPath(prefix, error.instancePath)}: must be a UUID`
        : `${fieldPath(prefix, error.instancePath)}: must not be empty or contain control characters or / \\ ? #`;
    case 'propertyNames':
      return `${fieldPath(prefix, error.instancePath)}: keys must be numeric attribute ids (0-99999)`;
    default:
      return `${fieldPath(prefix, error.instancePath)}: ${error.message ?? 'is invalid'}`;
  }
};

const reasonsOf = (errors: ErrorObject[] | null | undefined, prefix: string): string[] => {
  // propertyNames reports each bad key twice (the pattern and the wrapper); keep the clearer one.
  const relevant = (errors ?? []).filter((e) => !(e.keyword === 'pattern' && e.propertyName !== undefined));
  return [...new Set(relevant.map((e) => describe(e, prefix)))];
};

export type Checked<T> = { ok: true; value: T } | { ok: false; reasons: string[] };

export const checkEnvelope = (value: unknown): Checked<Envelope> =>
  envelopeValidator(value)
    ? { ok: true, value: value as Envelope }
    : { ok: false, reasons: reasonsOf(envelopeValidator.errors, '') };

const severityNames: Record<string, StatusMessage['severity']> = {
  Informational: 'info',
  Warning: 'warning',
  Error: 'error',
};

/** Validates one status message (envelope defaults already merged in) and normalizes it. */
export const checkStatusMessage = (value: unknown, prefix = ''): Checked<StatusMessage> => {
  if (!statusMessageValidator(value)) {
    return { ok: false, reasons: reasonsOf(statusMessageValidator.errors, prefix) };
  }
  const message = { ...(value as StatusMessage) };
  message.severity = severityNames[message.severity] ?? message.severity;
  message.messageType ??= 'detail';
  return { ok: true, value: message };
};
