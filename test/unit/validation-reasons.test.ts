import rulesSchema from '../../schema/status-filter-rules.schema.json';
import {
  checkEnvelope,
  checkStatusMessage,
  compileRequestCheck,
  compileSchemaDefinition,
  shown,
  uuidSchema,
} from '../../lib/message/validate';

/**
 * The reasons a sender reads when a message breaks the contract: each names the field (the exact path),
 * the rule, and what was received.
 */

const valid = {
  time: '2026-11-25T13:37:00Z',
  severity: 'info',
  messageId: 1102,
  component: 'SMS_DISTRIBUTION_MANAGER',
  site: 'P01',
  machine: 'WS-0042',
};

const reasons = (message: Record<string, unknown>, prefix = ''): string[] => {
  const checked = checkStatusMessage({ ...valid, ...message }, prefix);
  return checked.ok ? [] : checked.reasons;
};

const envelopeReasons = (envelope: Record<string, unknown>): string[] => {
  const checked = checkEnvelope({
    schema: 'statmgr/v1',
    batchId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    messages: [valid],
    ...envelope,
  });
  return checked.ok ? [] : checked.reasons;
};

describe('validation reasons, exactly', () => {
  it('names every missing field under the prefix, in the schema order', () => {
    const checked = checkStatusMessage({}, 'messages[2]');
    expect(checked.ok ? [] : checked.reasons).toEqual([
      'messages[2].time: is required',
      'messages[2].severity: is required',
      'messages[2].messageId: is required',
      'messages[2].component: is required',
      'messages[2].site: is required',
      'messages[2].machine: is required',
    ]);
  });

  it('names an unknown field, and the whole body when it is not an object', () => {
    expect(reasons({ colour: 'red' })).toEqual(['colour: is not a known field']);
    expect(reasons({ colour: 'red' }, 'messages[0]')).toEqual(['messages[0].colour: is not a known field']);
    const notObject = checkStatusMessage([1, 2]);
    expect(notObject.ok ? [] : notObject.reasons).toEqual(['body: must be an object, got an array of 2']);
    const nothing = checkStatusMessage(null, 'messages[4]');
    expect(nothing.ok ? [] : nothing.reasons).toEqual(['messages[4]: must be an object, got null']);
  });

  it('words a wrong type and shows what was received', () => {
    expect(reasons({ messageId: '7' })).toEqual(['messageId: must be a whole number, got "7"']);
    expect(reasons({ processId: 1.5 })).toEqual(['processId: must be a whole number, got 1.5']);
    expect(reasons({ component: 5 })).toEqual(['component: must be a string, got 5']);
    expect(reasons({ insertionStrings: 'x' })).toEqual(['insertionStrings: must be an array, got "x"']);
    expect(reasons({ attributes: [] })).toEqual(['attributes: must be an object, got an array of 0']);
    expect(reasons({ text: { a: 1 } })).toEqual(['text: must be a string, got an object']);
    expect(reasons({ module: false })).toEqual(['module: must be a string, got false']);
  });

  it('lists the allowed values of an enum and the one constant', () => {
    expect(reasons({ severity: 'fatal' })).toEqual([
      'severity: must be one of info, warning, error, Informational, Warning, Error; got "fatal"',
    ]);
    expect(envelopeReasons({ schema: 'statmgr/v2' })).toEqual([
      'schema: must be "statmgr/v1"; got "statmgr/v2"',
    ]);
  });

  it('explains the date-time format and the patterns in words', () => {
    expect(reasons({ time: '2026-11-25T13:37:00' })).toEqual([
      'time: must be an ISO 8601 date-time with a zone, e.g. 2026-11-25T13:37:00Z; got "2026-11-25T13:37:00"',
    ]);
    expect(reasons({ id: 'nope' })).toEqual([
      'id: must be a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e; got "nope"',
    ]);
    expect(reasons({ site: 'P/01' })).toEqual([
      'site: must not contain control characters or any of / \\ ? # (Cosmos DB forbids them in keys); got "P/01"',
    ]);
    expect(reasons({ attributes: { abc: 'x' } })).toEqual([
      'attributes: keys must be numeric attribute ids (0 to 99999); got "abc"',
    ]);
  });

  it('gives lengths, counts and bounds with the received size', () => {
    expect(reasons({ component: '' })).toEqual(['component: must not be empty']);
    expect(reasons({ component: 'c'.repeat(129) })).toEqual([
      'component: must be at most 128 characters, got 129',
    ]);
    expect(reasons({ insertionStrings: Array<string>(11).fill('s') })).toEqual([
      'insertionStrings: must have at most 10 items, got 11',
    ]);
    expect(reasons({ insertionStrings: ['ok', 'ok', 'ok', 'x'.repeat(4097)] }, 'messages[2]')).toEqual([
      'messages[2].insertionStrings[3]: must be at most 4096 characters, got 4097',
    ]);
    const attributes = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [String(i), 'v']));
    expect(reasons({ attributes })).toEqual(['attributes: must have at most 32 entries, got 33']);
    expect(reasons({ messageId: -1 })).toEqual(['messageId: must be at least 0, got -1']);
    expect(reasons({ messageId: 65536 })).toEqual(['messageId: must be at most 65535, got 65536']);
    expect(envelopeReasons({ messages: [] })).toEqual(['messages: must have at least 1 item(s), got 0']);
    expect(envelopeReasons({ messages: Array<unknown>(101).fill(valid) })).toEqual([
      'messages: must have at most 100 items, got 101',
    ]);
  });

  it('words an attribute value once (not once per anyOf branch), at its key, even one with / or ~', () => {
    expect(reasons({ attributes: { '401': true } })).toEqual([
      'attributes[401]: must be a string (at most 1024 characters) or a number, got true',
    ]);
    expect(reasons({ attributes: { '401': 'ok', '402': null } })).toEqual([
      'attributes[402]: must be a string (at most 1024 characters) or a number, got null',
    ]);
    // a key with / or ~ is escaped in the JSON pointer (~1, ~0): the reason shows it as sent, with its value
    const odd = reasons({ attributes: { 'a/b': [1], 'c~d': { x: 1 } } });
    expect(odd).toContain(
      'attributes.a/b: must be a string (at most 1024 characters) or a number, got an array of 1',
    );
    expect(odd).toContain(
      'attributes.c~d: must be a string (at most 1024 characters) or a number, got an object',
    );
  });

  it('reports each broken rule once, at most 20, for a message that breaks many', () => {
    const many = reasons({ insertionStrings: Array<number>(30).fill(0), attributes: { x: 1, y: 2 } });
    expect(many).toHaveLength(21);
    expect(many[0]).toBe('insertionStrings: must have at most 10 items, got 30');
    expect(many[1]).toBe('insertionStrings[0]: must be a string, got 0');
    expect(many[20]).toBe('and 13 more reasons');
  });
});

describe('shown: what was received, short and on one line', () => {
  it('shows strings as JSON, cut after 40 characters with their length', () => {
    expect(shown('x'.repeat(40))).toBe(JSON.stringify('x'.repeat(40)));
    expect(shown('x'.repeat(41))).toBe(`${JSON.stringify('x'.repeat(40))}... (41 characters)`);
    expect(shown('line\nbreak')).toBe('"line\\nbreak"');
  });

  it('names other values by kind', () => {
    expect(shown(null)).toBe('null');
    expect(shown([1, 2, 3])).toBe('an array of 3');
    expect(shown({ a: 1 })).toBe('an object');
    expect(shown(2.5)).toBe('2.5');
    expect(shown(true)).toBe('true');
    expect(shown(undefined)).toBe('undefined');
  });
});

describe('checkStatusMessage: normalization', () => {
  it('stores SMS severity names in lower case, defaults messageType to detail and time to UTC', () => {
    const checked = checkStatusMessage({ ...valid, severity: 'Warning', time: '2026-11-25T14:37:00+01:00' });
    expect(checked).toEqual({
      ok: true,
      value: { ...valid, severity: 'warning', messageType: 'detail', time: '2026-11-25T13:37:00.000Z' },
    });
    const audit = checkStatusMessage({ ...valid, severity: 'Informational', messageType: 'audit' });
    expect(audit.ok && [audit.value.severity, audit.value.messageType]).toEqual(['info', 'audit']);
    const error = checkStatusMessage({ ...valid, severity: 'Error' });
    expect(error.ok && error.value.severity).toBe('error');
  });

  it('normalizes a copy, unless the caller owns the value (then in place)', () => {
    const given = { ...valid, severity: 'Error' };
    const copy = checkStatusMessage(given);
    expect(copy.ok && copy.value).not.toBe(given);
    expect(given.severity).toBe('Error');
    expect(given).not.toHaveProperty('messageType');
    const owned = checkStatusMessage(given, '', true);
    expect(owned.ok && owned.value).toBe(given);
    expect(given.severity).toBe('error');
  });
});

describe('request checks (HTTP queries and bodies)', () => {
  const check = compileRequestCheck<{ limit?: number; id?: string; flag?: boolean; code?: string }>(
    {
      type: 'object',
      properties: {
        limit: { type: 'integer', minimum: 1, multipleOf: 5 },
        ratio: { type: 'number' },
        flag: { type: 'boolean' },
        code: { type: 'string', minLength: 3, pattern: '^[A-Z]+$' },
        id: uuidSchema,
      },
      additionalProperties: false,
    },
    'query',
  );

  it('coerces query strings to the schema types', () => {
    expect(check({ limit: '20', flag: 'true' })).toEqual({ ok: true, value: { limit: 20, flag: true } });
  });

  it('words the reasons the same way, under the prefix', () => {
    const failed = check({ ratio: 'abc', flag: 'maybe', code: 'ab', id: 'x', other: 1 });
    expect(failed.ok ? [] : failed.reasons).toEqual([
      'query.other: is not a known field',
      'query.ratio: must be a number, got "abc"',
      'query.flag: must be true or false, got "maybe"',
      'query.code: must be at least 3 characters',
      'query.code: must match ^[A-Z]+$; got "ab"',
      'query.id: must be a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e; got "x"',
    ]);
    const notMultiple = check({ limit: '7' });
    expect(notMultiple.ok ? [] : notMultiple.reasons).toEqual(['query.limit: must be multiple of 5']);
  });
});

describe('compileSchemaDefinition', () => {
  it('adds a published schema once and refuses a definition it does not have', () => {
    const whole = compileSchemaDefinition(rulesSchema, 'statmgr-rules');
    expect(compileSchemaDefinition(rulesSchema, 'statmgr-rules')).toBe(whole);
    expect(() => compileSchemaDefinition(rulesSchema, 'statmgr-rules', 'nothing')).toThrow(
      'schema definition statmgr-rules#nothing is missing',
    );
  });
});
