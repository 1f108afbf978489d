import { randomUUID } from 'node:crypto';
import type { Envelope } from '../../lib/message/types';

/** A valid status message (as an agent would send it); override any field. */
export const aStatusMessage = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  time: '2026-11-25T13:37:00.000Z',
  severity: 'info',
  messageId: 10002,
  component: 'SMS_STATUS_MANAGER',
  site: 'P01',
  machine: 'WS-0042',
  ...overrides,
});

/** A valid envelope of `count` messages for one machine; override any field. */
export const anEnvelope = (count = 3, overrides: Partial<Envelope> = {}): Envelope => ({
  schema: 'statmgr/v1',
  batchId: randomUUID(),
  site: 'P01',
  machine: 'WS-0042',
  messages: Array.from({ length: count }, (_, i) => {
    const { site: _s, machine: _m, ...rest } = aStatusMessage({ messageId: 10000 + i });
    return rest;
  }),
  ...overrides,
});
