import { InvalidEnvelopeError, parseEnvelope, redeliveryDelayMs } from './envelope-parser';

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
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('parseEnvelope', () => {
  it('accepts a well-formed envelope on its own subject', () => {
    expect(parseEnvelope(bytes(valid), 'lead.ingested')).toMatchObject({ id: valid.id, data: { leadId: 'x' } });
  });

  it.each([
    ['broken JSON', '{"id":', /not valid JSON/],
    ['an array', '[1,2]', /not a JSON object/],
    ['a missing id', { ...valid, id: undefined }, /id/],
    ['a non-object data', { ...valid, data: 'text' }, /data/],
    ['a bad timestamp', { ...valid, occurredAt: 'yesterday' }, /occurredAt/],
    ['a zero version', { ...valid, version: 0 }, /version/],
  ])('rejects %s', (_, input, message) => {
    expect(() => parseEnvelope(bytes(input), undefined)).toThrow(InvalidEnvelopeError);
    expect(() => parseEnvelope(bytes(input), undefined)).toThrow(message);
  });

  it('rejects an event whose type does not match the subject it arrived on', () => {
    expect(() => parseEnvelope(bytes(valid), 'contact.created')).toThrow(/arrived on subject contact.created/);
  });
});

describe('redeliveryDelayMs', () => {
  it('doubles from one second and stops at a minute', () => {
    expect([1, 2, 3, 4, 7, 8, 30].map(redeliveryDelayMs)).toEqual([1000, 2000, 4000, 8000, 60000, 60000, 60000]);
  });
});
