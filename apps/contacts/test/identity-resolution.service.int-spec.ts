import { type EventEnvelope, EventTypes, type LeadIngestedData } from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import { eventEnvelope, findInvariantViolations, leadIngestedData, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { ContactsRepository } from '../src/contacts/contacts.repository';
import { ErasedIdentitiesRepository } from '../src/contacts/erased-identities.repository';
import { IdentityResolutionService } from '../src/contacts/identity-resolution.service';
import { contactsMigrations } from '../src/database/migrations';

/**
 * Identity resolution in-process against a real PostgreSQL, no NATS: the batches are composed on
 * purpose (a person's leads in every order, in one batch or spread over batches applied at the
 * same time, as replicas would), which an end-to-end run reaches only by chance.
 */
describe('identity resolution against PostgreSQL', () => {
  let database: ServiceDatabase;
  let resolver: IdentityResolutionService;

  beforeAll(async () => {
    database = await openServiceDatabase('contacts', contactsMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: Outbox, useValue: new Outbox(database.dataSource, 'contacts') },
        ContactsRepository,
        ErasedIdentitiesRepository,
        IdentityResolutionService,
      ],
    }).compile();
    resolver = module.get(IdentityResolutionService);
  });

  afterAll(async () => {
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

  function envelope(workspaceId: string, fields: Partial<LeadIngestedData>): EventEnvelope<LeadIngestedData> {
    return eventEnvelope(workspaceId, EventTypes.leadIngested, leadIngestedData(fields), { producer: 'ingestion' });
  }

  /** A person's three kinds of lead: email and phone, email only, phone only. */
  function threeLeads(workspaceId: string, n: number) {
    const email = `person${n}@example.com`;
    const phone = `+4915${String(11000000 + n)}`;
    return [
      envelope(workspaceId, { email, emailValid: true, phone, phoneValid: true }),
      envelope(workspaceId, { email, emailValid: true }),
      envelope(workspaceId, { phone, phoneValid: true }),
    ];
  }

  /** One batch, one transaction, as the consumer applies it; a deadlock or lock wait is the consumer's retry. */
  async function apply(events: Array<EventEnvelope<LeadIngestedData>>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await database.dataSource.transaction((manager) => resolver.onLeadsIngested(events, manager));
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
  }

  async function liveContacts(workspaceId: string) {
    return database.db.query<{ id: string; email: string | null; phone: string | null }>(
      `SELECT id, email, phone FROM contacts.contacts WHERE workspace_id = $1 AND merged_into IS NULL ORDER BY id`,
      [workspaceId],
    );
  }

  async function contactsOfLeads(workspaceId: string): Promise<Map<string, string>> {
    const rows = await database.db.query<{ lead_id: string; contact_id: string }>(
      `SELECT l.lead_id, COALESCE(c.merged_into, c.id) AS contact_id
       FROM contacts.contact_leads l JOIN contacts.contacts c ON c.id = l.contact_id WHERE l.workspace_id = $1`,
      [workspaceId],
    );
    return new Map(rows.map((row) => [row.lead_id, row.contact_id]));
  }

  const orders = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];

  it.each(orders)('makes one contact of a person whose three leads arrive in one batch in the order %s, %s, %s', async (...order) => {
    const ws = newWorkspace();
    const leads = threeLeads(ws, 1);
    await apply(order.map((i) => leads[i] as EventEnvelope<LeadIngestedData>));
    const live = await liveContacts(ws);
    expect(live).toEqual([{ id: expect.any(String), email: 'person1@example.com', phone: '+491511000001' }]);
    expect(new Set((await contactsOfLeads(ws)).values())).toEqual(new Set([live[0]?.id]));
  });

  it.each(orders)('makes one contact of a person whose three leads arrive one batch each in the order %s, %s, %s', async (...order) => {
    const ws = newWorkspace();
    const leads = threeLeads(ws, 2);
    for (const i of order) await apply([leads[i] as EventEnvelope<LeadIngestedData>]);
    expect(await liveContacts(ws)).toEqual([{ id: expect.any(String), email: 'person2@example.com', phone: '+491511000002' }]);
  });

  it('makes one contact per person when batches holding leads of the same people are applied at the same time', async () => {
    for (let round = 0; round < 10; round += 1) {
      const ws = newWorkspace();
      const people = Array.from({ length: 30 }, (_, n) => threeLeads(ws, 100 + n));
      // Three "replicas", each applying batches of a random share of every person's leads at once.
      const shares: Array<Array<EventEnvelope<LeadIngestedData>>> = [[], [], []];
      for (const leads of people) for (const lead of leads) shares[Math.floor(Math.random() * 3)]?.push(lead);
      await Promise.all(
        shares.map(async (share) => {
          for (let i = 0; i < share.length; i += 7) await apply(share.slice(i, i + 7));
        }),
      );
      const contactOf = await contactsOfLeads(ws);
      const split = people.filter((leads) => new Set(leads.map((lead) => contactOf.get(lead.data.leadId))).size !== 1);
      expect(split).toEqual([]);
      expect(await liveContacts(ws)).toHaveLength(people.length);
    }
    expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);
  });

  it('applies a batch delivered again without a second effect', async () => {
    const ws = newWorkspace();
    const leads = threeLeads(ws, 3);
    await apply(leads);
    const outboxBefore = await database.db.query(`SELECT envelope->>'id' AS id FROM contacts.outbox_events`);
    await apply(leads);
    expect(await database.db.query(`SELECT envelope->>'id' AS id FROM contacts.outbox_events`)).toHaveLength(outboxBefore.length);
    expect(await liveContacts(ws)).toHaveLength(1);
  });

  it('tells what it did in the outbox: one attribution per lead, a merge when a lead ties two contacts', async () => {
    const ws = newWorkspace();
    const [both, byEmail, byPhone] = threeLeads(ws, 4) as [
      EventEnvelope<LeadIngestedData>,
      EventEnvelope<LeadIngestedData>,
      EventEnvelope<LeadIngestedData>,
    ];
    await apply([byEmail, byPhone, both]);
    const events = await database.db.query<{ id: string; type: string; data: Record<string, unknown> }>(
      `SELECT envelope->>'id' AS id, type, envelope->'data' AS data FROM contacts.outbox_events WHERE envelope->>'workspaceId' = $1 ORDER BY seq, ord`,
      [ws],
    );
    const [contact] = await liveContacts(ws);
    // The events of one statement are packed by type, so their order holds within each type: the
    // two leads' contacts and attributions written together, then the merge, then the lead that
    // tied them.
    expect(events.map((e) => e.type)).toEqual([
      'contact.created_from_lead',
      'contact.created_from_lead',
      'lead.attributed',
      'lead.attributed',
      'contact.merged',
      'contact.updated',
      'lead.attributed',
    ]);
    expect(events.filter((e) => e.type === 'lead.attributed').map((e) => e.data.contactId)).toEqual([
      contact?.id,
      expect.any(String),
      contact?.id,
    ]);
    expect(events.find((e) => e.type === 'contact.merged')?.data).toMatchObject({ survivorId: contact?.id });
    // A contact a lead made is announced by a contact.created_from_lead naming the lead, and the
    // lead's attribution names that event; the lead that found its contact names none.
    const created = events.filter((e) => e.type === 'contact.created_from_lead');
    expect(created.map((e) => e.data.leadId)).toEqual([byEmail.data.leadId, byPhone.data.leadId]);
    expect(
      events.filter((e) => e.type === 'lead.attributed').map((e) => [e.data.leadId, e.data.isNewContact, e.data.contactCreatedEventId]),
    ).toEqual([
      [byEmail.data.leadId, true, created[0]?.id],
      [byPhone.data.leadId, true, created[1]?.id],
      [both.data.leadId, false, undefined],
    ]);
    expect(events.find((e) => e.type === 'contact.updated')?.data).not.toHaveProperty('leadId');
  });

  it('keeps invalid values on the lead: a contact never holds an email or phone that identifies nobody', async () => {
    const ws = newWorkspace();
    await apply([envelope(ws, { email: 'n/a', phone: '+4915', firstName: 'Ana' })]);
    expect(await database.db.query(`SELECT email, phone, first_name FROM contacts.contacts WHERE workspace_id = $1`, [ws])).toEqual([
      { email: null, phone: null, first_name: 'Ana' },
    ]);
  });
});
