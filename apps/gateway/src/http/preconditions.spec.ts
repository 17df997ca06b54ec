import { etagOf, ifMatchVersions } from './preconditions';

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
