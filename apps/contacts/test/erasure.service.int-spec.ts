import { type ContactErasedData, type EventEnvelope, EventTypes, type LeadIngestedData } from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import { identityHash } from '@leadflow/normalization';
import { eventEnvelope, findInvariantViolations, leadIngestedData, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { ContactsRepository } from '../src/contacts/contacts.repository';
import { ErasedIdentitiesRepository } from '../src/contacts/erased-identities.repository';
import { IdentityResolutionService } from '../src/contacts/identity-resolution.service';
import { contactsMigrations } from '../src/database/migrations';
import { ContactErasureService } from '../src/privacy/contact-erasure.service';
import { ErasureRepository } from '../src/privacy/erasure.repository';

/** Erasure and export in contacts, in-process against a real PostgreSQL: contacts made by identity resolution, then erased. */
describe('contact erasure against PostgreSQL', () => {
  let database: ServiceDatabase;
  let resolver: IdentityResolutionService;
  let erasures: ContactErasureService;

  beforeAll(async () => {
    database = await openServiceDatabase('contacts', contactsMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: Outbox, useValue: new Outbox(database.dataSource, 'contacts') },
        ContactsRepository,
        ErasedIdentitiesRepository,
        IdentityResolutionService,
        ErasureRepository,
        ContactErasureService,
      ],
    }).compile();
    resolver = module.get(IdentityResolutionService);
    erasures = module.get(ContactErasureService);
  });

  afterAll(async () => {
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

  async function ingest(workspaceId: string, fields: Partial<LeadIngestedData>): Promise<string> {
    const data = leadIngestedData(fields);
    const event = eventEnvelope(workspaceId, EventTypes.leadIngested, data, { producer: 'ingestion' });
    await database.dataSource.transaction((manager) => resolver.onLeadsIngested([event], manager));
    return data.leadId;
  }

  async function contactOf(leadId: string): Promise<string> {
    const [row] = await database.db.query<{ id: string }>(
      `SELECT COALESCE(c.merged_into, c.id) AS id FROM contacts.contact_leads l JOIN contacts.contacts c ON c.id = l.contact_id WHERE l.lead_id = $1`,
      [leadId],
    );
    if (!row) throw new Error(`lead ${leadId} is not attributed`);
    return row.id;
  }

  /** The workspace's rows in the contacts schema as text (not the outbox: its events are published and gone before an erasure). */
  async function workspaceText(workspaceId: string): Promise<string> {
    const rows = await database.db.query<{ text: string }>(
      `SELECT c::text AS text FROM contacts.contacts c WHERE workspace_id = $1
       UNION ALL SELECT i::text FROM contacts.contact_identities i WHERE workspace_id = $1
       UNION ALL SELECT l::text FROM contacts.contact_leads l WHERE workspace_id = $1
       UNION ALL SELECT e::text FROM contacts.erasures e WHERE workspace_id = $1`,
      [workspaceId],
    );
    return rows
      .map((row) => row.text)
      .join('\n')
      .toLowerCase();
  }

  async function erasedEvents(workspaceId: string): Promise<Array<EventEnvelope<ContactErasedData>>> {
    const rows = await database.db.query<{ envelope: EventEnvelope<ContactErasedData> }>(
      `SELECT envelope FROM contacts.outbox_events WHERE type = 'contact.erased' AND envelope->>'workspaceId' = $1 ORDER BY seq, ord`,
      [workspaceId],
    );
    return rows.map((row) => row.envelope);
  }

  it('erases a person (the contact and the one merged into it) in one transaction and publishes hashes, never clear values', async () => {
    const ws = newWorkspace();
    const email = 'mia.erased@example.com';
    const phone = '+4915112349001';
    const byEmail = await ingest(ws, { email, emailValid: true, firstName: 'Mia', lastName: 'Stone' });
    const byPhone = await ingest(ws, { phone, phoneValid: true, firstName: 'Mia' });
    // Ties both contacts together: they merge into the older one.
    const tying = await ingest(ws, { email, emailValid: true, phone, phoneValid: true });
    const survivor = await contactOf(tying);
    const [merged] = (await database.db.query<{ id: string }>(`SELECT id FROM contacts.contacts WHERE merged_into = $1`, [survivor])).map(
      (row) => row.id,
    );
    const other = await ingest(ws, { email: 'someone.else@example.com', emailValid: true, firstName: 'Kept' });

    const reply = await erasures.erase({ workspaceId: ws, id: merged as string, requestedBy: 'account:admin-1' });

    expect(reply.created).toBe(true);
    expect(reply.erasure).toMatchObject({
      workspaceId: ws,
      contactId: survivor,
      requestedBy: 'account:admin-1',
      mergedContactIds: [merged],
      emailHashes: [identityHash('email', email)],
      phoneHashes: [identityHash('phone', phone)],
    });
    expect([...reply.erasure.leadIds].sort()).toEqual([byEmail, byPhone, tying].sort());
    expect(reply.step).toMatchObject({ app: 'contacts', summary: { contactsRedacted: 2, identitiesRemoved: 2 } });

    const text = await workspaceText(ws);
    expect(text).not.toContain(email);
    expect(text).not.toContain(phone.slice(1));
    expect(text).not.toContain('stone');
    expect(text).toContain('someone.else@example.com');
    const rows = await database.db.query<Record<string, unknown>>(
      `SELECT id, email, phone, first_name, erased_at, deleted_at, version FROM contacts.contacts WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [[survivor, merged]],
    );
    for (const row of rows) {
      expect(row).toMatchObject({ email: null, phone: null, first_name: null });
      expect(row['erased_at']).toBeInstanceOf(Date);
      expect(row['deleted_at']).toBeInstanceOf(Date);
    }
    expect(await contactOf(other)).not.toBe(survivor);

    const [event, ...more] = await erasedEvents(ws);
    expect(more).toEqual([]);
    expect(event?.data).toEqual({
      contactId: survivor,
      erasureId: reply.erasure.id,
      mergedContactIds: [merged],
      leadIds: reply.erasure.leadIds,
      emailHashes: reply.erasure.emailHashes,
      phoneHashes: reply.erasure.phoneHashes,
      anonymousIdHashes: [],
      userIdHashes: [],
      crmContactRecords: [],
    });
    expect(JSON.stringify(event)).not.toContain(email);
    expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);

    // A lead of the person still on its way when they were erased makes no contact.
    const contactsBefore = await database.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM contacts.contacts WHERE workspace_id = $1`,
      [ws],
    );
    const late = await ingest(ws, { email, emailValid: true, phone: '+4915112349999', phoneValid: true, firstName: 'Mia' });
    const lateByPhone = await ingest(ws, { phone, phoneValid: true });
    await expect(contactOf(late)).rejects.toThrow('not attributed');
    await expect(contactOf(lateByPhone)).rejects.toThrow('not attributed');
    expect(await database.db.query(`SELECT count(*)::int AS n FROM contacts.contacts WHERE workspace_id = $1`, [ws])).toEqual(
      contactsBefore,
    );
    expect(await workspaceText(ws)).not.toContain(email);
  });

  it('answers the same erasure when a contact is erased again, even concurrently, and changes nothing', async () => {
    const ws = newWorkspace();
    const lead = await ingest(ws, { email: 'twice@example.com', emailValid: true });
    const contactId = await contactOf(lead);
    const first = await erasures.erase({ workspaceId: ws, id: contactId, requestedBy: 'key:k1' });
    const before = await workspaceText(ws);
    const [second, third] = await Promise.all([
      erasures.erase({ workspaceId: ws, id: contactId, requestedBy: 'key:k2' }),
      erasures.erase({ workspaceId: ws, id: contactId, requestedBy: 'key:k3' }),
    ]);
    expect(second).toEqual({ ...first, created: false });
    expect(third).toEqual({ ...first, created: false });
    expect(await workspaceText(ws)).toBe(before);
    expect(await erasedEvents(ws)).toHaveLength(1);
    expect(await erasures.get({ workspaceId: ws, erasureId: first.erasure.id })).toEqual({ erasure: first.erasure, step: first.step });
  });

  it('refuses an unknown contact, or one of another workspace, with not_found', async () => {
    const ws = newWorkspace();
    const contactId = await contactOf(await ingest(ws, { email: 'mine@example.com', emailValid: true }));
    await expect(erasures.erase({ workspaceId: ws, id: randomUUID(), requestedBy: 'key:k' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(erasures.erase({ workspaceId: newWorkspace(), id: contactId, requestedBy: 'key:k' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(erasures.get({ workspaceId: ws, erasureId: randomUUID() })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('exports the contact, its identities, its leads and the contacts merged into it', async () => {
    const ws = newWorkspace();
    const a = await ingest(ws, { email: 'exp@example.com', emailValid: true, firstName: 'Ex' });
    const b = await ingest(ws, { phone: '+4915112349002', phoneValid: true });
    const c = await ingest(ws, { email: 'exp@example.com', emailValid: true, phone: '+4915112349002', phoneValid: true });
    const survivor = await contactOf(c);
    const exported = await erasures.export({ workspaceId: ws, id: survivor });
    expect(exported.contact).toMatchObject({ id: survivor, email: 'exp@example.com', first_name: 'Ex', workspace_id: ws });
    expect(exported.identities.map((i) => [i.kind, i.value])).toEqual([
      ['email', 'exp@example.com'],
      ['phone', '+4915112349002'],
    ]);
    expect([...exported.leadIds].sort()).toEqual([a, b, c].sort());
    expect(exported.mergedContacts).toHaveLength(1);
    expect(exported.erasure).toBeNull();
  });

  it('exports and redacts what deals and imports hold of the person: opportunities, conversions, import rows naming them', async () => {
    const ws = newWorkspace();
    const leadId = await ingest(ws, { email: 'deals@example.com', emailValid: true, phone: '+4915112349003', phoneValid: true });
    const contactId = await contactOf(leadId);
    const pipelineId = uuidv7();
    const opportunityId = uuidv7();
    const importId = uuidv7();
    await database.db.query(`INSERT INTO contacts.pipelines (id, workspace_id, name, stages) VALUES ($1, $2, 'P', '[{"key":"s"}]')`, [
      pipelineId,
      ws,
    ]);
    await database.db.query(
      `INSERT INTO contacts.opportunities (id, workspace_id, name, contact_id, lead_id, amount, currency, pipeline_id, stage, lost_reason)
       VALUES ($1, $2, 'Deal for Greta Deals', $3, $4, 129900, 'EUR', $5, 's', 'Greta Deals moved away')`,
      [opportunityId, ws, contactId, leadId, pipelineId],
    );
    const result = {
      leadId,
      contactId,
      lifecycle: 'contact',
      opportunity: { id: opportunityId, name: 'Deal for Greta Deals', lostReason: null },
    };
    await database.db.query(
      `INSERT INTO contacts.lead_conversions (workspace_id, lead_id, contact_id, opportunity_id, request_fingerprint, result)
       VALUES ($1, $2, $3, $4, 'f', $5)`,
      [ws, leadId, contactId, opportunityId, JSON.stringify(result)],
    );
    await database.db.query(`INSERT INTO contacts.imports (id, workspace_id, status, created_by) VALUES ($1, $2, 'completed', 'key:x')`, [
      importId,
      ws,
    ]);
    await database.db.query(
      `INSERT INTO contacts.import_issues (import_id, kind, row, ord, "column", code, message, contact_id, raw) VALUES
         ($1, 'duplicate', 1, 0, 'Email', 'duplicate', 'email deals@example.com already belongs to contact', $2, 'DEALS@example.com,,Greta'),
         ($1, 'error', 2, 0, 'Country', 'invalid_country', 'XX is no country', NULL, 'other@example.com,4915112349003,Greta,XX'),
         ($1, 'error', 3, 0, 'Email', 'invalid_email', 'not an email', NULL, 'nobody,,Sam')`,
      [importId, contactId],
    );

    const exported = await erasures.export({ workspaceId: ws, id: contactId });
    expect(exported.opportunities.map((o) => [o['id'], o['name'], o['amount']])).toEqual([
      [opportunityId, 'Deal for Greta Deals', '129900'],
    ]);
    expect(exported.conversions.map((c) => [c['lead_id'], c['opportunity_id']])).toEqual([[leadId, opportunityId]]);
    expect(exported.importRows.map((r) => [r['row'], r['code']])).toEqual([
      [1, 'duplicate'],
      [2, 'invalid_country'],
    ]);

    const erased = await erasures.erase({ workspaceId: ws, id: contactId, requestedBy: 'key:admin' });
    expect(erased.step.summary).toMatchObject({ opportunitiesRedacted: 1, conversionsRedacted: 1, importRowsRedacted: 2 });
    const left = await database.db.query<{ text: string }>(
      `SELECT o::text AS text FROM contacts.opportunities o WHERE workspace_id = $1
       UNION ALL SELECT v::text FROM contacts.lead_conversions v WHERE workspace_id = $1
       UNION ALL SELECT i::text FROM contacts.import_issues i WHERE import_id = $2`,
      [ws, importId],
    );
    const text = left.map((row) => row.text).join('\n');
    expect(text).not.toMatch(/greta|deals@|4915112349003/i);
    expect(text).toContain('nobody,,Sam'); // a row about somebody else stays
    const [opportunity] = await database.db.query(`SELECT amount::text, stage, version::int FROM contacts.opportunities WHERE id = $1`, [
      opportunityId,
    ]);
    expect(opportunity).toEqual({ amount: '129900', stage: 's', version: 1 });
  });
});
