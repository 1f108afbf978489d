import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeadLetter } from '../../lib/dead-letters/dead-letter';
import { recordLastFailure } from '../../lib/dead-letters/last-failure';
import { triggerPayload } from '../../lib/local/queue-listener';
import { projectRoot } from '../../lib/util/paths';
import { waitUntil } from '../../lib/util/wait-until';
import { readAll } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';
import { startHostProcess, type HostProcess } from '../helpers/host-process';

/**
 * A dead letter keeps the body the queue message carried, byte for byte: the ingest and poison triggers are
 * declared `dataType: 'binary'`, so no JSON.parse (and re-serialization) happens between queue and letter.
 * Each text below is one that a parse + stringify would change; each is invalid, so it is dead-lettered.
 */
const fields = '"time":"2026-11-25T13:37:00.000Z","severity":"info","component":"SMS_STATUS_MANAGER"';
const rawCases: Readonly<Record<string, string>> = {
  // JSON.parse gives Infinity, JSON.stringify writes null.
  'a number beyond double range': `{${fields},"messageId":1,"site":1e400,"machine":"WS-RAW-1"}`,
  // 2^53 + 1 parses as 2^53: re-serialized it would read 9007199254740992.
  'an integer above 2^53': `{${fields},"messageId":9007199254740993,"site":"P01","machine":"WS-RAW-2"}`,
  // JSON.parse keeps only the last of duplicate keys.
  'duplicate keys': `{${fields},"messageId":1,"messageId":70000,"site":"P01","machine":"WS-RAW-3"}`,
  // Whitespace, key order and escapes are the sender's; a re-serialization writes its own. (No line breaks:
  // Azurite drops \n from a message text and hands \r back as "&#xD;", before any function sees it.)
  'odd whitespace, key order and escapes':
    '\t{ "machine" : "WS-RAW-4",\t  "site":"P01" , "messageId" : 1.0, ' +
    '"severity":"fat\\u0061l","time":"2026-11-25T13:37:00.000Z","component":"C" }  ',
  // A byte-order mark and characters outside the BMP are kept as they came.
  'a leading byte-order mark': `\uFEFF{${fields},"messageId":-1,"site":"P01","machine":"WS-RAW-5","text":"𝄞 é"}`,
  // A whole body that is not JSON at all.
  'text that is not JSON': 'status: ok, all good   ',
  // An envelope whose own fields are bad: the whole body is one letter.
  'a bad envelope': `{"schema":"statmgr/v1","batchId":"not-a-uuid","messages":[{${fields},"messageId":1}],"seq":1e2}`,
};

/** An item that is bad only for its messageId (2^53 + 1), written with the sender's own spacing. */
const badItem = `{ "messageId" : 9007199254740993 ,${fields} }`;
const envelopeWith = (item: string): string =>
  `{"schema":"statmgr/v1","batchId":"${randomUUID()}","site":"P01","machine":"WS-RAW-ENV",` +
  `"messages":[{${fields},"messageId":10001},  ${item}\t]}`;

describe('raw bodies (the local host process, real Azurite and Cosmos emulator)', () => {
  const stack = useEmulators();
  let host: HostProcess | undefined;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'statmgr-raw-'));
  });
  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const letters = async (): Promise<DeadLetter[]> =>
    (await readAll<DeadLetter>(stack().containers.deadletters)).filter((doc) => doc.type === 'deadletter');
  const lettersOf = async (queueMessageIds: readonly string[]): Promise<DeadLetter[]> =>
    (await letters()).filter((letter) => queueMessageIds.includes(letter.queueMessageId));

  it('keeps the exact text of every dead-lettered body, whole or bare, plain or base64, and of an envelope item', async () => {
    host = await startHostProcess(stack().env);
    const texts: Record<string, string> = {
      ...rawCases,
      // messageEncoding is "none": a base64 body reaches the function as its base64 text, and is kept as such.
      'a base64 body': Buffer.from(rawCases['an integer above 2^53']!, 'utf8').toString('base64'),
      // The bad item's letter keeps the item's own text (its valid sibling is stored).
      'an envelope with a bad item': envelopeWith(badItem),
      'a base64 envelope with a bad item': Buffer.from(envelopeWith(badItem)).toString('base64'),
    };
    const expectedRaw = (name: string, text: string): string => (name.includes('bad item') ? badItem : text);
    const sent = new Map<string, string>();
    for (const [name, text] of Object.entries(texts)) {
      const { messageId } = await stack().queues.main.sendMessage(text, { messageTimeToLive: -1 });
      sent.set(messageId, name);
    }
    await waitUntil(
      async () => (await lettersOf([...sent.keys()])).length >= sent.size,
      `${sent.size} dead letters`,
      60_000,
      300,
    );
    const found = await lettersOf([...sent.keys()]);
    const byName = Object.fromEntries(
      found.map((letter) => [
        sent.get(letter.queueMessageId)!,
        { raw: letter.raw, rawBase64: letter.rawBase64, source: letter.source },
      ]),
    );
    const expected = Object.fromEntries(
      Object.entries(texts).map(([name, text]) => [
        name,
        { raw: expectedRaw(name, text), rawBase64: undefined, source: 'ingest-validation' },
      ]),
    );
    expect(byName).toEqual(expected);
    // The reasons still come from the parsed value, as before.
    const reasonsOf = (name: string): string =>
      found.find((letter) => sent.get(letter.queueMessageId) === name)!.reasons.join('\n');
    expect(reasonsOf('an integer above 2^53')).toContain('messageId');
    expect(reasonsOf('odd whitespace, key order and escapes')).toContain('"fatal"');
  });

  it('archives a poisoned body byte for byte and finds the failure note the ingest function left for those bytes', async () => {
    host = await startHostProcess(stack().env);
    const { queues, containers } = stack();
    // Valid, but written the sender's way: a note keyed by a re-serialization would never be found.
    const text = `  {"machine":"WS-RAW-POISON", "site":"P01", ${fields}, "messageId":10001 }\t`;
    const recorded = await recordLastFailure(containers.deadletters, triggerPayload(text, 'none', 'binary'), {
      queueMessageId: 'original-raw-id',
      dequeueCount: 5,
      error: new Error('the raw poison test failure'),
      now: new Date(),
    });
    expect(recorded).toBe(true);
    const { messageId } = await queues.poison.sendMessage(text, { messageTimeToLive: -1 });
    await waitUntil(
      async () => (await letters()).some((letter) => letter.raw === text),
      'poison archived',
      30_000,
    );
    const letter = (await letters()).find((l) => l.raw === text)!;
    expect(letter).toMatchObject({
      source: 'poison-queue',
      raw: text,
      queueMessageId: 'original-raw-id',
      lastError: expect.stringContaining('the raw poison test failure') as unknown,
    });
    expect(letter.rawBase64).toBeUndefined();
    expect(messageId).not.toBe(letter.queueMessageId);
  });

  it('keeps bytes that are not UTF-8 losslessly (rawBase64) when host.json decodes base64', async () => {
    const hostJson = JSON.parse(readFileSync(join(projectRoot, 'host.json'), 'utf8')) as {
      extensions: { queues: Record<string, unknown> };
    };
    hostJson.extensions.queues.messageEncoding = 'base64';
    const hostJsonPath = join(dir, 'host.json');
    writeFileSync(hostJsonPath, JSON.stringify(hostJson));
    host = await startHostProcess(stack().env, { STATMGR_HOST_JSON: hostJsonPath });
    // `{"a":` then bytes that are no UTF-8 (0xC3 0x28, 0xFF 0xFE), then `}`; and a valid UTF-8 body.
    const bad = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xc3, 0x28, 0xff, 0xfe, 0x7d]);
    const good = Buffer.from(`\uFEFF {"site" : 1e400, "x":"é"}`, 'utf8');
    const sent = new Map<string, Buffer>();
    for (const bytes of [bad, good]) {
      const { messageId } = await stack().queues.main.sendMessage(bytes.toString('base64'), {
        messageTimeToLive: -1,
      });
      sent.set(messageId, bytes);
    }
    await waitUntil(
      async () => (await lettersOf([...sent.keys()])).length >= 2,
      '2 dead letters',
      60_000,
      300,
    );
    const found = await lettersOf([...sent.keys()]);
    const badLetter = found.find((letter) => sent.get(letter.queueMessageId) === bad)!;
    const goodLetter = found.find((letter) => sent.get(letter.queueMessageId) === good)!;
    expect(Buffer.from(badLetter.rawBase64 ?? '', 'base64').equals(bad)).toBe(true);
    expect(badLetter.raw).toBe(bad.toString('utf8'));
    expect(badLetter.reasons.join('\n')).toContain('not valid UTF-8');
    expect({ raw: goodLetter.raw, rawBase64: goodLetter.rawBase64 }).toEqual({
      raw: good.toString('utf8'),
      rawBase64: undefined,
    });
    expect(goodLetter.raw.startsWith('\uFEFF')).toBe(true);
    // The API gives the bytes with the letter, and flags them in the list (which leaves them out).
    const api = async (path: string): Promise<unknown> =>
      (await fetch(`${host!.baseUrl}${path}`, { headers: { 'x-functions-key': host!.apiKey } })).json();
    const one = (await api(`/deadletters/${badLetter.id}`)) as DeadLetter;
    expect(one.rawBase64).toBe(bad.toString('base64'));
    const page = (await api('/deadletters?limit=100')) as { items: Record<string, unknown>[] };
    const listed = page.items.find((item) => item.id === badLetter.id);
    expect(listed).toMatchObject({ rawNotUtf8: true });
    expect(listed).not.toHaveProperty('rawBase64');
  });
});
