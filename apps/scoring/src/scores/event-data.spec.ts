import { ContactMergedDto } from './dto/contact-merged.dto';
import { LeadAttributedDto } from './dto/lead-attributed.dto';
import { InvalidEventDataError, parseEventData } from './event-data';

const lead = {
  leadId: '0190a5b2-0000-7000-8000-000000000001',
  contactId: '0190a5b2-0000-7000-8000-000000000002',
  isNewContact: true,
  source: 'landing',
  offer: null,
  country: 'DE',
  receivedAt: '2026-01-01T10:00:00.000Z',
  emailValid: true,
  phoneValid: false,
};

describe('parseEventData', () => {
  it('accepts the data of lead.attributed as the contract defines it', () => {
    expect(parseEventData(LeadAttributedDto, 'lead.attributed', lead)).toMatchObject(lead);
  });

  it.each([
    ['a contact id that is not a UUID', { ...lead, contactId: 'nope' }, /contactId/],
    ['a missing receivedAt', { ...lead, receivedAt: undefined }, /receivedAt/],
    ['a validity flag that is not a boolean', { ...lead, emailValid: 'yes' }, /emailValid/],
  ])('rejects %s, naming the field', (_, data, field) => {
    expect(() => parseEventData(LeadAttributedDto, 'lead.attributed', data)).toThrow(field);
  });

  it('rejects data that is not an object', () => {
    expect(() => parseEventData(ContactMergedDto, 'contact.merged', 'x')).toThrow(InvalidEventDataError);
  });

  it('accepts a merge of two contact ids', () => {
    const merge = { survivorId: lead.contactId, mergedId: lead.leadId };
    expect(parseEventData(ContactMergedDto, 'contact.merged', merge)).toEqual(merge);
  });
});
