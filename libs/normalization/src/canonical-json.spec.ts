import { createHash } from 'node:crypto';
import { canonicalJson, fingerprint } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('sorts integer-like keys as text, not in the engine’s numeric order', () => {
    expect(canonicalJson({ 10: 'a', 2: 'b', x: 'c' })).toBe('{"10":"a","2":"b","x":"c"}');
  });

  it('keeps array order', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
  });

  it('writes scalars as JSON.stringify does', () => {
    expect(canonicalJson('a"\n')).toBe('"a\\"\\n"');
    expect(canonicalJson(1.5)).toBe('1.5');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
  });

  it('leaves out properties JSON cannot hold and writes null for them in arrays', () => {
    expect(canonicalJson({ a: undefined, b: () => 1, c: Symbol('s'), d: 1 })).toBe('{"d":1}');
    expect(canonicalJson([undefined, () => 1, Number.NaN, Infinity])).toBe('[null,null,null,null]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('honours toJSON, as dates need', () => {
    expect(canonicalJson({ at: new Date('2024-01-02T03:04:05.000Z') })).toBe('{"at":"2024-01-02T03:04:05.000Z"}');
  });

  it('includes a __proto__ own key like any other', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":1}');
  });

  it('handles 100k levels of nesting without exhausting the stack', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: [deep] };
    expect(canonicalJson(deep)).toHaveLength(100_000 * '{"a":[]}'.length + 2);
  });

  it('writes an object of plain values as it writes the same object nested in an array', () => {
    const flat = [
      { b: 'x', a: 1, c: true, d: null },
      { 10: 'a', 2: 'b', x: 'c', '': 'empty' },
      JSON.parse('{"b":1,"__proto__":"p","toJSON":"not a function"}') as object,
      { é: 'ü', '\uD83D\uDE00': '\uD800', Z: 'z', 'a"\n': 'q"\\' },
      { nan: Number.NaN, inf: -Infinity, neg: -0, big: 1e21, small: 5e-7 },
      {},
    ];
    for (const object of flat) expect(canonicalJson(object)).toBe(canonicalJson([object]).slice(1, -1));
    expect(canonicalJson({ b: 'x', a: 1 })).toBe('{"a":1,"b":"x"}');
  });

  it('throws a TypeError for a circular structure', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular['self'] = circular;
    expect(() => canonicalJson(circular)).toThrow(TypeError);
  });

  it('allows the same object twice when it is not its own ancestor', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
  });
});

describe('fingerprint', () => {
  it('is the sha256 hex of the canonical JSON', () => {
    expect(fingerprint({})).toBe(createHash('sha256').update('{}').digest('hex'));
    expect(fingerprint({ b: 1, a: 2 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not change when keys arrive in another order', () => {
    const one = { email: 'a@b.de', meta: { x: 1, y: [1, { p: 1, q: 2 }] }, name: 'A' };
    const other = { name: 'A', meta: { y: [1, { q: 2, p: 1 }], x: 1 }, email: 'a@b.de' };
    expect(fingerprint(one)).toBe(fingerprint(other));
  });

  it.each([
    [{ a: 1 }, { a: '1' }],
    [{ a: true }, { a: 'true' }],
    [{ a: null }, {}],
    [{ a: [1, 2] }, { a: [2, 1] }],
    [{ a: 'x' }, { a: 'x ' }],
    [{ a: { b: 1 } }, { a: { b: 2 } }],
    [{ a: 1 }, { b: 1 }],
    [{ a: '\uD800' }, { a: '\uFFFD' }],
  ])('changes when a value changes: %j vs %j', (one, other) => {
    expect(fingerprint(one)).not.toBe(fingerprint(other));
  });
});
