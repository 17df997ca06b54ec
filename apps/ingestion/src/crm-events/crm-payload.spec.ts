import { jsonArrayItems, readCrmPayload, webhookDedupKey } from './crm-payload';

const receivedAt = new Date('2026-11-30T12:00:00Z');
const read = (payload: unknown, kind: 'acme' | 'standard' = 'standard', mapping = null) =>
  readCrmPayload(Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), kind, mapping, receivedAt);

describe('readCrmPayload', () => {
  it('reads the wire payload: type or eventType, record id, updatedAt, fields named as contacts takes them', () => {
    expect(
      read({
        eventType: 'contact.created',
        id: 'e1',
        data: { id: 42, updatedAt: '2026-11-30T10:00:00Z', createdAt: 'x', email: 'a@b.c', leadId: 'L' },
      }),
    ).toEqual({
      outcome: 'event',
      webhookId: 'e1',
      eventAt: new Date('2026-11-30T10:00:00Z'),
      event: {
        type: 'contact.created',
        externalId: '42',
        sourceUpdatedAt: '2026-11-30T10:00:00.000Z',
        fields: { email: 'a@b.c', properties: { leadId: 'L' } },
      },
    });
  });

  it('dates an event by its timestamp when the record has no updatedAt, else by its arrival', () => {
    expect(read({ type: 'contact.deleted', timestamp: 1796030000, data: { id: 'c' } })).toMatchObject({
      eventAt: new Date(1796030000 * 1000),
    });
    expect(read({ type: 'contact.deleted', data: { id: 'c' } })).toMatchObject({ eventAt: receivedAt });
  });

  it('converts opportunity amounts in major units exactly, by the currency exponent', () => {
    const jpy = read({ type: 'opportunity.won', data: { id: 'o', amount: '1500', currency: 'JPY', contactId: 'c1', stage: 'closed_won' } });
    expect(jpy).toMatchObject({
      event: { fields: { amount: { amount: '1500', currency: 'JPY' }, contactExternalId: 'c1', stage: 'closed_won' } },
    });
    const eur = read({ type: 'opportunity.created', data: { id: 'o', amount: 12.5, currency: 'eur' } });
    expect(eur).toMatchObject({ event: { fields: { amount: { amount: '1250', currency: 'EUR' } } } });
    expect(read({ type: 'opportunity.created', data: { id: 'o', amount: '1.005', currency: 'EUR' } })).toMatchObject({
      outcome: 'unreadable',
    });
    expect(read({ type: 'opportunity.created', data: { id: 'o', amount: '10' } })).toMatchObject({ outcome: 'unreadable' });
  });

  it('tells an unsupported type from an unreadable body, each with its reason', () => {
    expect(read({ type: 'invoice.paid', data: { id: 'i' } })).toMatchObject({
      outcome: 'unsupported',
      type: 'invoice.paid',
      externalId: 'i',
    });
    expect(read('nope')).toMatchObject({ outcome: 'unreadable', error: expect.stringMatching(/^The body is not JSON/) });
    expect(read([1])).toMatchObject({ outcome: 'unreadable', error: 'The body must be a JSON object' });
    expect(read({ data: { id: 'x' } })).toMatchObject({ outcome: 'unreadable', error: 'The payload names no event type' });
    expect(read({ type: 'contact.created', data: {} })).toMatchObject({ outcome: 'unreadable', error: expect.stringMatching(/record id/) });
    expect(read({ type: 'contact.created', data: { id: 'x', updatedAt: 'yesterday' } })).toMatchObject({ outcome: 'unreadable' });
    expect(read({ type: 'contact.created', data: { id: 'x', updatedAt: '1999-12-31T00:00:00Z' } })).toMatchObject({
      outcome: 'unreadable',
    });
    expect(read({ type: 'contact.created', data: { id: 'x', updatedAt: '2026-12-05T00:00:00Z' } })).toMatchObject({
      outcome: 'unreadable',
    });
  });

  it('drops NUL characters, which PostgreSQL text cannot hold', () => {
    expect(read('{"type":"contact.created","data":{"id":"a\\u0000b","email":"\\u0000"}}')).toMatchObject({
      event: { externalId: 'ab', fields: { email: '' } },
    });
  });

  it('reads an acme payload by its mapping, renaming types', () => {
    const mapping = {
      type: 'kind',
      externalId: 'obj.key',
      updatedAt: 'obj.at',
      id: 'meta.delivery',
      types: { PersonChanged: 'contact.updated' },
      fields: { email: 'obj.mail', 'properties.tier': 'obj.tier' },
    };
    const reading = readCrmPayload(
      Buffer.from(
        JSON.stringify({
          kind: 'PersonChanged',
          meta: { delivery: 'd9' },
          obj: { key: 'K', at: '2026-11-29T00:00:00Z', mail: 'm@x.y', tier: 2 },
        }),
      ),
      'acme',
      mapping,
      receivedAt,
    );
    expect(reading).toMatchObject({
      outcome: 'event',
      webhookId: 'd9',
      event: { type: 'contact.updated', externalId: 'K', fields: { email: 'm@x.y', properties: { tier: 2 } } },
    });
  });
});

describe('readCrmPayload: the senders’ own shapes', () => {
  it('reads a Stripe event: data.object is the record, created dates it', () => {
    const stripe = readCrmPayload(
      Buffer.from(
        JSON.stringify({
          id: 'evt_1',
          object: 'event',
          type: 'contact.updated',
          created: 1796030000,
          data: { object: { id: 'cus_1', object: 'customer', email: 's@x.y' } },
        }),
      ),
      'stripe',
      null,
      receivedAt,
    );
    expect(stripe).toEqual({
      outcome: 'event',
      webhookId: 'evt_1',
      eventAt: new Date(1796030000 * 1000),
      event: {
        type: 'contact.updated',
        externalId: 'cus_1',
        sourceUpdatedAt: new Date(1796030000 * 1000).toISOString(),
        fields: { email: 's@x.y' },
      },
    });
  });

  it('reads a Stripe customer event as a contact event, its name as first and last name', () => {
    const read = (type: string, object: Record<string, unknown>) =>
      readCrmPayload(
        Buffer.from(JSON.stringify({ id: 'evt_2', object: 'event', type, created: 1796030000, data: { object } })),
        'stripe',
        null,
        receivedAt,
      );
    expect(
      read('customer.created', { id: 'cus_2', object: 'customer', email: 'sam@x.y', name: 'Sam  van Stripe', phone: null }),
    ).toMatchObject({
      outcome: 'event',
      event: {
        type: 'contact.created',
        externalId: 'cus_2',
        fields: { email: 'sam@x.y', phone: null, firstName: 'Sam', lastName: 'van Stripe' },
      },
    });
    expect(read('customer.updated', { id: 'cus_2', object: 'customer', name: 'Cher' })).toMatchObject({
      event: { type: 'contact.updated', fields: { firstName: 'Cher', lastName: null } },
    });
    expect(read('customer.deleted', { id: 'cus_2', object: 'customer', deleted: true })).toMatchObject({
      event: { type: 'contact.deleted', externalId: 'cus_2' },
    });
    expect(read('invoice.paid', { id: 'in_1', object: 'invoice' })).toMatchObject({ outcome: 'unsupported', type: 'invoice.paid' });
  });

  it('reads a HubSpot event (alone or in an array of one), its subscription type and property', () => {
    const event = {
      eventId: 77,
      subscriptionType: 'contact.propertyChange',
      objectId: 1234,
      occurredAt: 1796030000123,
      propertyName: 'firstname',
      propertyValue: 'Ana',
    };
    for (const body of [event, [event]]) {
      expect(readCrmPayload(Buffer.from(JSON.stringify(body)), 'hubspot', null, receivedAt)).toEqual({
        outcome: 'event',
        webhookId: '77',
        eventAt: new Date(1796030000123),
        event: {
          type: 'contact.updated',
          externalId: '1234',
          sourceUpdatedAt: new Date(1796030000123).toISOString(),
          fields: { firstName: 'Ana' },
        },
      });
    }
    expect(readCrmPayload(Buffer.from(JSON.stringify([event, event])), 'hubspot', null, receivedAt)).toMatchObject({
      outcome: 'unreadable',
      error: 'A HubSpot request of 2 events, read as one: each event is read from its own item',
    });
    expect(
      readCrmPayload(Buffer.from(JSON.stringify({ ...event, subscriptionType: 'company.creation' })), 'hubspot', null, receivedAt),
    ).toMatchObject({
      outcome: 'unsupported',
      type: 'company.creation',
    });
  });

  it('reads the wire payload from every kind', () => {
    const wire = { type: 'contact.created', id: 'w1', data: { id: 'c1', updatedAt: '2026-11-30T10:00:00Z' } };
    for (const kind of ['stripe', 'hubspot', 'acme'] as const) {
      expect(readCrmPayload(Buffer.from(JSON.stringify(wire)), kind, null, receivedAt)).toMatchObject({
        outcome: 'event',
        event: { externalId: 'c1' },
      });
    }
  });
});

describe('jsonArrayItems', () => {
  it('gives the verbatim bytes of each item of a JSON array, strings with brackets and escapes included', () => {
    const body = Buffer.from('\uFEFF [ {"a":"x,]}\\"","b":[1,{"c":2}]} ,42,\n"é" , null,[] ]\n');
    expect(jsonArrayItems(body)?.map((item) => item.toString('utf8'))).toEqual([
      '{"a":"x,]}\\"","b":[1,{"c":2}]}',
      '42',
      '"é"',
      'null',
      '[]',
    ]);
    expect(jsonArrayItems(Buffer.from('[]'))).toEqual([]);
    expect(jsonArrayItems(Buffer.from('{"a":[1,2]}'))).toBeNull();
    expect(jsonArrayItems(Buffer.from('[1,'))).toBeNull();
  });
});

describe('webhookDedupKey', () => {
  it('prefers the scheme id, then the payload id, then the body hash', () => {
    const body = Buffer.from('{}');
    expect(webhookDedupKey('msg_1', 'e1', body)).toBe('id:msg_1');
    expect(webhookDedupKey(null, 'e1', body)).toBe('id:e1');
    expect(webhookDedupKey(null, null, body)).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});
