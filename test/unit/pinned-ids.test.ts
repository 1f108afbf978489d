import { agentBatchId, agentMessageId } from '../../lib/agent/agent-ids';
import { agentSummaryId } from '../../lib/agent-status/agent-summary';
import { buildDeadLetter } from '../../lib/dead-letters/dead-letter';
import { bodyHashOf, failureNoteId } from '../../lib/dead-letters/last-failure';
import { delayedCopyOf } from '../../lib/ingest/requeue-delayed';
import { deadLetterId, statusMessageId } from '../../lib/message/ids';
import { toDocument } from '../../lib/message/to-document';
import type { StatusMessage } from '../../lib/message/types';
import { deltaId, presenceId, resetId } from '../../lib/summaries/summary-documents';
import { aStatusMessage } from '../helpers/factories';

/*
 * Fixed vectors. Every id a stored document carries must stay the same across releases: a changed scheme
 * would store every redelivered (or replayed, or resent) message a second time across an upgrade. The
 * expected strings are NOT computed with the product's code; they come from Python's standard library:
 *
 *   import uuid, hashlib
 *   NS = uuid.UUID('6f1c2b7e-3d0a-4f57-9a8e-2f6d1c0b9e41')          # statmgr's namespace
 *   str(uuid.uuid5(NS, 'status:0f8fad5b-d9cb-469f-a165-70867728950e:3'))
 *   hashlib.sha256(b'{"not":"a status message"}').hexdigest()
 *
 * (one uuid5 call per name shown next to each expectation). If one of these fails, the id scheme changed:
 * that is a data migration, not a test to update.
 */
const batch = '0f8fad5b-d9cb-469f-a165-70867728950e';
const queueMessageId = '3b2c7c5e-6a3f-4a55-8d0e-4c1b2a9f8e71';
const incarnation = '11111111-2222-4333-8444-555555555555';

const delivery = {
  batchId: batch,
  seq: undefined,
  queueMessageId,
  enqueuedAt: '2026-11-25T13:37:00.000Z',
  storedAt: '2026-11-25T13:37:01.000Z',
};

describe('pinned ids (independently computed vectors)', () => {
  it('status message of an envelope: uuid5(NS, "status:<batchId>:<position>")', () => {
    expect(statusMessageId(undefined, batch, 3)).toBe('609abd3f-a8d4-5a79-af5f-08e4641c8e14');
    // The batch id is lower-cased first.
    expect(statusMessageId(undefined, batch.toUpperCase(), 0)).toBe('1e9d4240-d8ee-51b1-91bf-04c1d94f3d2c');
    const message = aStatusMessage() as unknown as StatusMessage;
    expect(toDocument(message, 3, delivery).id).toBe('609abd3f-a8d4-5a79-af5f-08e4641c8e14');
  });

  it("status message with a sender id: the sender's UUID, lower-cased, whatever the batch", () => {
    const message = aStatusMessage({
      id: '7C9E6679-7425-40DE-944B-E07FC1F90AE7',
    }) as unknown as StatusMessage;
    expect(toDocument(message, 3, delivery).id).toBe('7c9e6679-7425-40de-944b-e07fc1f90ae7');
  });

  it('bare status message: uuid5(NS, "status:<queue message id>:0"), kept by its delayed copy', () => {
    expect(statusMessageId(undefined, queueMessageId, 0)).toBe('8c80ea72-91e1-5cd2-a2a7-373007914d12');
    // A delayed copy of a bare message is an envelope whose batchId is the queue message id: same id.
    const copy = delayedCopyOf(JSON.stringify(aStatusMessage()), queueMessageId, 1);
    expect(copy?.batchId).toBe(queueMessageId);
    expect(statusMessageId(undefined, copy!.batchId, 0)).toBe('8c80ea72-91e1-5cd2-a2a7-373007914d12');
    // A queue message id that is not a UUID: batch uuid5(NS, "bare:msg-1"), message uuid5(NS, "status:msg-1:0").
    const odd = delayedCopyOf(JSON.stringify(aStatusMessage()), 'msg-1', 1);
    expect(odd?.batchId).toBe('ba94d41d-e185-5318-a1ef-016170231a1e');
    expect((odd?.messages[0] as { id?: string } | undefined)?.id).toBe(
      '06e1da41-2942-5229-84cb-7cb8d1ba1611',
    );
  });

  it('dead letters: uuid5(NS, "deadletter:<batch or queue message id>:<position>")', () => {
    expect(deadLetterId(batch, 2)).toBe('c5d57564-a22a-5bd3-b52c-d1ed0c9107ab');
    const letter = buildDeadLetter({
      source: 'ingest-validation',
      reasons: ['severity: must be one of ...'],
      raw: '{}',
      position: -1,
      batchId: undefined,
      queueMessageId,
      dequeueCount: 1,
      enqueuedAt: delivery.enqueuedAt,
      now: delivery.storedAt,
    });
    expect(letter.id).toBe('2c90966f-161a-5bd8-8f35-d73b0d4e2ef9');
  });

  it('agent summary: uuid5(NS, \'agent-summary:["P01","WS-0042"]\')', () => {
    expect(agentSummaryId('P01', 'WS-0042')).toBe('875aba24-4910-5f9a-b949-f187b739e410');
  });

  it('agent message and batch ids: uuid5(NS, \'agent|batch:<incarnation>:["P01","WS-0042"]:7\')', () => {
    expect(agentMessageId(incarnation, 'P01', 'WS-0042', 7)).toBe('00c62157-d578-5c71-a0f3-1f6eeba2b241');
    expect(agentBatchId(incarnation, 'P01', 'WS-0042', 7)).toBe('0fbd804e-b206-5536-865e-3d8543397fac');
  });

  it('failure note: uuid5(NS, "last-failure:" + sha256 hex of the body text)', () => {
    const body = '{"not":"a status message"}';
    const hash = 'b04eff0704da223d0da4650bfe29afe9e6db283964efa540fd4eafeea1df298f';
    expect(bodyHashOf(body)).toBe(hash);
    expect(failureNoteId(hash)).toBe('e7ad8477-6d9a-5b41-ac17-ae83e3270f0a');
  });

  // Summary documents: a changed delta id would count every redelivered envelope twice across an upgrade.
  it("summaries: uuid5(NS, 'summary-delta|reset|presence:' + compact JSON of what identifies them)", () => {
    // 'summary-delta:["P01","<batch>",[0,1,2]]'
    expect(deltaId('P01', batch, [0, 1, 2])).toBe('8e56166e-7004-57f3-8122-e6a91cfc1a21');
    // 'summary-reset:["P01","SMS_A"]'
    expect(resetId('P01', 'SMS_A')).toBe('6f9a563e-bf9a-5ccc-90f9-afcccb98d4e5');
    // 'summary-presence:["P01","machine","WS-0042"]', 'summary-presence:["P01","component","SMS_A"]'
    expect(presenceId('P01', 'machine', 'WS-0042')).toBe('d220bb69-3065-58f5-bf53-eda0fe9cebf3');
    expect(presenceId('P01', 'component', 'SMS_A')).toBe('e6b33794-d828-5bf6-b8c7-ddad7a0c043b');
  });
});
