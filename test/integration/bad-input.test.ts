import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { DeadLetter } from '../../lib/dead-letters/dead-letter';
import { bodyHashOf, failureNoteId, recordLastFailure } from '../../lib/dead-letters/last-failure';
import { triggerPayload } from '../../lib/local/queue-listener';
import { projectRoot } from '../../lib/util/paths';
import { waitUntil } from '../../lib/util/wait-until';
import { statusMessageId } from '../../lib/message/ids';
import type { StoredStatusMessage } from '../../lib/message/types';
import { readAll } from '../helpers/cosmos';
import { useEmulators } from '../helpers/emulators';
import { aStatusMessage, anEnvelope } from '../helpers/factories';
import { startHostProcess, type HostProcess } from '../helpers/host-process';
import { buildCorpus, type CorpusCase } from '../fixtures/bad-messages';

interface Sent {
  readonly case: CorpusCase;
  readonly queueMessageId: string;
}

describe('bad input (the corpus through the local host process, real Azurite and Cosmos emulator)', () => {
  const stack = useEmulators();
  let host: HostProcess;
  let sent: Sent[] = [];

  beforeAll(async () => {
    host = await startHostProcess(stack().env);
  });
  afterAll(async () => {
    await host?.stop();
  });

  const depth = async (which: 'main' | 'poison'): Promise<number> =>
    (await stack().queues[which].getProperties()).approximateMessagesCount ?? 0;
  const letters = async (): Promise<DeadLetter[]> =>
    (await readAll<DeadLetter>(stack().containers.deadletters)).filter((doc) => doc.type === 'deadletter');
  const stored = async (): Promise<StoredStatusMessage[]> =>
    readAll<StoredStatusMessage>(stack().containers.messages);
  const api = (path: string, init: RequestInit = {}, key: string | null = host.apiKey): Promise<Response> =>
    fetch(`${host.baseUrl}${path}`, {
      ...init,
      headers: { ...(key ? { 'x-functions-key': key } : {}), ...(init.headers as Record<string, string>) },
    });
  const post = (path: string, body: unknown): Promise<Response> =>
    api(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  const sentCase = (name: string): Sent => {
    const found = sent.find((s) => s.case.name === name);
    if (!found) throw new Error(`no corpus case ${name}`);
    return found;
  };

  it('dead-letters every bad message with its reasons and stores every valid item; both queues drain and /api/health stays 200', async () => {
    const { queues } = stack();
    const corpus = buildCorpus();
    const healthStatuses: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        healthStatuses.push((await fetch(`${host.baseUrl}/health`)).status);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();

    sent = [];
    for (const c of corpus) {
      const { messageId } = await queues.main.sendMessage(c.body, { messageTimeToLive: -1 });
      sent.push({ case: c, queueMessageId: messageId });
    }
    const expectedLetters = corpus.reduce(
      (sum, c) => sum + (c.expect.whole ? 1 : Object.keys(c.expect.items ?? {}).length),
      0,
    );
    const expectedStored = corpus.reduce((sum, c) => sum + c.expect.stored, 0);
    await waitUntil(
      async () =>
        (await letters()).length >= expectedLetters &&
        (await stored()).length >= expectedStored &&
        (await depth('main')) === 0 &&
        (await depth('poison')) === 0,
      `${expectedLetters} dead letters, ${expectedStored} stored, both queues empty`,
      120_000,
      500,
    );
    watching = false;
    await watcher;

    expect(healthStatuses.length).toBeGreaterThan(0);
    expect(healthStatuses.filter((status) => status !== 200)).toEqual([]);
    const allLetters = await letters();
    const allStored = await stored();
    expect(allLetters).toHaveLength(expectedLetters);
    expect(allStored).toHaveLength(expectedStored);
    for (const { case: c, queueMessageId } of sent) {
      const mine = allLetters.filter((letter) => letter.queueMessageId === queueMessageId);
      const label = `${c.category}: ${c.name}`;
      for (const letter of mine) {
        expect([label, letter.source, letter.replay.state]).toEqual([label, 'ingest-validation', 'pending']);
        expect([label, letter.reasons.length > 0, letter.raw.length > 0]).toEqual([label, true, true]);
      }
      if (c.expect.whole) {
        expect([label, mine.map((letter) => letter.position)]).toEqual([label, [-1]]);
        // The raw body exactly as it was sent (the trigger receives bytes: dataType binary).
        expect([label, mine[0]!.raw, mine[0]!.rawBase64]).toEqual([label, c.body, undefined]);
        for (const text of c.expect.whole) expect(mine[0]!.reasons.join('\n')).toContain(text);
      } else {
        const positions = Object.keys(c.expect.items ?? {}).map(Number);
        expect([label, mine.map((letter) => letter.position).sort((a, b) => a - b)]).toEqual([
          label,
          positions,
        ]);
        for (const letter of mine) {
          for (const text of c.expect.items?.[letter.position] ?? []) {
            expect(letter.reasons.join('\n')).toContain(text);
          }
        }
      }
      const storedHere = allStored.filter((doc) => doc.queueMessageId === queueMessageId);
      expect([label, storedHere.length]).toEqual([label, c.expect.stored]);
    }
    expect(host.output.filter((line) => /uncaught|unhandled|RangeError/i.test(line))).toEqual([]);
  });

  it('lists dead letters by reason and replays a corrected item once, with the id it would have had', async () => {
    const { containers } = stack();
    const mixed = sentCase('five items, two invalid');
    const listed = await api('/deadletters?reason=SEVERITY&state=pending&limit=100');
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as { items: DeadLetter[] };
    const letter = page.items.find((item) => item.queueMessageId === mixed.queueMessageId);
    expect(letter?.position).toBe(1);
    expect(page.items.every((item) => item.reasons.some((r) => r.toLowerCase().includes('severity')))).toBe(
      true,
    );

    const full = (await (await api(`/deadletters/${letter!.id}`)).json()) as DeadLetter;
    const corrected = { ...(JSON.parse(full.raw) as Record<string, unknown>), severity: 'error' };
    const [first, second] = await Promise.all([
      post('/deadletters/replay', { id: letter!.id, corrected }),
      post('/deadletters/replay', { id: letter!.id, corrected }),
    ]);
    const results = [
      ...((await first.json()) as { results: { result: string }[] }).results,
      ...((await second.json()) as { results: { result: string }[] }).results,
    ].map((r) => r.result);
    expect(results.filter((r) => r === 'replayed')).toHaveLength(1);
    expect(results.filter((r) => r !== 'replayed')[0]).toMatch(/^(in-progress|already-replayed)$/);

    const batchId = letter!.batchId!;
    const replayedId = statusMessageId(undefined, batchId, 1);
    await waitUntil(
      async () => (await stored()).some((doc) => doc.id === replayedId),
      'replayed item stored',
      30_000,
    );
    await waitUntil(async () => (await depth('main')) === 0, 'queue drained', 30_000);
    const again = await post('/deadletters/replay', { ids: [letter!.id] });
    expect(((await again.json()) as { results: { result: string }[] }).results[0]!.result).toBe(
      'already-replayed',
    );
    expect(await depth('main')).toBe(0);

    const docs = (await stored()).filter((doc) => doc.batchId === batchId);
    expect(docs.map((doc) => doc.position).sort()).toEqual([0, 1, 2, 4]);
    expect(docs.find((doc) => doc.position === 1)).toMatchObject({
      site: 'P01',
      machine: 'WS-CORPUS',
      severity: 'error',
    });
    const { resource } = await containers.deadletters.item(letter!.id, letter!.id).read<DeadLetter>();
    expect(resource?.replay).toMatchObject({ state: 'replayed', corrected: true });
  });

  it('replays a corrected bare message under the id derived from its original queue message id', async () => {
    const bare = sentCase('messageId above 65535');
    const letter = (await letters()).find((l) => l.queueMessageId === bare.queueMessageId)!;
    const corrected = { ...(JSON.parse(letter.raw) as Record<string, unknown>), messageId: 7000 };
    const response = await post('/deadletters/replay', {
      id: letter.id,
      corrected: JSON.stringify(corrected),
    });
    expect(response.status).toBe(200);
    const expectedId = statusMessageId(undefined, bare.queueMessageId, 0);
    await waitUntil(async () => (await stored()).some((doc) => doc.id === expectedId), 'stored', 30_000);
    expect((await stored()).filter((doc) => doc.id === expectedId)).toHaveLength(1);
  });

  it('archives poisoned messages into deadletters with the last recorded error, and drains the poison queue', async () => {
    const { queues, containers } = stack();
    const noted = JSON.stringify(anEnvelope(2, { machine: 'WS-POISON' }));
    const unnoted = JSON.stringify(anEnvelope(1, { machine: 'WS-POISON-2' }));
    const originalId = randomUUID();
    const recorded = await recordLastFailure(
      containers.deadletters,
      triggerPayload(noted, 'none', 'binary'),
      {
        queueMessageId: originalId,
        dequeueCount: 5,
        error: new TypeError('cannot read properties of undefined'),
        now: new Date(),
      },
    );
    expect(recorded).toBe(true);
    // What the Functions host does on the last failed attempt: the body alone, under a new id.
    await queues.poison.sendMessage(noted, { messageTimeToLive: -1 });
    await queues.poison.sendMessage(unnoted, { messageTimeToLive: -1 });
    const poisonLetters = async (): Promise<DeadLetter[]> =>
      (await letters()).filter((l) => l.source === 'poison-queue');
    await waitUntil(
      async () => (await poisonLetters()).length === 2 && (await depth('poison')) === 0,
      'poison archived',
      30_000,
    );
    const [withNote, withoutNote] = [noted, unnoted].map((raw) =>
      poisonLetters().then((all) => all.find((l) => l.raw === raw)),
    );
    const a = (await withNote)!;
    expect(a).toMatchObject({ queueMessageId: originalId, dequeueCount: 5, position: -1 });
    expect(a.lastError).toContain('cannot read properties of undefined');
    expect(a.reasons[0]).toContain('failed 5 time(s)');
    expect((await withoutNote)!.reasons[0]).toContain('no error was recorded');
    const noteId = failureNoteId(bodyHashOf(triggerPayload(noted, 'none', 'binary')));
    const note = await containers.deadletters.item(noteId, noteId).read();
    expect(note.statusCode).toBe(404);

    // Once the cause is fixed, the poisoned body is replayed as it is and stored with its own ids.
    const replayed = await post('/deadletters/replay', { ids: [a.id] });
    expect(replayed.status).toBe(200);
    const batchId = (JSON.parse(noted) as { batchId: string }).batchId;
    await waitUntil(
      async () => (await stored()).filter((doc) => doc.batchId === batchId).length === 2,
      'replayed poison stored',
      30_000,
    );
  });

  it('answers a missing or wrong key with 401 and an empty body, as the Functions host does', async () => {
    for (const [name, key] of [
      ['no key', null],
      ['wrong key', 'nope'],
    ] as const) {
      const response = await api('/deadletters', {}, key);
      expect([name, response.status, await response.text()]).toEqual([name, 401, '']);
    }
    const wrongCode = await api(`/deadletters?code=nope`, {}, null);
    expect(wrongCode.status).toBe(401);
  });

  it('takes the key as ?code= on every function-level route, and no route rejects the parameter', async () => {
    const letter = (await letters())[0]!;
    const code = `code=${encodeURIComponent(host.apiKey)}`;
    const cases: [string, () => Promise<Response>, number][] = [
      ['list', () => api(`/deadletters?${code}&limit=1`, {}, null), 200],
      ['get', () => api(`/deadletters/${letter.id}?${code}`, {}, null), 200],
      [
        'replay',
        () =>
          api(
            `/deadletters/replay?${code}`,
            { method: 'POST', body: JSON.stringify({ ids: [randomUUID(), randomUUID()] }) },
            null,
          ),
        200,
      ],
      ['agent', () => api(`/agents/P01/WS-NONE?${code}`, {}, null), 404],
    ];
    for (const [name, call, status] of cases) {
      const response = await call();
      expect([name, response.status]).toEqual([name, status]);
    }
  });

  it('answers bad HTTP input with 400, 404 or 413 and a reason, never 500', async () => {
    const letter = (await letters()).find((l) => l.replay.state === 'pending')!;
    const big = {
      ...aStatusMessage({ text: 'x'.repeat(32_768) }),
      insertionStrings: Array.from({ length: 10 }, () => 'i'.repeat(4096)),
    };
    const cases: [string, () => Promise<Response>, number, string][] = [
      ['limit not a number', () => api('/deadletters?limit=abc'), 400, 'query.limit: must be a whole number'],
      ['limit 0', () => api('/deadletters?limit=0'), 400, 'query.limit: must be at least 1'],
      ['limit twice', () => api('/deadletters?limit=1&limit=2'), 400, 'query.limit: is given 2 times'],
      ['unknown state', () => api('/deadletters?state=done'), 400, 'query.state: must be one of pending'],
      [
        'since not a date',
        () => api('/deadletters?since=yesterday'),
        400,
        'query.since: must be an ISO 8601',
      ],
      ['unknown parameter', () => api('/deadletters?colour=red'), 400, 'query.colour: is not a known field'],
      ['forged continuation', () => api('/deadletters?continuation=abc'), 400, 'query.continuation'],
      ['id not a UUID', () => api('/deadletters/..%2F..%2Fx'), 400, 'id: must be a UUID'],
      ['unknown id', () => api(`/deadletters/${randomUUID()}`), 404, 'no dead letter'],
      ['no body', () => api('/deadletters/replay', { method: 'POST' }), 400, 'body: is required'],
      ['body not JSON', () => post('/deadletters/replay', '{"ids":['), 400, 'body: is not JSON'],
      ['empty ids', () => post('/deadletters/replay', { ids: [] }), 400, 'body.ids: must have at least 1'],
      [
        'id not a UUID in ids',
        () => post('/deadletters/replay', { ids: ['x'] }),
        400,
        'body.ids[0]: must be a UUID',
      ],
      ['ids and id', () => post('/deadletters/replay', { ids: [letter.id], id: letter.id }), 400, 'not both'],
      [
        'corrected with ids',
        () => post('/deadletters/replay', { ids: [letter.id], corrected: {} }),
        400,
        'body.corrected',
      ],
      [
        'unknown field',
        () => post('/deadletters/replay', { id: letter.id, force: true }),
        400,
        'body.force: is not a known field',
      ],
      ['unknown letter', () => post('/deadletters/replay', { id: randomUUID() }), 404, 'not-found'],
      [
        'still invalid',
        () => post('/deadletters/replay', { id: letter.id, corrected: { severity: 'fatal' } }),
        400,
        'must be one of',
      ],
      [
        'corrected field too long',
        () => post('/deadletters/replay', { id: letter.id, corrected: { text: 'x'.repeat(70_000) } }),
        400,
        'text: must be at most',
      ],
      [
        'corrected over 64 KiB',
        () => post('/deadletters/replay', { id: letter.id, corrected: big }),
        413,
        'a queue message holds at most 65536',
      ],
      [
        'body over the endpoint cap',
        () => post('/deadletters/replay', { id: letter.id, corrected: 'x'.repeat(300_000) }),
        413,
        'at most 262144',
      ],
      ['body over 1 MiB', () => post('/deadletters/replay', 'x'.repeat(1_100_000)), 413, 'larger than'],
    ];
    for (const [name, call, status, text] of cases) {
      const response = await call();
      const body = await response.text();
      expect([name, response.status]).toEqual([name, status]);
      expect([name, body.includes(text)]).toEqual([name, true]);
    }
    // A well-formed but forged token: Cosmos answers 400 (mapped to our 400); the emulator ignores it.
    const forged = encodeURIComponent('{"token":"+RID:zz#RT:9","range":{"min":"","max":"FF"}}');
    expect([200, 400]).toContain((await api(`/deadletters?continuation=${forged}`)).status);
    // Filters are parameters: text that would be SQL is only text to find.
    const injection = await api(`/deadletters?reason=${encodeURIComponent("') OR 1=1 --")}`);
    expect(injection.status).toBe(200);
    expect(((await injection.json()) as { items: unknown[] }).items).toEqual([]);
    expect((await letters()).find((l) => l.id === letter.id)?.replay.state).toBe('pending');
  });

  it('has a replay CLI that lists and replays, and explains bad flags', async () => {
    const cli = (...args: string[]): Promise<{ code: number | null; out: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [join(projectRoot, 'dist/lib/cli/replay.js'), ...args], {
          env: { PATH: process.env.PATH, ...stack().env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('exit', (code) => resolve({ code, out }));
      });
    const help = await cli('--help');
    expect(help).toMatchObject({ code: 0 });
    expect(help.out).toContain('Usage: npm run replay');
    const bad = await cli('list', '--limit', '0');
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('query.limit: must be at least 1');
    const list = await cli('list', '--reason', 'must have at most 10 items', '--state', 'pending');
    expect(list.code).toBe(0);
    expect(list.out).toContain('1 dead letter(s)');
    const id = /^([0-9a-f-]{36}) /m.exec(list.out)![1]!;
    const replay = await cli('replay', id);
    expect(replay.code).toBe(1);
    expect(replay.out).toContain('"result":"rejected"');
  });
});
