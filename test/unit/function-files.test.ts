/* eslint-disable @typescript-eslint/prefer-promise-reject-errors -- rejecting with non-Errors is the point */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InvocationContext } from '@azure/functions';
import { ConfigError, NonErrorRejection } from '../../lib/errors';
import { FunctionsCore, queueTypedData } from '../../lib/local/functions-core';

// The local host's runtime module, answering `require('@azure/functions-core')` as the worker's does: the
// library leaves test mode and registers with it.
const mockCore = new FunctionsCore();
jest.mock('@azure/functions-core', () => mockCore.api, { virtual: true });

const functionsDir = join(__dirname, '..', '..', 'functions');
// Required only now, after mockCore exists: loading it registers a hook, which looks the module up.
const functionApp = // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../../functions/shared/function-app') as typeof import('../../functions/shared/function-app');
const noLog = (): void => undefined;

describe('function files, loaded through @azure/functions with the runtime module present', () => {
  beforeAll(() => {
    for (const file of readdirSync(functionsDir).filter((name) => name.endsWith('.ts'))) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(join(functionsDir, file));
    }
  });

  it('registers every function with its trigger, as the worker receives it', () => {
    const triggers = Object.fromEntries(mockCore.functions.map((fn) => [fn.metadata.name, fn.trigger.type]));
    expect(triggers).toMatchObject({
      'ingest-status': 'queueTrigger',
      'archive-poison': 'queueTrigger',
      health: 'httpTrigger',
      'agent-status': 'httpTrigger',
      'queue-monitor': 'timerTrigger',
    });
    const ingest = mockCore.functions.find((fn) => fn.metadata.name === 'ingest-status')!;
    expect(ingest.trigger).toMatchObject({ queueName: 'status-messages', connection: 'StatusStorage' });
    // The triggers whose dead letters keep the raw body receive bytes (docs/dead-letters.md, "Raw bodies").
    const dataTypes = Object.fromEntries(
      mockCore.functions
        .filter((fn) => fn.trigger.type === 'queueTrigger')
        .map((fn) => [fn.metadata.name, fn.trigger.dataType]),
    );
    expect(dataTypes).toEqual({
      'ingest-status': 'binary',
      'archive-poison': 'binary',
      'archive-notification-poison': undefined,
      'send-notification': undefined,
    });
    expect(mockCore.hooks.get('appTerminate')?.length).toBeGreaterThan(0);
  });

  it('wraps every handler so that it can only fail with an Error', () => {
    const unwrapped = mockCore.functions
      .filter(
        (fn) =>
          (fn.callback as unknown as Record<symbol, unknown>)[Symbol.for('statmgr.failsWithError')] !== true,
      )
      .map((fn) => fn.metadata.name);
    expect(unwrapped).toEqual([]);
  });
});

describe('FunctionsCore.invoke (the worker rules, with the real library)', () => {
  const register = (
    name: string,
    handler: (payload: unknown, context: InvocationContext) => Promise<void>,
  ) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { app } = require('@azure/functions') as typeof import('@azure/functions');
    app.storageQueue(name, { queueName: 'q', connection: 'StatusStorage', handler });
    return mockCore.functions.find((fn) => fn.metadata.name === name)!;
  };

  it('counts a rejection with undefined as success, as the Node worker does (isError)', async () => {
    const fn = register('rejects-undefined', () => Promise.reject(undefined));
    await expect(mockCore.invoke(fn, 'i1', { string: 'x' }, {}, noLog)).resolves.toBeUndefined();
  });

  it('fails when failsWithError wraps such a handler', async () => {
    const { failsWithError } = functionApp;
    const fn = register(
      'wrapped-undefined',
      failsWithError(() => Promise.reject(undefined)),
    );
    await expect(mockCore.invoke(fn, 'i2', { string: 'x' }, {}, noLog)).rejects.toBeInstanceOf(
      NonErrorRejection,
    );
    const thrown = register(
      'wrapped-string',
      failsWithError(() => Promise.reject('text')),
    );
    await expect(mockCore.invoke(thrown, 'i3', { string: 'x' }, {}, noLog)).rejects.toThrow('text');
  });

  it('hands a dataType binary trigger the exact bytes as a Buffer, through the real library', async () => {
    const seen: unknown[] = [];
    const { app, trigger } = require('@azure/functions') as typeof import('@azure/functions'); // eslint-disable-line @typescript-eslint/no-require-imports
    app.generic('binary-records', {
      trigger: trigger.generic({
        type: 'queueTrigger',
        queueName: 'q',
        connection: 'StatusStorage',
        dataType: 'binary',
      }),
      handler: async (payload: unknown) => void seen.push(payload),
    });
    const fn = mockCore.functions.find((f) => f.metadata.name === 'binary-records')!;
    const text = ' {"site":1e400,"n":9007199254740993,"n":1}';
    const bytes = Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0xff])]);
    await mockCore.invoke(fn, 'i6', queueTypedData(fn.trigger, bytes), {}, noLog);
    expect(seen).toHaveLength(1);
    expect(Buffer.isBuffer(seen[0])).toBe(true);
    expect((seen[0] as Buffer).equals(bytes)).toBe(true);
  });

  it('sends the trigger body as the host does for its dataType: bytes for binary, else text', () => {
    const body = Buffer.from('{"a":1e400}', 'utf8');
    const queue = (dataType?: unknown) => ({ type: 'queueTrigger', direction: 'in' as const, dataType });
    expect(queueTypedData(queue('binary'), body)).toEqual({ bytes: body });
    expect(queueTypedData(queue('Binary'), body)).toEqual({ bytes: body });
    expect(queueTypedData(queue(), body)).toEqual({ string: '{"a":1e400}' });
    expect(queueTypedData(queue('string'), body)).toEqual({ string: '{"a":1e400}' });
    expect(() => queueTypedData(queue('stream'), body)).toThrow(ConfigError);
  });

  it('hands a JSON body over parsed and any other text as it is, with camelCase trigger metadata', async () => {
    const seen: { payload: unknown; dequeueCount: unknown }[] = [];
    const fn = register('records', async (payload, context) => {
      seen.push({ payload, dequeueCount: context.triggerMetadata?.dequeueCount });
    });
    await mockCore.invoke(fn, 'i4', { string: '{"a":1}' }, { DequeueCount: { json: '3' } }, noLog);
    await mockCore.invoke(fn, 'i5', { string: 'not json' }, {}, noLog);
    expect(seen).toEqual([
      { payload: { a: 1 }, dequeueCount: 3 },
      { payload: 'not json', dequeueCount: undefined },
    ]);
  });
});
