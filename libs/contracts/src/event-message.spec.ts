import { InvalidEnvelopeError, readMessage } from './event-message';

// readMessage does not check the events it reads (the consumer does): any objects will do.
const valid = { id: 'event-1', type: 'lead.ingested', data: { leadId: 'x' } };
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('readMessage', () => {
  it('reads the events of a packed message, in order, and a lone envelope as one event', () => {
    const second = { ...valid, id: 'event-2' };
    expect(readMessage(bytes([valid, second]))).toEqual([valid, second]);
    expect(readMessage(bytes(valid))).toEqual([valid]);
  });

  it('reads a view into a larger buffer without its neighbours', () => {
    const whole = Buffer.from(`xx${JSON.stringify([valid])}yy`);
    expect(readMessage(whole.subarray(2, whole.length - 2))).toEqual([valid]);
  });

  it.each([
    ['broken JSON', '{"id":', /not valid JSON/],
    ['an empty array', '[]', /carries no event/],
    ['a number', '42', /neither an event nor an array/],
    ['null', 'null', /neither an event nor an array/],
  ])('refuses %s', (_, input, message) => {
    expect(() => readMessage(bytes(input))).toThrow(InvalidEnvelopeError);
    expect(() => readMessage(bytes(input))).toThrow(message);
  });
});
