import { randomUUID } from 'node:crypto';
import { buildDeadLetter, type DeadLetter } from '../../lib/dead-letters/dead-letter';
import { replayBody } from '../../lib/dead-letters/replay-body';
import { ValidationError } from '../../lib/errors';
import { aStatusMessage } from '../helpers/factories';

const letter = (overrides: Partial<Parameters<typeof buildDeadLetter>[0]>): DeadLetter =>
  buildDeadLetter({
    source: 'ingest-validation',
    reasons: ['x'],
    raw: '{}',
    position: -1,
    batchId: undefined,
    queueMessageId: randomUUID(),
    dequeueCount: 1,
    enqueuedAt: '2026-11-25T13:00:00.000Z',
    now: '2026-11-25T13:00:01.000Z',
    ...overrides,
  });

const reasonsOf = (work: () => unknown): readonly string[] => {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return error.reasons;
    throw error;
  }
  return [];
};

describe('a replay keeps the identity of its dead letter', () => {
  const { site: _s, machine: _m, ...item } = aStatusMessage();
  const batchId = randomUUID();
  const itemLetter = (raw: Record<string, unknown>): DeadLetter =>
    letter({
      raw: JSON.stringify(raw),
      position: 7,
      batchId,
      envelope: { batchId, site: 'S01', machine: 'M7', seq: 100 },
    });
  const bad = itemLetter({ ...item, severity: 'fatal' });
  const fixed = { ...item, severity: 'error' };
  const envelope = (overrides: Record<string, unknown>) => ({
    schema: 'statmgr/v1',
    batchId,
    site: 'S01',
    machine: 'M7',
    offset: 7,
    messages: [fixed],
    ...overrides,
  });

  it('accepts a correction that keeps batchId, site, machine, position and id', () => {
    expect(reasonsOf(() => replayBody(bad, fixed))).toEqual([]);
    expect(reasonsOf(() => replayBody(bad, envelope({})))).toEqual([]);
  });

  it('refuses, naming the field, a correction for another machine or site', () => {
    expect(reasonsOf(() => replayBody(bad, { ...fixed, machine: 'M8' }))).toEqual([
      'machine: must stay "M7" (the dead letter\'s), got "M8"',
    ]);
    expect(reasonsOf(() => replayBody(bad, envelope({ site: 'S02', machine: 'M9' })))).toEqual([
      'site: must stay "S01" (the dead letter\'s), got "S02"',
      'machine: must stay "M7" (the dead letter\'s), got "M9"',
    ]);
  });

  it('refuses another batchId, another position, more items, or another id', () => {
    const other = randomUUID();
    expect(reasonsOf(() => replayBody(bad, envelope({ batchId: other })))).toEqual([
      `batchId: must stay ${batchId} (the dead letter's), got ${other}`,
    ]);
    expect(reasonsOf(() => replayBody(bad, envelope({ offset: 3 })))).toEqual([
      "position: must stay 7 (the dead letter's), got 3",
    ]);
    expect(reasonsOf(() => replayBody(bad, envelope({ offset: 7, messages: [fixed, fixed] })))).toEqual([
      'messages: a replay of one item holds exactly that item, got 2',
    ]);
    const newId = randomUUID();
    expect(reasonsOf(() => replayBody(bad, { ...fixed, id: newId }))).toEqual([
      `id: must stay absent (the dead letter's), got ${newId}`,
    ]);
    const ownId = randomUUID();
    const withId = itemLetter({ ...item, id: ownId, severity: 'fatal' });
    expect(reasonsOf(() => replayBody(withId, { ...fixed, id: ownId }))).toEqual([]);
    expect(reasonsOf(() => replayBody(withId, fixed))).toEqual([
      `id: must stay ${ownId} (the dead letter's), got none`,
    ]);
  });

  it('holds the machine of a whole-body letter, but lets a machine name that broke the rules be fixed', () => {
    const wholeBatch = randomUUID();
    const whole = letter({
      raw: JSON.stringify({
        schema: 'statmgr/v1',
        batchId: wholeBatch,
        site: 'S01',
        machine: 'M7',
        messages: [],
      }),
    });
    const fixedEnvelope = {
      schema: 'statmgr/v1',
      batchId: wholeBatch,
      site: 'S01',
      machine: 'M7',
      messages: [fixed],
    };
    expect(reasonsOf(() => replayBody(whole, fixedEnvelope))).toEqual([]);
    expect(reasonsOf(() => replayBody(whole, { ...fixedEnvelope, machine: 'OTHER' }))).toEqual([
      'machine: must stay "M7" (the dead letter\'s), got "OTHER"',
    ]);
    const badName = itemLetter({ ...item, machine: 'WS/1' });
    expect(reasonsOf(() => replayBody(badName, { ...fixed, machine: 'WS-1' }))).toEqual([]);
  });

  it('does not replay an id-conflict letter', () => {
    const conflict = letter({
      source: 'id-conflict',
      raw: JSON.stringify(aStatusMessage()),
      position: 0,
      batchId,
    });
    expect(reasonsOf(() => replayBody(conflict))[0]).toMatch(
      /^source: an id-conflict letter is not replayed/,
    );
  });
});
