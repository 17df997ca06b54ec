import type { LeadIngestedData } from '@leadflow/contracts';
import { absorbInto, newContactRow } from './contact-fields';
import { identitiesOf } from './identity';

type Lead = Pick<LeadIngestedData, 'email' | 'emailValid' | 'phone' | 'phoneValid' | 'firstName' | 'lastName' | 'country'>;

const lead = (fields: Partial<Lead>): Lead => ({
  email: null,
  emailValid: false,
  phone: null,
  phoneValid: false,
  firstName: null,
  lastName: null,
  country: null,
  ...fields,
});
const created = (from: Lead) => newContactRow('w1', from, identitiesOf(from));
const absorb = (contact: ReturnType<typeof created>, from: Lead) => absorbInto(contact, from, identitiesOf(from));

describe('contact fields from leads', () => {
  it('takes a valid email and phone onto a new contact', () => {
    const row = created(lead({ email: 'ana@example.com', emailValid: true, phone: '+4930901820', phoneValid: true }));
    expect(row).toMatchObject({ workspace_id: 'w1', email: 'ana@example.com', phone: '+4930901820', merged_into: null });
  });

  it('leaves an invalid email or phone on the lead: a new contact gets neither', () => {
    const row = created(lead({ email: 'n/a', phone: '+4915012', firstName: 'Ana', country: 'DE' }));
    expect(row).toMatchObject({ email: null, phone: null, first_name: 'Ana', country: 'DE' });
  });

  it('fills an empty email or phone from a later lead only with a valid value', () => {
    const row = created(lead({ firstName: 'Ana' }));
    absorb(row, lead({ email: 'test', phone: '000', firstName: 'Other' }));
    expect(row).toMatchObject({ email: null, phone: null, first_name: 'Ana' });
    absorb(row, lead({ email: 'ana@example.com', emailValid: true, phone: '+4930901820', phoneValid: true }));
    expect(row).toMatchObject({ email: 'ana@example.com', phone: '+4930901820' });
  });

  it('never replaces a contact email or phone it has', () => {
    const row = created(lead({ email: 'ana@example.com', emailValid: true, phone: '+4930901820', phoneValid: true }));
    absorb(row, lead({ email: 'bo@example.com', emailValid: true, phone: '+4930901821', phoneValid: true }));
    expect(row).toMatchObject({ email: 'ana@example.com', phone: '+4930901820' });
  });
});
