import { absorbInto, type LeadFields, newContactRow } from './contact-fields';

const lead = (fields: Partial<LeadFields>): LeadFields => ({
  email: null,
  emailValid: false,
  phone: null,
  phoneValid: false,
  firstName: null,
  lastName: null,
  country: null,
  ...fields,
});

describe('contact fields from leads', () => {
  it('takes a valid email and phone onto a new contact', () => {
    const row = newContactRow('w1', lead({ email: 'ana@example.com', emailValid: true, phone: '+4930901820', phoneValid: true }));
    expect(row).toMatchObject({ workspace_id: 'w1', email: 'ana@example.com', phone: '+4930901820', merged_into: null });
  });

  it('leaves an invalid email or phone on the lead: a new contact gets neither', () => {
    const row = newContactRow('w1', lead({ email: 'n/a', phone: '+4915012', firstName: 'Ana', country: 'DE' }));
    expect(row).toMatchObject({ email: null, phone: null, first_name: 'Ana', country: 'DE' });
  });

  it('fills an empty email or phone from a later lead only with a valid value', () => {
    const row = newContactRow('w1', lead({ firstName: 'Ana' }));
    absorbInto(row, lead({ email: 'test', phone: '000', firstName: 'Other' }));
    expect(row).toMatchObject({ email: null, phone: null, first_name: 'Ana' });
    absorbInto(row, lead({ email: 'ana@example.com', emailValid: true, phone: '+4930901820', phoneValid: true }));
    expect(row).toMatchObject({ email: 'ana@example.com', phone: '+4930901820' });
  });

  it('never replaces a contact email or phone it has', () => {
    const row = newContactRow('w1', lead({ email: 'ana@example.com', emailValid: true, phone: '+4930901820', phoneValid: true }));
    absorbInto(row, lead({ email: 'bo@example.com', emailValid: true, phone: '+4930901821', phoneValid: true }));
    expect(row).toMatchObject({ email: 'ana@example.com', phone: '+4930901820' });
  });
});
