import { deadLetterId, isUuid, statusMessageId, uuidV5 } from '../../lib/message/ids';

describe('ids', () => {
  it('computes RFC 4122 version 5 UUIDs (known vector: DNS namespace, "python.org")', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
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
