import { EventTypes, InvalidEnvelopeError, LeadAttributedData } from '@leadflow/contracts';
import { InvalidEventDataError, parseEnvelope, parseEventData, redeliveryDelayMs } from './envelope-parser';

const valid = {
  id: '0190f1a2-7b3c-7def-8123-456789abcdef',
  type: 'lead.ingested',
  version: 1,
  workspaceId: 'default',
  occurredAt: '2026-11-21T10:00:00.000Z',
  producer: 'ingestion',
  correlationId: 'req-1',
  data: { leadId: 'x' },
};

describe('parseEnvelope', () => {
  it('accepts a well-formed envelope on its own subject', () => {
    expect(parseEnvelope(valid, 'lead.ingested')).toMatchObject({ id: valid.id, data: { leadId: 'x' } });
  });

  it.each([
    ['an array', [1, 2], /not a JSON object/],
    ['a string', 'text', /not a JSON object/],
    ['a missing id', { ...valid, id: undefined }, /id/],
    ['a non-object data', { ...valid, data: 'text' }, /data/],
    ['a bad timestamp', { ...valid, occurredAt: 'yesterday' }, /occurredAt/],
    ['a zero version', { ...valid, version: 0 }, /version/],
  ])('rejects %s', (_, input, message) => {
    expect(() => parseEnvelope(input, undefined)).toThrow(InvalidEnvelopeError);
    expect(() => parseEnvelope(input, undefined)).toThrow(message);
  });

  it('accepts every event type of the map, those with an underscore in their first part included', () => {
    for (const type of Object.values(EventTypes)) expect(parseEnvelope({ ...valid, type }, type)).toMatchObject({ type });
  });

  it('rejects an event whose type does not match the subject it arrived on', () => {
    expect(() => parseEnvelope(valid, 'contact.created')).toThrow(/arrived on subject contact.created/);
  });
});

describe('parseEventData', () => {
  const attributed = {
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
  const envelopeOf = (data: Record<string, unknown>) =>
    parseEnvelope({ ...valid, type: EventTypes.leadAttributed, data }, EventTypes.leadAttributed);

  it("gives the data as an instance of its type's class, keeping fields the class does not declare", () => {
    const event = parseEventData(envelopeOf({ ...attributed, campaign: 'spring' }), EventTypes.leadAttributed);
    expect(event.data).toBeInstanceOf(LeadAttributedData);
    expect(event.data).toEqual({ ...attributed, campaign: 'spring' });
    expect(event).toMatchObject({ id: valid.id, type: EventTypes.leadAttributed, workspaceId: 'default' });
  });

  it.each([
    ['a missing field', { ...attributed, receivedAt: undefined }, 'data.receivedAt must be an ISO 8601 timestamp'],
    ['a field of the wrong type', { ...attributed, emailValid: 'yes' }, 'data.emailValid must be a boolean value'],
    ['a malformed id', { ...attributed, contactId: 'nope' }, 'data.contactId must be a UUID'],
    ['a null where none is allowed', { ...attributed, source: null }, 'data.source must be a string of at most 255 characters'],
  ])('refuses %s, naming the field', (_, data, message) => {
    expect(() => parseEventData(envelopeOf(data), EventTypes.leadAttributed)).toThrow(InvalidEventDataError);
    expect(() => parseEventData(envelopeOf(data), EventTypes.leadAttributed)).toThrow(new InvalidEventDataError(message));
  });

  it('names every offending field at once', () => {
    const data = { ...attributed, contactId: 'nope', isNewContact: 1 };
    expect(() => parseEventData(envelopeOf(data), EventTypes.leadAttributed)).toThrow(
      'data.contactId must be a UUID; data.isNewContact must be a boolean value',
    );
  });

  it('refuses the data of another type', () => {
    expect(() =>
      parseEventData(envelopeOf({ survivorId: attributed.contactId, mergedId: attributed.leadId }), EventTypes.leadAttributed),
    ).toThrow(/data\.leadId .*; data\.contactId/);
  });
});

describe('redeliveryDelayMs', () => {
  it('doubles from one second and stops at a minute', () => {
    expect([1, 2, 3, 4, 7, 8, 30].map(redeliveryDelayMs)).toEqual([1000, 2000, 4000, 8000, 60000, 60000, 60000]);
  });
});
