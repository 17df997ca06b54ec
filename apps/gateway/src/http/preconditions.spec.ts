import { etagOf, ifMatchVersions, versionConflictBody } from './preconditions';

describe('If-Match', () => {
  it('reads the versions of our strong ETags, one or a list', () => {
    expect(ifMatchVersions(etagOf(3))).toEqual([3]);
    expect(ifMatchVersions('"3", "4"')).toEqual([3, 4]);
  });

  it('is required: without it a write is 428 precondition_required', () => {
    expect(() => ifMatchVersions(undefined)).toThrow(expect.objectContaining({ code: 'precondition_required' }));
    expect(() => ifMatchVersions('  ')).toThrow(expect.objectContaining({ code: 'precondition_required' }));
  });

  it.each(['*', 'W/"3"', '3', '"0"', '"abc"', '"3",'])('refuses %s with invalid_precondition', (header) => {
    expect(() => ifMatchVersions(header)).toThrow(expect.objectContaining({ code: 'invalid_precondition' }));
  });
});

describe('the 412 answer', () => {
  it('is the standard error body with the current record', () => {
    expect(versionConflictBody({ id: 'x', version: 4 }, 'req-1')).toEqual({
      error: { code: 'version_conflict', message: expect.stringContaining('version 4'), requestId: 'req-1' },
      current: { id: 'x', version: 4 },
    });
  });
});
