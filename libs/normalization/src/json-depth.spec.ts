import { jsonNestsDeeperThan } from './json-depth';

describe('jsonNestsDeeperThan', () => {
  it('counts the top-level object as the first level', () => {
    expect(jsonNestsDeeperThan('{}', 1)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":{}}', 1)).toBe(true);
  });

  it('counts arrays and objects alike', () => {
    expect(jsonNestsDeeperThan('{"a":[[{}]]}', 4)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":[[{}]]}', 3)).toBe(true);
  });

  it('measures the deepest branch, not the number of siblings', () => {
    expect(jsonNestsDeeperThan('{"a":{},"b":{},"c":[1,[2]]}', 3)).toBe(false);
  });

  it('ignores brackets inside strings, including after escaped quotes', () => {
    expect(jsonNestsDeeperThan('{"a":"[[[{{{"}', 1)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":"\\"[[[","b\\\\":"{{"}', 1)).toBe(false);
  });

  it('scans 100k levels without exhausting the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(jsonNestsDeeperThan(deep, 32)).toBe(true);
  });
});
