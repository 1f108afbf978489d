import { deadLetterId, isUuid, statusMessageId, uuidV5 } from '../../lib/message/ids';

describe('ids', () => {
  it('computes RFC 4122 version 5 UUIDs (known vector: DNS namespace, "python.org")', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });

  // Vectors from Python: str(uuid.uuid5(uuid.UUID('6f1c2b7e-3d0a-4f57-9a8e-2f6d1c0b9e41'), name)).
  it("computes statmgr's UUIDv5 of short and long names (a name longer than any earlier one included)", () => {
    expect(uuidV5('short')).toBe('f8bb6c54-1261-5cfc-a5f6-0d68f0e2d039');
    // 'long:' + 300 x 'é': 605 bytes of UTF-8, more than the reused buffer holds at first.
    expect(uuidV5(`long:${'é'.repeat(300)}`)).toBe('1084ba15-56b5-5147-8d93-63adc100f3f2');
    expect(uuidV5('short')).toBe('f8bb6c54-1261-5cfc-a5f6-0d68f0e2d039');
  });

  it('refuses a namespace that is not a UUID, naming it', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(
      new TypeError('namespace must be a UUID, got "not-a-uuid"'),
    );
  });

  it('takes a UUID only as the whole text', () => {
    const uuid = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    expect(isUuid(uuid)).toBe(true);
    expect(isUuid(uuid.toUpperCase())).toBe(true);
    expect(isUuid(`x${uuid}`)).toBe(false);
    expect(isUuid(`${uuid}x`)).toBe(false);
  });

  it('gives the same id for the same batch and position', () => {
    const batch = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(statusMessageId(undefined, batch, 3)).toBe(statusMessageId(undefined, batch, 3));
    expect(statusMessageId(undefined, batch.toUpperCase(), 3)).toBe(statusMessageId(undefined, batch, 3));
  });

  it('gives different ids for different positions or batches', () => {
    const batch = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const ids = new Set([
      statusMessageId(undefined, batch, 0),
      statusMessageId(undefined, batch, 1),
      statusMessageId(undefined, '7c9e6679-7425-40de-944b-e07fc1f90ae7', 0),
    ]);
    expect(ids.size).toBe(3);
    for (const id of ids) expect(isUuid(id)).toBe(true);
  });

  it("uses the sender's UUID when given", () => {
    expect(statusMessageId('7C9E6679-7425-40DE-944B-E07FC1F90AE7', 'batch', 0)).toBe(
      '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    );
  });

  it('keeps dead letter ids apart from status message ids', () => {
    expect(deadLetterId('b', 0)).not.toBe(statusMessageId(undefined, 'b', 0));
  });
});
