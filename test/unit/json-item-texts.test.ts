import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { messageItemTexts } from '../../lib/message/json-item-texts';
import { parseQueueMessage } from '../../lib/message/parse-queue-message';

describe('messageItemTexts', () => {
  it('returns each item of messages as written, whitespace, escapes and number forms included', () => {
    const text =
      '{ "schema" : "statmgr/v1", "messages" :\t[ {"a" : 1e400 , "b":"]},\\"[{"} ,\r\n' +
      '9007199254740993,"x\\u0022y", [ [ ] ,{}] , null,true ,-0.0E+1 ] , "after": {"messages":[1]} }';
    expect(messageItemTexts(text)).toEqual([
      '{"a" : 1e400 , "b":"]},\\"[{"}',
      '9007199254740993',
      '"x\\u0022y"',
      '[ [ ] ,{}]',
      'null',
      'true',
      '-0.0E+1',
    ]);
  });

  it('takes the last of duplicate messages keys, as JSON.parse does, also when the key is escaped', () => {
    expect(messageItemTexts('{"messages":[1],"m\\u0065ssages":[ 2 ,3]}')).toEqual(['2', '3']);
    expect(messageItemTexts('{"messages":[ ]}')).toEqual([]);
  });

  it('answers undefined when there is no messages array in an object', () => {
    for (const text of ['[1]', '"messages"', '{}', '{"messages":{"0":1}}', '{"messages":"[1]"}']) {
      expect([text, messageItemTexts(text)]).toEqual([text, undefined]);
    }
  });

  it('finds the texts that parse back to the items, for any JSON items and any indentation', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 6 }),
        fc.jsonValue(),
        fc.constantFrom(undefined, 0, 1, 2, '\t', ' \r\n '),
        (messages, other, indent) => {
          const text = JSON.stringify({ first: other, messages, last: other }, null, indent);
          const texts = messageItemTexts(text);
          expect(texts?.map((t) => JSON.parse(t) as unknown)).toEqual(
            (JSON.parse(text) as { messages: unknown[] }).messages,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parseQueueMessage (raw text of bad items)', () => {
  it('gives each bad item of a text body its text as sent, and none to valid items or parsed payloads', () => {
    const good = '{"time":"2026-11-25T13:37:00.000Z","severity":"info","messageId":1,"component":"C"}';
    const bad =
      '{ "time":"2026-11-25T13:37:00.000Z" , "severity":"info","messageId":9007199254740993,"component":"C"}';
    const text = `{"schema":"statmgr/v1","batchId":"${randomUUID()}","site":"P01","machine":"M","offset":3,"messages":[${good}, ${bad} ]}`;
    const fromText = parseQueueMessage(Buffer.from(text, 'utf8')).items;
    expect(fromText.map((item) => (item.ok ? 'ok' : item.rawText))).toEqual(['ok', bad]);
    expect(fromText.map((item) => item.position)).toEqual([3, 4]);
    const fromBase64 = parseQueueMessage(Buffer.from(text, 'utf8').toString('base64')).items;
    expect(fromBase64.map((item) => (item.ok ? 'ok' : item.rawText))).toEqual(['ok', bad]);
    const fromValue = parseQueueMessage(JSON.parse(text)).items;
    expect(fromValue.map((item) => (item.ok ? 'ok' : item.rawText))).toEqual(['ok', undefined]);
  });
});
