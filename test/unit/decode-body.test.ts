import { ValidationError } from '../../lib/errors';
import { decodeBody, rawBodyText } from '../../lib/message/decode-body';

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The reasons `decodeBody` gives for a payload it refuses (and that it refuses with a ValidationError). */
const refusal = (payload: unknown): readonly string[] => {
  try {
    decodeBody(payload);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).reasons;
  }
  throw new Error('decodeBody accepted the payload');
};

describe('decodeBody: a queue trigger payload to a JSON value', () => {
  it('parses plain JSON text, whatever JSON value it holds', () => {
    expect(decodeBody('{"a":1,"b":["x"]}')).toEqual({ a: 1, b: ['x'] });
    expect(decodeBody('[1,2]')).toEqual([1, 2]);
    expect(decodeBody('"text"')).toBe('text');
    expect(decodeBody('1234')).toBe(1234);
  });

  it('decodes base64 of JSON (the Functions default encoding)', () => {
    expect(base64('{"a":1}')).toBe('eyJhIjoxfQ==');
    expect(decodeBody('eyJhIjoxfQ==')).toEqual({ a: 1 });
    expect(decodeBody(base64('{"site":"P01"}'))).toEqual({ site: 'P01' });
    expect(decodeBody(base64('{"ab":12}'))).toEqual({ ab: 12 }); // one padding character
    expect(decodeBody(base64('{"abc":123}'))).toEqual({ abc: 123 }); // no padding
    expect(decodeBody(base64('{"é":"ü"}'))).toEqual({ é: 'ü' });
  });

  it('ignores whitespace around plain and base64 JSON, and a UTF-8 byte order mark', () => {
    expect(decodeBody('\n  {"a":1}\t\r\n')).toEqual({ a: 1 });
    expect(decodeBody('  eyJhIjoxfQ==\n')).toEqual({ a: 1 });
    expect(decodeBody(Buffer.from('\uFEFF{"a":1}', 'utf8'))).toEqual({ a: 1 });
  });

  it('takes a Buffer as UTF-8 text, plain or base64', () => {
    expect(decodeBody(Buffer.from('{"name":"Grüße"}', 'utf8'))).toEqual({ name: 'Grüße' });
    expect(decodeBody(Buffer.from('eyJhIjoxfQ==', 'utf8'))).toEqual({ a: 1 });
  });

  it('hands over a value the host already parsed, as it is', () => {
    const parsed = { schema: 'statmgr/v1' };
    expect(decodeBody(parsed)).toBe(parsed);
    expect(decodeBody(42)).toBe(42);
    expect(decodeBody(null)).toBeNull();
  });

  it('refuses an empty or blank body', () => {
    const empty = ['body: is empty; expected a JSON object'];
    expect(refusal('')).toEqual(empty);
    expect(refusal(' \n\t ')).toEqual(empty);
    expect(refusal(Buffer.alloc(0))).toEqual(empty);
    expect(refusal(Buffer.from('  \r\n'))).toEqual(empty);
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', () => {
    expect(refusal(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0x7d]))).toEqual([
      'body: the bytes are not valid UTF-8; send UTF-8 JSON',
    ]);
    // Latin-1 "é" (0xE9) inside a string: valid JSON once wrongly decoded, so it must be caught here.
    expect(refusal(Buffer.from('{"a":"caf\u00e9"}', 'latin1'))).toEqual([
      'body: the bytes are not valid UTF-8; send UTF-8 JSON',
    ]);
  });

  it('refuses base64 whose decoded bytes are not UTF-8', () => {
    const latin1 = Buffer.from('{"a":"caf\u00e9"}', 'latin1').toString('base64');
    expect(refusal(latin1)).toEqual([
      'body: is base64 but the decoded bytes are not valid UTF-8; send UTF-8 JSON',
    ]);
  });

  it('refuses base64 whose decoded text is not JSON', () => {
    expect(refusal(base64('hello'))).toEqual(['body: is base64 but the decoded text is not JSON']);
  });

  it('says when a body looks like JSON but does not parse, with the parser complaint', () => {
    const [reason] = refusal('{"a":');
    expect(reason).toMatch(/^body: looks like JSON but does not parse \(.*JSON.*\)$/);
    expect(refusal('[1,')[0]).toMatch(/^body: looks like JSON but does not parse \(/);
    expect(refusal('"open')[0]).toMatch(/^body: looks like JSON but does not parse \(/);
  });

  it('says when a body is neither JSON nor base64, with the parser complaint', () => {
    expect(refusal('hello there')).toEqual([
      `body: is neither JSON nor base64-encoded JSON (Unexpected token 'h', "hello there" is not valid JSON)`,
    ]);
    // JSON further on does not make the body look like JSON
    expect(refusal('note: {"a":1}')[0]).toMatch(/^body: is neither JSON nor base64-encoded JSON \(/);
    // base64 characters, but not a whole number of 4-character groups
    expect(refusal('aGVsbG8')[0]).toMatch(/^body: is neither JSON nor base64-encoded JSON \(/);
    // base64 JSON with junk before or after it is not base64
    expect(refusal(`!!!!${base64('{"a":1}')}`)[0]).toMatch(/^body: is neither JSON nor base64/);
    expect(refusal(`${base64('{"a":1}')}!!!!`)[0]).toMatch(/^body: is neither JSON nor base64/);
    // more than two padding characters
    expect(refusal('eyJhIjoxfQ===')[0]).toMatch(/^body: is neither JSON nor base64/);
    expect(refusal('abc=====')[0]).toMatch(/^body: is neither JSON nor base64/);
  });
});

describe('rawBodyText: the body as received, for dead letters', () => {
  it('keeps a string as it is and a Buffer as its UTF-8 text', () => {
    expect(rawBodyText('  {"a":1} \n')).toBe('  {"a":1} \n');
    expect(rawBodyText('')).toBe('');
    expect(rawBodyText(Buffer.from('{"name":"Grüße"}', 'utf8'))).toBe('{"name":"Grüße"}');
  });
});
