import { acmeMappingProblem } from './integration-mapping';

const valid = { type: 'event', externalId: 'record.id', updatedAt: 'record.updated_at', fields: { email: 'record.email' } };

describe('acmeMappingProblem', () => {
  it('accepts a full mapping', () => {
    expect(acmeMappingProblem(valid)).toBeNull();
    expect(acmeMappingProblem({ ...valid, id: 'delivery', occurredAt: 'sent', types: { ContactCreated: 'contact.created' } })).toBeNull();
  });

  it.each([
    ['not an object', [], /JSON object/],
    ['a missing path', { ...valid, updatedAt: undefined }, /updatedAt is required/],
    ['a bad path', { ...valid, type: 'a..b' }, /dot path/],
    ['an unknown key', { ...valid, extra: 1 }, /unknown key "extra"/],
    ['a type renamed to one we do not know', { ...valid, types: { X: 'invoice.paid' } }, /mapping.types\["X"\]/],
    ['fields that are not an object', { ...valid, fields: 'email' }, /mapping.fields must be an object/],
    ['a bad field name', { ...valid, fields: { 'e mail': 'a' } }, /invalid field name/],
    ['a field without a path', { ...valid, fields: { email: 5 } }, /mapping.fields.email/],
  ])('refuses %s', (_, mapping, message) => {
    expect(acmeMappingProblem(mapping)).toMatch(message);
  });
});
