import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox, agentKey } from '../../lib/agent/outbox';
import { OutboxLockedError } from '../../lib/errors';
import { encodeRecord, scanSegment, type OutboxRecord } from '../../lib/agent/outbox-record';
import type { StatusMessage } from '../../lib/message/types';

const message = (machine: string, n: number): StatusMessage => ({
  time: '2026-11-25T13:37:00.000Z',
  severity: 'info',
  messageId: n,
  component: 'TEST',
  site: 'P01',
  machine,
  messageType: 'detail',
});

const records = (outbox: Outbox, machine: string, count: number): OutboxRecord[] =>
  Array.from({ length: count }, (_, i) => ({
    seq: outbox.takeSeq('P01', machine),
    message: message(machine, i),
  }));

const segmentFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.log'));

describe('Outbox', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'statmgr-outbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps appended records across a reopen, in sequence order', async () => {
    const first = await Outbox.open(dir);
    await first.append(records(first, 'WS-1', 3));
    await first.close();
    const second = await Outbox.open(dir);
    const entries = second.pendingEntries().get(agentKey('P01', 'WS-1')) ?? [];
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(second.nextSeq('P01', 'WS-1')).toBe(4);
    await second.close();
  });

  it('recovers a torn tail: the complete records stay, the partial one is cut off', async () => {
    const outbox = await Outbox.open(dir);
    await outbox.append(records(outbox, 'WS-1', 5));
    await outbox.close();
    const file = join(dir, segmentFiles(dir)[0]!);
    const sizeBefore = statSync(file).size;
    const torn = encodeRecord({ seq: 6, message: message('WS-1', 6) });
    appendFileSync(file, torn.slice(0, torn.length - 20));

    const reopened = await Outbox.open(dir);
    expect(reopened.recovery).toMatchObject({ pending: 5, tornBytes: torn.length - 20, corruptSegments: [] });
    expect(statSync(file).size).toBe(sizeBefore);
    expect(reopened.nextSeq('P01', 'WS-1')).toBe(6);
    await reopened.close();
  });

  it('keeps a segment with a corrupt record aside and still returns the valid records around it', () => {
    const good = (seq: number): string => encodeRecord({ seq, message: message('WS-1', seq) });
    const bad = good(2).replace('"TEST"', '"TEXT"');
    const scanned = scanSegment(Buffer.from(good(1) + bad + good(3)));
    expect(scanned.records.map((r) => r.seq)).toEqual([1, 3]);
    expect(scanned.corruptOffsets).toEqual([good(1).length]);
  });

  it('trims a segment only after its records are acknowledged, and numbers survive the trim', async () => {
    const outbox = await Outbox.open(dir, { segmentBytes: 1 });
    await outbox.append(records(outbox, 'WS-1', 2));
    await outbox.append(records(outbox, 'WS-2', 1));
    expect(segmentFiles(dir)).toHaveLength(2);
    const [entries] = [...outbox.pendingEntries().values()];
    await outbox.ack(entries!.slice());
    expect(segmentFiles(dir)).toHaveLength(1);
    expect(outbox.pending).toBe(1);
    await outbox.close();

    const reopened = await Outbox.open(dir);
    expect(reopened.nextSeq('P01', 'WS-1')).toBe(3);
    expect(reopened.pending).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toMatchObject({
      acked: { [agentKey('P01', 'WS-1')]: [[1, 2]] },
    });
    await reopened.close();
  });

  it('marks records durable only after the fsync when fsync runs at an interval', async () => {
    const outbox = await Outbox.open(dir, { fsync: 60_000 });
    await outbox.append(records(outbox, 'WS-1', 2));
    const entries = outbox.pendingEntries().get(agentKey('P01', 'WS-1'))!;
    expect(entries.map((e) => e.durable)).toEqual([false, false]);
    await outbox.syncNow();
    expect(entries.map((e) => e.durable)).toEqual([true, true]);
    await outbox.close();
  });

  it('refuses a second owner while the first is alive, and takes over a dead owner lock', async () => {
    const outbox = await Outbox.open(dir);
    await outbox.close();
    appendFileSync(join(dir, 'lock'), '1'); // pid 1 (init) is alive and not us
    await expect(Outbox.open(dir)).rejects.toThrow(OutboxLockedError);
    rmSync(join(dir, 'lock'));
    appendFileSync(join(dir, 'lock'), '999999999');
    const taken = await Outbox.open(dir);
    await taken.close();
  });
});
