import { importTargetOf, mappingProblems } from './imports';

describe('import mappings', () => {
  it('reads fields case-insensitively, with or without separators, and custom properties', () => {
    expect(importTargetOf('Email')).toEqual({ field: 'email' });
    expect(importTargetOf('first_name')).toEqual({ field: 'firstName' });
    expect(importTargetOf(' LASTNAME ')).toEqual({ field: 'lastName' });
    expect(importTargetOf('properties.plan')).toEqual({ property: 'plan' });
    expect(importTargetOf('Properties.utm_source')).toEqual({ property: 'utm_source' });
  });

  it('knows no other target', () => {
    expect(importTargetOf('birthday')).toBeUndefined();
    expect(importTargetOf('properties.')).toBeUndefined();
    expect(importTargetOf('properties.has space')).toBeUndefined();
  });

  it('accepts a mapping of columns to known targets', () => {
    expect(mappingProblems({ 'E-Mail': 'email', Mobile: 'phone', Plan: 'properties.plan', Labels: 'tags' })).toEqual([]);
  });

  it('names every unknown target field', () => {
    const problems = mappingProblems({ 'E-Mail': 'email', Born: 'birthday', Shoe: 'shoeSize' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('unknown target field "birthday" for column "Born"');
    expect(problems[1]).toContain('"shoeSize"');
  });

  it('refuses a field fed by two columns, and anything but an object of strings', () => {
    expect(mappingProblems({ Mail: 'email', 'E-Mail': 'Email' })).toEqual(['"email" is fed by two columns: "Mail" and "E-Mail"']);
    expect(mappingProblems(['email'])).toHaveLength(1);
    expect(mappingProblems({})).toEqual(['the mapping names no column']);
    expect(mappingProblems({ Mail: 3 })).toEqual(['the target of column "Mail" must be a string']);
  });
});
