import { applyMergePatch, normalizeContactFields } from './contact-record-fields';

describe('JSON Merge Patch (RFC 7396)', () => {
  // The examples of RFC 7396, appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('patches %j with %j into %j', (target, patch, result) => {
    expect(applyMergePatch(target, patch)).toEqual(result);
  });

  it('leaves the target as it was', () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('contact fields an admin sets', () => {
  it('empties what is left out or null, and defaults lifecycle, tags and properties', () => {
    expect(normalizeContactFields({ firstName: '  ', lastName: null })).toEqual({
      first_name: null,
      last_name: null,
      company: null,
      title: null,
      country: null,
      email: null,
      phone: null,
      owner_id: null,
      tags: [],
      lifecycle: 'lead',
      properties: {},
      parse_issues: [],
    });
  });

  it('refuses properties nested deeper than a lead body may be', () => {
    const nested = (depth: number): Record<string, unknown> => (depth === 1 ? { a: 1 } : { a: nested(depth - 1) });
    expect(normalizeContactFields({ properties: nested(32) }).properties).toEqual(nested(32));
    expect(() => normalizeContactFields({ properties: nested(33) })).toThrow(expect.objectContaining({ code: 'validation_failed' }));
  });

  it('reads a national phone with the contact country', () => {
    expect(normalizeContactFields({ country: 'de', phone: '030 901820' })).toMatchObject({ country: 'DE', phone: '+4930901820' });
  });
});
