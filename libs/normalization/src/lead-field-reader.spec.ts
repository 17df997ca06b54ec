import { issueValue, LeadFieldReader } from './lead-field-reader';

describe('issueValue', () => {
  it('shows strings as they are and other values as JSON', () => {
    expect(issueValue('Atlantis')).toBe('Atlantis');
    expect(issueValue({ a: [1, true] })).toBe('{"a":[1,true]}');
    expect(issueValue(false)).toBe('false');
    expect(issueValue(undefined)).toBe('undefined');
  });

  it('shortens long values to 100 characters', () => {
    expect(issueValue('x'.repeat(1_000_000))).toHaveLength(100);
    expect(issueValue(Array.from({ length: 1000 }, (_, index) => index))).toHaveLength(100);
  });

  it('falls back to the value’s type for what JSON cannot show', () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(issueValue(circular)).toBe('[object Object]');
    expect(issueValue([1n])).toBe('[object Array]');
  });

  it('removes NUL characters and lone surrogates', () => {
    expect(issueValue('a\u0000b\uD800')).toBe('ab\uFFFD');
  });
});

describe('LeadFieldReader', () => {
  it('names the spelling it read in every issue', () => {
    const reader = new LeadFieldReader([['first_name', ['x']]]);
    expect(reader.text(['firstName', 'first_name'])).toBeNull();
    expect(reader.issues).toEqual([{ field: 'first_name', reason: 'expected a string', value: '["x"]' }]);
  });

  it('applies the transform before deciding whether the text is empty or too long', () => {
    const reader = new LeadFieldReader([
      ['a', ' A  B '],
      ['b', 'x'.repeat(500)],
    ]);
    expect(reader.text(['a'], (text) => text.replace(/\s+/g, ''))).toEqual({ key: 'a', text: 'AB' });
    expect(reader.text(['b'], (text) => `${text}!`)?.text).toHaveLength(500);
    expect(reader.issues.map((issue) => issue.field)).toEqual(['b']);
  });
});
