import { crmRecordKey, type CrmEventProcessedData, type CrmEventReceivedData, type EventEnvelope, EventTypes } from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import {
  crmEventReceivedData,
  eventEnvelope,
  findInvariantViolations,
  openServiceDatabase,
  type ServiceDatabase,
  shuffled,
} from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { ContactQueryService } from '../src/contacts/contact-query.service';
import { ContactRecordsService } from '../src/contacts/contact-records.service';
import { ContactsRepository } from '../src/contacts/contacts.repository';
import { ErasedIdentitiesRepository } from '../src/contacts/erased-identities.repository';
import { CrmLinksRepository } from '../src/crm-sync/crm-links.repository';
import { CrmSyncService } from '../src/crm-sync/crm-sync.service';
import { contactsMigrations } from '../src/database/migrations';
import { LeadConversionRepository } from '../src/lead-conversion/lead-conversion.repository';
import { LeadConversionService } from '../src/lead-conversion/lead-conversion.service';
import { OpportunitiesRepository } from '../src/opportunities/opportunities.repository';
import { OpportunitiesService } from '../src/opportunities/opportunities.service';
import { PipelinesRepository } from '../src/pipelines/pipelines.repository';
import { PipelinesService } from '../src/pipelines/pipelines.service';
import { ContactErasureService } from '../src/privacy/contact-erasure.service';
import { ErasureRepository } from '../src/privacy/erasure.repository';

/**
 * CRM sync in-process against a real PostgreSQL: CRM contact, opportunity and conversion events
 * applied by the source's time (stale and duplicate events change nothing, a newer deletion wins),
 * bad data refused with a clear error, and exactly one `crm_event.processed` per event, asserted on
 * the rows and the outbox.
 */
describe('CRM sync against PostgreSQL', () => {
  let database: ServiceDatabase;
  let sync: CrmSyncService;
  let records: ContactRecordsService;
  let erasures: ContactErasureService;
  const integrationId = uuidv7();

  beforeAll(async () => {
    database = await openServiceDatabase('contacts', contactsMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: Outbox, useValue: new Outbox(database.dataSource, 'contacts') },
        ContactsRepository,
        ErasedIdentitiesRepository,
        ContactQueryService,
        ContactRecordsService,
        PipelinesRepository,
        PipelinesService,
        OpportunitiesRepository,
        OpportunitiesService,
        LeadConversionRepository,
        LeadConversionService,
        CrmLinksRepository,
        CrmSyncService,
        ErasureRepository,
        ContactErasureService,
      ],
    }).compile();
    sync = module.get(CrmSyncService);
    records = module.get(ContactRecordsService);
    erasures = module.get(ContactErasureService);
  });

  afterAll(async () => {
    if (database) expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 30, 10, minute)).toISOString();

  function crmEvent(
    workspaceId: string,
    type: CrmEventReceivedData['type'],
    externalId: string,
    minute: number,
    fields: Record<string, unknown> = {},
    extra: Partial<CrmEventReceivedData> = {},
  ): EventEnvelope<CrmEventReceivedData> {
    return eventEnvelope(
      workspaceId,
      EventTypes.crmEventReceived,
      crmEventReceivedData({ integrationId, type, externalId, sourceUpdatedAt: at(minute), fields, ...extra }),
      { producer: 'ingestion' },
    );
  }

  /** The same CRM event delivered again as a new `crm_event.received` (a retry or a replay). */
  const again = (event: EventEnvelope<CrmEventReceivedData>, attempt = 2): EventEnvelope<CrmEventReceivedData> => ({
    ...event,
    id: uuidv7(),
    data: { ...event.data, attempt },
  });

  async function apply(...events: Array<EventEnvelope<CrmEventReceivedData>>): Promise<void> {
    await database.dataSource.transaction((manager) => sync.apply(events, manager));
  }

  async function answers(workspaceId: string): Promise<CrmEventProcessedData[]> {
    const rows = await database.db.query<{ envelope: { data: CrmEventProcessedData } }>(
      `SELECT "envelope" FROM contacts.outbox_events WHERE "type" = $1 AND "envelope"->>'workspaceId' = $2 ORDER BY "seq", "ord"`,
      [EventTypes.crmEventProcessed, workspaceId],
    );
    return rows.map((row) => row.envelope.data);
  }

  async function answerTo(event: EventEnvelope<CrmEventReceivedData>): Promise<CrmEventProcessedData> {
    const found = (await answers(event.workspaceId)).filter(
      (answer) => answer.crmEventId === event.data.crmEventId && answer.attempt === event.data.attempt,
    );
    expect(found).toHaveLength(1);
    return found[0] as CrmEventProcessedData;
  }

  async function outboxed(workspaceId: string, type: string): Promise<Array<Record<string, unknown>>> {
    const rows = await database.db.query<{ envelope: { data: Record<string, unknown> } }>(
      `SELECT "envelope" FROM contacts.outbox_events WHERE "type" = $1 AND "envelope"->>'workspaceId' = $2 ORDER BY "seq", "ord"`,
      [type, workspaceId],
    );
    return rows.map((row) => row.envelope.data);
  }

  interface ContactState {
    id: string;
    email: string | null;
    phone: string | null;
    first_name: string | null;
    last_name: string | null;
    company: string | null;
    tags: string[];
    deleted: boolean;
    version: string;
  }

  async function contacts(workspaceId: string): Promise<ContactState[]> {
    return database.db.query<ContactState>(
      `SELECT "id", "email", "phone", "first_name", "last_name", "company", "tags", "deleted_at" IS NOT NULL AS "deleted", "version"::text AS "version"
       FROM contacts.contacts WHERE "workspace_id" = $1 AND "merged_into" IS NULL ORDER BY "id"`,
      [workspaceId],
    );
  }

  async function opportunities(workspaceId: string) {
    return database.db.query<{ id: string; name: string; contact_id: string; amount: string; currency: string; stage: string }>(
      `SELECT "id", "name", "contact_id", "amount"::text AS "amount", "currency", "stage" FROM contacts.opportunities
       WHERE "workspace_id" = $1 AND "deleted_at" IS NULL ORDER BY "id"`,
      [workspaceId],
    );
  }

  describe('contacts', () => {
    it('creates, updates (absent unchanged, null cleared) and soft-deletes a contact linked to its CRM record', async () => {
      const ws = newWorkspace();
      const created = crmEvent(ws, 'contact.created', 'c-1', 1, {
        email: ' Ana@Example.COM ',
        phone: '+49 30 901820',
        firstName: 'Ana',
        lastName: 'Lopez',
        company: 'Acme',
        tags: ['vip'],
        unknownField: 'kept out',
      });
      await apply(created);
      const [contact] = await contacts(ws);
      expect(contact).toMatchObject({ email: 'ana@example.com', phone: '+4930901820', first_name: 'Ana', company: 'Acme', deleted: false });
      expect(await answerTo(created)).toEqual({
        crmEventId: created.data.crmEventId,
        integrationId,
        attempt: 1,
        status: 'processed',
        reason: null,
        error: null,
        retryable: false,
        recordId: contact?.id,
      });
      expect(await outboxed(ws, EventTypes.contactCreated)).toEqual([
        expect.objectContaining({ contactId: contact?.id, email: 'ana@example.com', actor: `integration:${integrationId}` }),
      ]);

      const updated = crmEvent(ws, 'contact.updated', 'c-1', 2, { firstName: 'Ana María', company: null });
      await apply(updated);
      expect(await contacts(ws)).toEqual([
        expect.objectContaining({ id: contact?.id, first_name: 'Ana María', last_name: 'Lopez', company: null, email: 'ana@example.com' }),
      ]);
      expect(await answerTo(updated)).toMatchObject({ status: 'processed', recordId: contact?.id });

      const deleted = crmEvent(ws, 'contact.deleted', 'c-1', 3);
      await apply(deleted);
      expect(await contacts(ws)).toEqual([expect.objectContaining({ id: contact?.id, deleted: true })]);
      expect(await answerTo(deleted)).toMatchObject({ status: 'processed', recordId: contact?.id });
      expect(await outboxed(ws, EventTypes.contactDeleted)).toEqual([expect.objectContaining({ contactId: contact?.id })]);
    });

    it('applies the same CRM event once: sent again it is skipped as a duplicate and changes nothing', async () => {
      const ws = newWorkspace();
      const created = crmEvent(ws, 'contact.created', 'c-dup', 1, { email: 'dup@example.com' });
      await apply(created);
      const before = await contacts(ws);
      const resent = again(created);
      await apply(resent);
      expect(await contacts(ws)).toEqual(before);
      expect(await answerTo(resent)).toMatchObject({ status: 'skipped', reason: 'duplicate', recordId: before[0]?.id });
      expect(await outboxed(ws, EventTypes.contactCreated)).toHaveLength(1);
      expect(await outboxed(ws, EventTypes.contactUpdated)).toHaveLength(0);
    });

    it('skips an older event arriving after a newer one as stale, and one at the same time too', async () => {
      const ws = newWorkspace();
      const newer = crmEvent(ws, 'contact.updated', 'c-ooo', 5, { email: 'new@example.com', firstName: 'Newest' });
      const older = crmEvent(ws, 'contact.created', 'c-ooo', 2, { email: 'old@example.com', firstName: 'Oldest', company: 'Old Co' });
      const sameTime = crmEvent(ws, 'contact.updated', 'c-ooo', 5, { firstName: 'Tie' });
      await apply(newer);
      await apply(older);
      await apply(sameTime);
      const [contact] = await contacts(ws);
      expect(contact).toMatchObject({ email: 'new@example.com', first_name: 'Newest', company: null, version: '1' });
      expect(await answerTo(older)).toMatchObject({ status: 'skipped', reason: 'stale', recordId: contact?.id, error: null });
      expect(await answerTo(sameTime)).toMatchObject({ status: 'skipped', reason: 'stale' });
    });

    it('applies the events of one record in one batch oldest first, so that partial updates all land', async () => {
      // HubSpot sends one property per event: skipping the older events of a batch would lose their fields.
      const ws = newWorkspace();
      const created = crmEvent(ws, 'contact.created', 'c-parts', 1, { email: 'parts@example.com' });
      const named = crmEvent(ws, 'contact.updated', 'c-parts', 2, { firstName: 'Ana' });
      const titled = crmEvent(ws, 'contact.updated', 'c-parts', 3, { company: 'Acme' });
      await apply(titled, created, named);
      const [contact] = await contacts(ws);
      expect(contact).toMatchObject({ email: 'parts@example.com', first_name: 'Ana', company: 'Acme', version: '3' });
      for (const event of [created, named, titled]) expect(await answerTo(event)).toMatchObject({ status: 'processed' });
    });

    it('lets a newer deletion win over older updates arriving later, and a later update bring the record back', async () => {
      const ws = newWorkspace();
      await apply(crmEvent(ws, 'contact.created', 'c-del', 1, { email: 'del@example.com' }));
      await apply(crmEvent(ws, 'contact.deleted', 'c-del', 5));
      const late = crmEvent(ws, 'contact.updated', 'c-del', 3, { firstName: 'Late' });
      await apply(late);
      expect(await answerTo(late)).toMatchObject({ status: 'skipped', reason: 'stale' });
      expect(await contacts(ws)).toEqual([expect.objectContaining({ deleted: true, first_name: null })]);

      await apply(crmEvent(ws, 'contact.updated', 'c-del', 7, { firstName: 'Back' }));
      expect(await contacts(ws)).toEqual([expect.objectContaining({ deleted: false, first_name: 'Back' })]);
      expect(await outboxed(ws, EventTypes.contactRestored)).toHaveLength(1);
    });

    it('makes no contact of a record deleted before its creation arrived', async () => {
      const ws = newWorkspace();
      const deletion = crmEvent(ws, 'contact.deleted', 'c-gone', 9);
      const creation = crmEvent(ws, 'contact.created', 'c-gone', 1, { email: 'gone@example.com' });
      await apply(deletion);
      await apply(creation);
      expect(await contacts(ws)).toEqual([]);
      expect(await answerTo(deletion)).toMatchObject({ status: 'processed', recordId: null });
      expect(await answerTo(creation)).toMatchObject({ status: 'skipped', reason: 'stale' });
    });

    it('ends with each record in its newest state from 20 shuffled events of 5 records, in one batch or one by one', async () => {
      for (const mode of ['batch', 'one by one', 'concurrently'] as const) {
        const ws = newWorkspace();
        const events: Array<EventEnvelope<CrmEventReceivedData>> = [];
        for (let record = 0; record < 5; record += 1) {
          for (let version = 0; version < 4; version += 1) {
            const type = version === 0 ? 'contact.created' : record === 4 && version === 3 ? 'contact.deleted' : 'contact.updated';
            events.push(
              crmEvent(ws, type, `rec-${record}`, version * 10 + record, {
                email: `person${record}.v${version}@example.com`,
                firstName: `P${record}v${version}`,
                tags: [`v${version}`],
              }),
            );
          }
        }
        const arriving = shuffled(events, 7);
        if (mode === 'batch') await apply(...arriving);
        else if (mode === 'one by one') for (const event of arriving) await apply(event);
        else await Promise.all(arriving.map((event) => apply(event)));
        const state = await contacts(ws);
        expect(state.map((c) => [c.email, c.first_name, c.tags, c.deleted])).toEqual(
          expect.arrayContaining([
            ['person0.v3@example.com', 'P0v3', ['v3'], false],
            ['person1.v3@example.com', 'P1v3', ['v3'], false],
            ['person2.v3@example.com', 'P2v3', ['v3'], false],
            ['person3.v3@example.com', 'P3v3', ['v3'], false],
          ]),
        );
        expect(state).toHaveLength(mode === 'batch' ? 5 : state.length);
        // Record 4 was deleted last: deleted, whatever it holds (it may never have been made when the deletion came first).
        expect(state.filter((c) => !c.deleted)).toHaveLength(4);
        const all = await answers(ws);
        expect(all).toHaveLength(20);
        expect(new Set(all.map((a) => a.crmEventId)).size).toBe(20);
        expect(all.filter((a) => a.status === 'failed')).toEqual([]);
      }
    });

    it('adopts the contact that already holds a new record email, and refuses a second record of the same person', async () => {
      const ws = newWorkspace();
      const existing = await records.create({
        workspaceId: ws,
        actor: 'account:admin',
        fields: { email: 'bo@example.com', lastName: 'Bo' },
      });
      if (existing.outcome !== 'written') throw new Error('not written');
      const first = crmEvent(ws, 'contact.created', 'c-bo', 1, { email: 'BO@example.com', firstName: 'Bo' });
      await apply(first);
      expect(await contacts(ws)).toEqual([expect.objectContaining({ id: existing.contact.id, first_name: 'Bo', last_name: 'Bo' })]);
      expect(await answerTo(first)).toMatchObject({ status: 'processed', recordId: existing.contact.id });

      const second = crmEvent(ws, 'contact.created', 'c-bo-2', 2, { email: 'bo@example.com', firstName: 'Other' });
      await apply(second);
      const answer = await answerTo(second);
      expect(answer).toMatchObject({ status: 'failed', retryable: false, recordId: null });
      expect(answer.error).toMatch(/^identity_conflict: .*c-bo-2.*already CRM record c-bo/);
      expect(await contacts(ws)).toEqual([expect.objectContaining({ first_name: 'Bo' })]);
    });

    it('refuses an update that would take another contact email, never merging them', async () => {
      const ws = newWorkspace();
      await apply(
        crmEvent(ws, 'contact.created', 'c-a', 1, { email: 'a@example.com' }),
        crmEvent(ws, 'contact.created', 'c-b', 1, { email: 'b@example.com' }),
      );
      const taking = crmEvent(ws, 'contact.updated', 'c-b', 2, { email: 'a@example.com', firstName: 'B' });
      await apply(taking);
      const answer = await answerTo(taking);
      expect(answer).toMatchObject({ status: 'failed', retryable: false });
      expect(answer.error).toMatch(/^identity_conflict: the email a@example.com belongs to another contact/);
      expect((await contacts(ws)).map((c) => [c.email, c.first_name])).toEqual(
        expect.arrayContaining([
          ['a@example.com', null],
          ['b@example.com', null],
        ]),
      );
      // A refused event changes nothing, so the record's next event still applies.
      await apply(crmEvent(ws, 'contact.updated', 'c-b', 2, { firstName: 'B' }));
      expect((await contacts(ws)).map((c) => c.first_name)).toContain('B');
    });

    it('refuses bad data with a clear error, and applies the rest of the batch', async () => {
      const ws = newWorkspace();
      const badEmail = crmEvent(ws, 'contact.created', 'c-bad', 1, { email: 'not an email' });
      const badPhone = crmEvent(ws, 'contact.created', 'c-bad-phone', 1, { phone: '12' });
      const good = crmEvent(ws, 'contact.created', 'c-good', 1, { email: 'good@example.com' });
      await apply(badEmail, good, badPhone);
      expect(await answerTo(badEmail)).toMatchObject({
        status: 'failed',
        retryable: false,
        error: expect.stringMatching(/^invalid_email: email is not a valid address: not an email/),
      });
      expect(await answerTo(badPhone)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^invalid_phone: /) });
      expect(await answerTo(good)).toMatchObject({ status: 'processed' });
      expect((await contacts(ws)).map((c) => c.email)).toEqual(['good@example.com']);
      // The refused record has no link: its corrected event applies.
      await apply(crmEvent(ws, 'contact.created', 'c-bad', 1, { email: 'fixed@example.com' }));
      expect((await contacts(ws)).map((c) => c.email).sort()).toEqual(['fixed@example.com', 'good@example.com']);
    });

    it('keeps an erased person erased: their record takes no more writes, their email makes no new contact', async () => {
      const ws = newWorkspace();
      const created = crmEvent(ws, 'contact.created', 'c-er', 1, { email: 'erased@example.com', firstName: 'Eve' });
      await apply(created);
      const contactId = (await answerTo(created)).recordId as string;
      await erasures.erase({ workspaceId: ws, id: contactId, requestedBy: 'account:admin' });
      // The erasure names the person's CRM record, so that ingestion erases the events naming them by it alone.
      const [erased] = await database.db.query<{ data: Record<string, unknown> }>(
        `SELECT envelope->'data' AS data FROM contacts.outbox_events WHERE type = 'contact.erased' AND envelope->>'workspaceId' = $1`,
        [ws],
      );
      expect(erased?.data).toMatchObject({ contactId, crmContactRecords: [crmRecordKey(integrationId, 'c-er')] });
      const update = crmEvent(ws, 'contact.updated', 'c-er', 2, { firstName: 'Eve again' });
      const recreated = crmEvent(ws, 'contact.created', 'c-er-new', 3, { email: 'erased@example.com' });
      await apply(update, recreated);
      expect(await answerTo(update)).toMatchObject({
        status: 'failed',
        retryable: false,
        error: expect.stringMatching(/^contact_erased: /),
      });
      expect(await answerTo(recreated)).toMatchObject({
        status: 'failed',
        retryable: false,
        error: expect.stringMatching(/^identity_erased: /),
      });
      expect((await contacts(ws)).map((c) => [c.id, c.email, c.first_name])).toEqual([[contactId, null, null]]);
    });
  });

  describe('opportunities', () => {
    it('fails an opportunity before its contact as retryable, then applies its retry once the contact is there', async () => {
      const ws = newWorkspace();
      const amount = { amount: '123456789012345678', currency: 'EUR' };
      const early = crmEvent(ws, 'opportunity.created', 'o-1', 2, {
        name: 'Big deal',
        contactExternalId: 'c-late',
        amount,
        stage: 'qualified_to_buy',
      });
      await apply(early);
      expect(await answerTo(early)).toMatchObject({
        status: 'failed',
        retryable: true,
        error: 'unknown_contact: the CRM contact c-late is not known yet',
      });
      expect(await opportunities(ws)).toEqual([]);

      await apply(crmEvent(ws, 'contact.created', 'c-late', 1, { email: 'late@example.com' }));
      const retry = again(early, 2);
      await apply(retry);
      const [contact] = await contacts(ws);
      const [opportunity] = await opportunities(ws);
      expect(opportunity).toMatchObject({ name: 'Big deal', contact_id: contact?.id, amount: '123456789012345678', currency: 'EUR' });
      expect(opportunity?.stage).toBe('qualified_to_buy');
      expect(await answerTo(retry)).toMatchObject({ status: 'processed', attempt: 2, recordId: opportunity?.id });
      expect(await outboxed(ws, EventTypes.opportunityCreated)).toEqual([
        expect.objectContaining({ opportunityId: opportunity?.id, amount: '123456789012345678', currency: 'EUR' }),
      ]);
    });

    it('moves a won opportunity to closed_won and a lost one to closed_lost, by source time', async () => {
      const ws = newWorkspace();
      await apply(crmEvent(ws, 'contact.created', 'c-o', 1, { email: 'o@example.com' }));
      const amount = { amount: '129900', currency: 'EUR' };
      await apply(crmEvent(ws, 'opportunity.created', 'o-won', 2, { name: 'Plan', contactExternalId: 'c-o', amount }));
      await apply(crmEvent(ws, 'opportunity.won', 'o-won', 4, { amount: { amount: '150000', currency: 'EUR' } }));
      const lateUpdate = crmEvent(ws, 'opportunity.updated', 'o-won', 3, {
        stage: 'contract_sent',
        amount: { amount: '1', currency: 'EUR' },
      });
      await apply(lateUpdate);
      expect(await answerTo(lateUpdate)).toMatchObject({ status: 'skipped', reason: 'stale' });
      expect(await opportunities(ws)).toEqual([expect.objectContaining({ stage: 'closed_won', amount: '150000' })]);
      expect(await outboxed(ws, EventTypes.opportunityWon)).toHaveLength(1);

      await apply(
        crmEvent(ws, 'opportunity.lost', 'o-lost', 6, { name: 'Lost one', contactExternalId: 'c-o', amount, lostReason: 'price' }),
      );
      expect((await opportunities(ws)).map((o) => o.stage).sort()).toEqual(['closed_lost', 'closed_won']);
    });

    it('refuses an invalid currency, an unknown stage and a new opportunity without amount, not to be retried', async () => {
      const ws = newWorkspace();
      await apply(crmEvent(ws, 'contact.created', 'c-x', 1, { email: 'x@example.com' }));
      const currency = crmEvent(ws, 'opportunity.created', 'o-x', 2, {
        contactExternalId: 'c-x',
        amount: { amount: '100', currency: 'XYZ' },
      });
      const stage = crmEvent(ws, 'opportunity.created', 'o-y', 2, {
        contactExternalId: 'c-x',
        amount: { amount: '100', currency: 'EUR' },
        stage: 'nowhere',
      });
      const noAmount = crmEvent(ws, 'opportunity.created', 'o-z', 2, { contactExternalId: 'c-x' });
      await apply(currency, stage, noAmount);
      expect(await answerTo(currency)).toMatchObject({
        status: 'failed',
        retryable: false,
        error: expect.stringMatching(/^invalid_currency: /),
      });
      expect(await answerTo(stage)).toMatchObject({ status: 'failed', retryable: false, error: expect.stringMatching(/^unknown_stage: /) });
      expect(await answerTo(noAmount)).toMatchObject({ status: 'failed', retryable: false, error: expect.stringMatching(/amount/) });
      expect(await opportunities(ws)).toEqual([]);
    });
  });

  describe('lead conversion', () => {
    it('converts the lead through lead conversion once; the pipeline not there yet is retryable', async () => {
      const ws = newWorkspace();
      const leadId = uuidv7();
      const early = crmEvent(ws, 'lead.converted', 'l-1', 1, {}, { leadId });
      await apply(early);
      expect(await answerTo(early)).toMatchObject({
        status: 'failed',
        retryable: true,
        error: expect.stringMatching(/^lead_not_attributed: /),
      });

      const contactId = uuidv7();
      await database.db.query(
        `INSERT INTO contacts.contacts (id, workspace_id, first_name, created_at, updated_at) VALUES ($1, $2, 'Lea', now(), now())`,
        [contactId, ws],
      );
      await database.db.query(
        `INSERT INTO contacts.contact_leads (lead_id, workspace_id, contact_id, received_at) VALUES ($1, $2, $3, now())`,
        [leadId, ws, contactId],
      );
      const retry = again(early);
      await apply(retry);
      expect(await answerTo(retry)).toMatchObject({ status: 'processed', recordId: contactId });
      expect(await outboxed(ws, EventTypes.leadConverted)).toEqual([expect.objectContaining({ leadId, contactId, source: 'crm' })]);
      const [row] = await database.db.query<{ lifecycle: string }>(`SELECT "lifecycle" FROM contacts.contacts WHERE "id" = $1`, [
        contactId,
      ]);
      expect(row?.lifecycle).toBe('contact');

      const replay = again(early, 3);
      await apply(replay);
      expect(await answerTo(replay)).toMatchObject({ status: 'skipped', reason: 'duplicate', recordId: contactId });
      expect(await outboxed(ws, EventTypes.leadConverted)).toHaveLength(1);
    });
  });
});
