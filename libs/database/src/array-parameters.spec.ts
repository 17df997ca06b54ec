import { arrayLiteral } from './array-parameters';

describe('arrayLiteral', () => {
  it('leaves plain elements unquoted and joins them once', () => {
    expect(arrayLiteral(['0192f3a4-5b6c-7d8e-9f00-112233445566', 'lead.ingested', 'ünï'])).toBe(
      '{0192f3a4-5b6c-7d8e-9f00-112233445566,lead.ingested,ünï}',
    );
    expect(arrayLiteral([1, -2.5, 9007199254740993n])).toBe('{1,-2.5,9007199254740993}');
    expect(arrayLiteral([])).toBe('{}');
  });

  it('quotes what PostgreSQL would read otherwise, escaping quotes and backslashes', () => {
    expect(arrayLiteral(['', 'NULL', 'null', 'a b', ' x', 'tab\t', 'a,b', '{b}', 'q"d', 'b\\s'])).toBe(
      '{"","NULL","null","a b"," x","tab\t","a,b","{b}","q\\"d","b\\\\s"}',
    );
  });

  it('writes null and undefined elements as NULL', () => {
    expect(arrayLiteral(['a', null, undefined])).toBe('{a,NULL,NULL}');
  });

  it('leaves every other array to node-postgres', () => {
    expect(arrayLiteral([['a'], ['b']])).toBeUndefined();
    expect(arrayLiteral([new Date(0)])).toBeUndefined();
    expect(arrayLiteral([Buffer.from('a')])).toBeUndefined();
    expect(arrayLiteral([true])).toBeUndefined();
    expect(arrayLiteral([{ a: 1 }])).toBeUndefined();
  });
});
