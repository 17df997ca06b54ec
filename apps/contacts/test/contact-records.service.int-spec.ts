import {
  type ContactFields,
  type ContactView,
  type ContactWriteReply,
  EventTypes,
  type LeadIngestedData,
  type StageChangedData,
} from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import { eventEnvelope, findInvariantViolations, leadIngestedData, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { ContactQueryService } from '../src/contacts/contact-query.service';
import { ContactRecordsService } from '../src/contacts/contact-records.service';
import { ContactsRepository } from '../src/contacts/contacts.repository';
import { ErasedIdentitiesRepository } from '../src/contacts/erased-identities.repository';
import { IdentityResolutionService } from '../src/contacts/identity-resolution.service';
import { StageCopyHandler } from '../src/contacts/stage-copy.handler';
import { contactsMigrations } from '../src/database/migrations';
import { ContactErasureService } from '../src/privacy/contact-erasure.service';
import { ErasureRepository } from '../src/privacy/erasure.repository';

/**
 * Contacts as records admins edit, in-process against a real PostgreSQL: versions checked by the
 * statement that writes, identities that follow email and phone, soft deletion, merge patches,
 * list filters, and the events each write leaves in the outbox.
 */
describe('contact records against PostgreSQL', () => {
  let database: ServiceDatabase;
  let records: ContactRecordsService;
  let query: ContactQueryService;
  let resolver: IdentityResolutionService;
  let stages: StageCopyHandler;
  let erasures: ContactErasureService;
  const actor = 'account:0190a5b2-0000-7000-8000-00000000000a';

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
        IdentityResolutionService,
        StageCopyHandler,
        ErasedIdentitiesRepository,
        ErasureRepository,
        ContactErasureService,
      ],
    }).compile();
    records = module.get(ContactRecordsService);
    query = module.get(ContactQueryService);
    resolver = module.get(IdentityResolutionService);
    stages = module.get(StageCopyHandler);
    erasures = module.get(ContactErasureService);
  });

  afterAll(async () => {
    if (database) expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

  function written(reply: ContactWriteReply): ContactView {
    if (reply.outcome !== 'written') throw new Error(`expected a write, got ${JSON.stringify(reply)}`);
    return reply.contact;
  }

  async function create(workspaceId: string, fields: Record<string, unknown>): Promise<ContactView> {
    return written(await records.create({ workspaceId, actor, fields }));
  }

  async function lead(workspaceId: string, fields: Partial<LeadIngestedData>): Promise<void> {
    const event = eventEnvelope(workspaceId, EventTypes.leadIngested, leadIngestedData(fields), { producer: 'ingestion' });
    await database.dataSource.transaction((manager) => resolver.onLeadsIngested([event], manager));
  }

  /** A consumer's transaction that failed (a deadlock, a deferred check) is applied again, as the consumer would. */
  async function retried(apply: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await apply();
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
  }

  async function outboxed(workspaceId: string, type: string): Promise<Array<Record<string, unknown>>> {
    const rows = await database.db.query<{ envelope: { data: Record<string, unknown> } }>(
      `SELECT "envelope" FROM contacts.outbox_events WHERE "type" = $1 AND "envelope"->>'workspaceId' = $2 ORDER BY "seq", "ord"`,
      [type, workspaceId],
    );
    return rows.map((row) => row.envelope.data);
  }

  async function identitiesOf(contactId: string): Promise<string[]> {
    const rows = await database.db.query<{ kind: string; value: string }>(
      `SELECT "kind", "value" FROM contacts.contact_identities WHERE "contact_id" = $1 ORDER BY "kind", "value"`,
      [contactId],
    );
    return rows.map((row) => `${row.kind}:${row.value}`);
  }

  describe('create', () => {
    it('normalizes email, phone and country as leads are, and makes them identities of the contact', async () => {
      const ws = newWorkspace();
      const contact = await create(ws, {
        firstName: ' Ana ',
        email: ' Ana@Example.COM ',
        phone: '030 901820',
        country: 'Germany',
        tags: ['vip', 'vip', ' b2b '],
        properties: { plan: 'pro' },
      });
      expect(contact).toMatchObject({
        version: 1,
        firstName: 'Ana',
        email: 'ana@example.com',
        phone: '+4930901820',
        country: 'DE',
        tags: ['vip', 'b2b'],
        lifecycle: 'lead',
        properties: { plan: 'pro' },
        createdBy: actor,
        updatedBy: actor,
        deletedAt: null,
      });
      expect(await identitiesOf(contact.id)).toEqual(['email:ana@example.com', 'phone:+4930901820']);
      expect(await outboxed(ws, EventTypes.contactCreated)).toEqual([
        expect.objectContaining({ contactId: contact.id, email: 'ana@example.com', version: 1, actor }),
      ]);
    });

    it.each([
      ['an invalid email', { email: 'n/a' }, 'invalid_email'],
      ['a phone that cannot exist', { phone: '+49 1' }, 'invalid_phone'],
      ['a national phone without a country', { phone: '030 901820' }, 'invalid_phone'],
      ['an unknown country', { country: 'Atlantis' }, 'invalid_country'],
      ['an unknown lifecycle', { lifecycle: 'prospect' }, 'validation_failed'],
      ['tags that are not an array', { tags: 'vip' }, 'validation_failed'],
      ['properties that are not an object', { properties: [1, 2] }, 'validation_failed'],
      ['properties over 16 KB', { properties: { blob: 'x'.repeat(16 * 1024) } }, 'properties_too_large'],
      ['an owner that is not an account id', { ownerId: 'someone' }, 'invalid_owner'],
      ['a field contacts do not have', { nickname: 'x' }, 'validation_failed'],
    ])('refuses %s with %s, storing nothing', async (_label, fields, code) => {
      const ws = newWorkspace();
      await expect(records.create({ workspaceId: ws, actor, fields: fields as ContactFields })).rejects.toMatchObject({ code });
      expect(await database.db.query(`SELECT 1 FROM contacts.contacts WHERE workspace_id = $1`, [ws])).toEqual([]);
    });

    it('takes properties of exactly 16 KB', async () => {
      const blob = 'x'.repeat(16 * 1024 - JSON.stringify({ blob: '' }).length);
      const contact = await create(newWorkspace(), { properties: { blob } });
      expect(contact.properties).toEqual({ blob });
    });

    it('answers identity_conflict with the holder when another contact, even a deleted one, has the email', async () => {
      const ws = newWorkspace();
      const first = await create(ws, { email: 'bo@example.com' });
      expect(await records.create({ workspaceId: ws, actor, fields: { email: 'BO@example.com' } })).toEqual({
        outcome: 'identity_conflict',
        kind: 'email',
        value: 'bo@example.com',
        contactId: first.id,
      });
      const deleted = written(await records.delete({ workspaceId: ws, actor, id: first.id, ifMatch: [1] }));
      expect(await records.create({ workspaceId: ws, actor, fields: { email: 'bo@example.com' } })).toMatchObject({
        outcome: 'identity_conflict',
        contactId: deleted.id,
      });
    });
  });

  describe('versions', () => {
    it('writes only at the version named: a stale write is a version_conflict carrying the current contact', async () => {
      const ws = newWorkspace();
      const contact = await create(ws, { firstName: 'Ana' });
      const v2 = written(await records.replace({ workspaceId: ws, actor, id: contact.id, ifMatch: [1], fields: { firstName: 'Anna' } }));
      expect(v2).toMatchObject({ version: 2, firstName: 'Anna' });
      const stale = await records.patch({ workspaceId: ws, actor, id: contact.id, ifMatch: [1], patch: { lastName: 'Berg' } });
      expect(stale).toMatchObject({
        outcome: 'version_conflict',
        current: { id: contact.id, version: 2, firstName: 'Anna', lastName: null },
      });
    });

    it('lets exactly one of two concurrent writes at the same version through', async () => {
      const ws = newWorkspace();
      const contact = await create(ws, {});
      const replies = await Promise.all(
        ['One', 'Two', 'Three', 'Four'].map((name) =>
          records.patch({ workspaceId: ws, actor, id: contact.id, ifMatch: [1], patch: { firstName: name } }),
        ),
      );
      expect(replies.filter((r) => r.outcome === 'written')).toHaveLength(1);
      expect(replies.filter((r) => r.outcome === 'version_conflict')).toHaveLength(3);
      const [row] = await database.db.query<{ version: string }>(`SELECT version FROM contacts.contacts WHERE id = $1`, [contact.id]);
      expect(row?.version).toBe('2');
      expect(await outboxed(ws, EventTypes.contactUpdated)).toHaveLength(1);
    });

    it('bumps the version when a lead updates the contact and when a merge folds another into it', async () => {
      const ws = newWorkspace();
      const ana = await create(ws, { email: 'ana@example.com' });
      await lead(ws, { email: 'ana@example.com', emailValid: true, firstName: 'Ana' });
      const afterLead = await query.get({ workspaceId: ws, id: ana.id });
      expect(afterLead).toMatchObject({ version: 2, firstName: 'Ana' });
      await lead(ws, { phone: '+4915112345678', phoneValid: true });
      await lead(ws, { email: 'ana@example.com', emailValid: true, phone: '+4915112345678', phoneValid: true });
      const merged = await query.get({ workspaceId: ws, id: ana.id });
      expect(merged.mergedIds).toHaveLength(1);
      expect(merged.version).toBeGreaterThan(2);
      const stale = await records.replace({ workspaceId: ws, actor, id: ana.id, ifMatch: [2], fields: { firstName: 'X' } });
      expect(stale).toMatchObject({ outcome: 'version_conflict', current: { id: ana.id, version: merged.version } });
      // The merged id's own last version is stale as well; the answer is its survivor.
      const loser = merged.mergedIds[0] as string;
      expect(await records.replace({ workspaceId: ws, actor, id: loser, ifMatch: [1], fields: {} })).toMatchObject({
        outcome: 'version_conflict',
        current: { id: ana.id },
      });
    });

    it('answers not_found for an unknown id', async () => {
      await expect(records.replace({ workspaceId: newWorkspace(), actor, id: uuidv7(), ifMatch: [1], fields: {} })).rejects.toMatchObject({
        code: 'not_found',
      });
    });
  });

  describe('merge patch', () => {
    it('changes what the patch names, removes what it sets to null, merges properties key by key', async () => {
      const ws = newWorkspace();
      const contact = await create(ws, {
        firstName: 'Ana',
        lastName: 'Berg',
        company: 'Acme',
        tags: ['a'],
        lifecycle: 'customer',
        properties: { plan: 'pro', seats: 3, nested: { a: 1, b: 2 } },
      });
      const patched = written(
        await records.patch({
          workspaceId: ws,
          actor,
          id: contact.id,
          ifMatch: [1],
          patch: { lastName: null, title: 'CTO', properties: { seats: null, nested: { b: null, c: 3 } }, lifecycle: null },
        }),
      );
      expect(patched).toMatchObject({
        version: 2,
        firstName: 'Ana',
        lastName: null,
        company: 'Acme',
        title: 'CTO',
        tags: ['a'],
        lifecycle: 'lead',
        properties: { plan: 'pro', nested: { a: 1, c: 3 } },
      });
    });

    it('replaces on PUT: fields left out are emptied', async () => {
      const ws = newWorkspace();
      const contact = await create(ws, { firstName: 'Ana', company: 'Acme', tags: ['a'] });
      const replaced = written(
        await records.replace({ workspaceId: ws, actor, id: contact.id, ifMatch: [1], fields: { lastName: 'Berg' } }),
      );
      expect(replaced).toMatchObject({ firstName: null, company: null, lastName: 'Berg', tags: [] });
    });
  });

  describe('identities follow email and phone', () => {
    it('moves the identity with a changed email and drops it with a removed phone', async () => {
      const ws = newWorkspace();
      const contact = await create(ws, { email: 'old@example.com', phone: '+4930901820' });
      written(
        await records.patch({ workspaceId: ws, actor, id: contact.id, ifMatch: [1], patch: { email: 'new@example.com', phone: null } }),
      );
      expect(await identitiesOf(contact.id)).toEqual(['email:new@example.com']);
      // The old email identifies nobody now: a lead with it makes a contact of its own.
      await lead(ws, { email: 'old@example.com', emailValid: true });
      const page = await query.list({ workspaceId: ws, limit: 10, email: 'old@example.com' });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]?.id).not.toBe(contact.id);
    });

    it('races an admin moving an email against a lead with it: either the lead lands first (the write is stale) or the lead makes a new contact', async () => {
      for (let round = 0; round < 8; round += 1) {
        const ws = newWorkspace();
        const contact = await create(ws, { email: 'race@example.com' });
        const [reply] = await Promise.all([
          records.patch({ workspaceId: ws, actor, id: contact.id, ifMatch: [1], patch: { email: 'moved@example.com' } }),
          retried(() => lead(ws, { email: 'race@example.com', emailValid: true })),
        ]);
        const owner = await query.list({ workspaceId: ws, limit: 10, email: 'race@example.com' });
        if (reply.outcome === 'written') {
          expect(owner.items.map((c) => c.id)).not.toContain(contact.id);
          expect(owner.items).toHaveLength(1);
        } else {
          expect(reply).toMatchObject({ outcome: 'version_conflict', current: { id: contact.id, email: 'race@example.com', version: 2 } });
          expect(owner.items.map((c) => c.id)).toEqual([contact.id]);
        }
      }
      expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);
    });

    it('refuses an email another contact holds with identity_conflict, changing nothing', async () => {
      const ws = newWorkspace();
      const ana = await create(ws, { email: 'ana@example.com' });
      const bo = await create(ws, { email: 'bo@example.com' });
      expect(await records.patch({ workspaceId: ws, actor, id: bo.id, ifMatch: [1], patch: { email: 'ana@example.com' } })).toEqual({
        outcome: 'identity_conflict',
        kind: 'email',
        value: 'ana@example.com',
        contactId: ana.id,
      });
      expect(await query.get({ workspaceId: ws, id: bo.id })).toMatchObject({ version: 1, email: 'bo@example.com' });
    });
  });

  describe('soft deletion', () => {
    it('hides a deleted contact from lists unless asked, keeps it readable, and restores it', async () => {
      const ws = newWorkspace();
      const contact = await create(ws, { email: 'gone@example.com', lastName: 'Gone' });
      const deleted = written(await records.delete({ workspaceId: ws, actor, id: contact.id, ifMatch: [1] }));
      expect(deleted).toMatchObject({ version: 2, deletedAt: expect.any(String) });
      expect((await query.list({ workspaceId: ws, limit: 10 })).items).toEqual([]);
      expect((await query.list({ workspaceId: ws, limit: 10, includeDeleted: true })).items.map((c) => c.id)).toEqual([contact.id]);
      expect(await query.get({ workspaceId: ws, id: contact.id })).toMatchObject({ deletedAt: deleted.deletedAt });
      // Deleting again changes nothing; restoring needs the current version.
      expect(await records.delete({ workspaceId: ws, actor, id: contact.id, ifMatch: [2] })).toMatchObject({ outcome: 'unchanged' });
      expect(await records.restore({ workspaceId: ws, actor, id: contact.id, ifMatch: [1] })).toMatchObject({
        outcome: 'version_conflict',
      });
      const restored = written(await records.restore({ workspaceId: ws, actor, id: contact.id, ifMatch: [2] }));
      expect(restored).toMatchObject({ version: 3, deletedAt: null });
      expect(await outboxed(ws, EventTypes.contactDeleted)).toEqual([
        { contactId: contact.id, version: 2, deletedAt: deleted.deletedAt, actor },
      ]);
      expect(await outboxed(ws, EventTypes.contactRestored)).toEqual([{ contactId: contact.id, version: 3, actor }]);
    });

    it('attributes a new lead with a deleted contact’s email to that contact, which stays deleted', async () => {
      const ws = newWorkspace();
      const contact = await create(ws, { email: 'quiet@example.com' });
      written(await records.delete({ workspaceId: ws, actor, id: contact.id, ifMatch: [1] }));
      await lead(ws, { email: 'quiet@example.com', emailValid: true, firstName: 'Q' });
      const after = await query.get({ workspaceId: ws, id: contact.id });
      expect(after).toMatchObject({ version: 3, firstName: 'Q', deletedAt: expect.any(String) });
      expect(after.leadIds).toHaveLength(1);
      const all = await database.db.query(`SELECT id FROM contacts.contacts WHERE workspace_id = $1`, [ws]);
      expect(all).toHaveLength(1);
    });
  });

  describe('merges and soft deletion', () => {
    it('merges as always, the older surviving in its own state: a live contact folds into a deleted one and stays findable by id', async () => {
      const ws = newWorkspace();
      const older = await create(ws, { email: 'older@example.com' });
      const newer = await create(ws, { phone: '+4915112345679' });
      written(await records.delete({ workspaceId: ws, actor, id: older.id, ifMatch: [1] }));
      await lead(ws, { email: 'older@example.com', emailValid: true, phone: '+4915112345679', phoneValid: true });
      const survivor = await query.get({ workspaceId: ws, id: newer.id });
      expect(survivor).toMatchObject({ id: older.id, deletedAt: expect.any(String), mergedIds: [newer.id], phones: ['+4915112345679'] });
      expect((await query.list({ workspaceId: ws, limit: 10 })).items).toEqual([]);
      // Restoring the survivor brings the person back, with everything merged into it.
      const restored = written(await records.restore({ workspaceId: ws, actor, id: older.id, ifMatch: [survivor.version] }));
      expect(restored).toMatchObject({ deletedAt: null, emails: ['older@example.com'], phones: ['+4915112345679'] });
    });
  });

  describe('erased people', () => {
    it('refuses every write, delete and restore of an erased contact with contact_erased, whatever the version', async () => {
      const ws = newWorkspace();
      const contact = await create(ws, { email: 'erased.one@example.com', phone: '+49 151 55500001' });
      await erasures.erase({ workspaceId: ws, id: contact.id, requestedBy: actor });
      const [row] = await database.db.query<{ version: string }>(`SELECT version FROM contacts.contacts WHERE id = $1`, [contact.id]);
      for (const ifMatch of [[1], [Number(row?.version)]]) {
        const versioned = { workspaceId: ws, actor, id: contact.id, ifMatch };
        await expect(records.patch({ ...versioned, patch: { firstName: 'Back' } })).rejects.toMatchObject({ code: 'contact_erased' });
        await expect(records.replace({ ...versioned, fields: { firstName: 'Back' } })).rejects.toMatchObject({ code: 'contact_erased' });
        await expect(records.delete(versioned)).rejects.toMatchObject({ code: 'contact_erased' });
        await expect(records.restore(versioned)).rejects.toMatchObject({ code: 'contact_erased' });
      }
      const [after] = await database.db.query<Record<string, unknown>>(
        `SELECT first_name, email, deleted_at IS NOT NULL AS deleted, version FROM contacts.contacts WHERE id = $1`,
        [contact.id],
      );
      expect(after).toEqual({ first_name: null, email: null, deleted: true, version: row?.version });
    });

    it('makes no contact with an erased email or phone, nor moves a contact onto one (identity_erased)', async () => {
      const ws = newWorkspace();
      const erased = await create(ws, { email: 'erased.two@example.com', phone: '+49 151 55500002' });
      await erasures.erase({ workspaceId: ws, id: erased.id, requestedBy: actor });
      await expect(records.create({ workspaceId: ws, actor, fields: { email: 'Erased.Two@Example.com' } })).rejects.toMatchObject({
        code: 'identity_erased',
      });
      const other = await create(ws, { email: 'someone.else@example.com' });
      await expect(
        records.patch({ workspaceId: ws, actor, id: other.id, ifMatch: [other.version], patch: { phone: '0049 151 55500002' } }),
      ).rejects.toMatchObject({ code: 'identity_erased' });
      const [unchanged] = await database.db.query(`SELECT phone, version::int FROM contacts.contacts WHERE id = $1`, [other.id]);
      expect(unchanged).toEqual({ phone: null, version: other.version });
      // In another workspace the same email is somebody else's to have.
      expect((await create(newWorkspace(), { email: 'erased.two@example.com' })).email).toBe('erased.two@example.com');
      const rows = await database.db.query(`SELECT 1 FROM contacts.contacts WHERE workspace_id = $1 AND email = 'erased.two@example.com'`, [
        ws,
      ]);
      expect(rows).toEqual([]);
    });
  });

  describe('lists', () => {
    it('filters by owner, tag, stage, lifecycle, update time and text, and sorts with keyset cursors', async () => {
      const ws = newWorkspace();
      const owner = '0190a5b2-0000-7000-8000-0000000000b1';
      const a = await create(ws, {
        firstName: 'Ana',
        lastName: 'Zed',
        company: 'Acme 100%',
        tags: ['vip'],
        ownerId: owner,
        lifecycle: 'customer',
      });
      const b = await create(ws, { firstName: 'Bo', lastName: 'Young', company: 'Initech', tags: ['vip', 'b2b'] });
      const c = await create(ws, { firstName: 'Cy', lastName: null, company: 'Acme 1000' });
      const ids = async (filter: object) => (await query.list({ workspaceId: ws, limit: 50, ...filter })).items.map((item) => item.id);
      expect(await ids({ ownerId: owner })).toEqual([a.id]);
      expect(await ids({ tag: 'vip' })).toEqual([b.id, a.id]);
      expect(await ids({ lifecycle: 'customer' })).toEqual([a.id]);
      expect(await ids({ q: 'acme' })).toEqual([c.id, a.id]);
      expect(await ids({ q: '100%' })).toEqual([a.id]);
      expect(await ids({ q: 'bo young' })).toEqual([b.id]);
      await database.dataSource.transaction((manager) =>
        stages.onStagesChanged(
          [
            stageEvent(ws, b.id, 'warm', '2026-01-02T00:00:00Z'),
            stageEvent(ws, b.id, 'hot', '2026-01-03T00:00:00Z'),
            stageEvent(ws, a.id, 'cold', '2026-01-01T00:00:00Z'),
          ],
          manager,
        ),
      );
      // A late, older change does not overwrite a newer stage.
      await database.dataSource.transaction((manager) =>
        stages.onStagesChanged([stageEvent(ws, b.id, 'warm', '2026-01-02T12:00:00Z')], manager),
      );
      expect(await ids({ stage: 'hot' })).toEqual([b.id]);
      expect((await query.get({ workspaceId: ws, id: b.id })).version).toBe(2);
      // The copied change again (stage copies keep no inbox rows), twice at once: no new version.
      const again = stageEvent(ws, b.id, 'hot', '2026-01-03T00:00:00Z');
      await Promise.all([0, 1].map(() => database.dataSource.transaction((manager) => stages.onStagesChanged([again], manager))));
      expect((await query.get({ workspaceId: ws, id: b.id })).version).toBe(2);
      const since = new Date().toISOString();
      written(await records.patch({ workspaceId: ws, actor, id: c.id, ifMatch: [1], patch: { title: 'Boss' } }));
      expect(await ids({ updatedSince: since })).toEqual([c.id]);

      // lastName ascending, a missing one first, two to a page.
      const first = await query.list({ workspaceId: ws, limit: 2, sort: 'lastName', order: 'asc' });
      expect(first.items.map((i) => i.id)).toEqual([c.id, b.id]);
      const second = await query.list({ workspaceId: ws, limit: 2, sort: 'lastName', order: 'asc', cursor: first.nextCursor as string });
      expect(second).toEqual({ items: [expect.objectContaining({ id: a.id })], nextCursor: null });
      // updatedAt descending, one to a page, walks every contact once.
      const walked: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await query.list({ workspaceId: ws, limit: 1, sort: 'updatedAt', cursor });
        walked.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(walked).toEqual([c.id, b.id, a.id]);
      await expect(query.list({ workspaceId: ws, limit: 1, sort: 'updatedAt', cursor: 'bm9wZQ' })).rejects.toMatchObject({
        code: 'invalid_cursor',
      });
    });
  });

  function stageEvent(workspaceId: string, contactId: string, to: 'cold' | 'warm' | 'hot', at: string) {
    return eventEnvelope<StageChangedData>(
      workspaceId,
      EventTypes.stageChanged,
      { contactId, from: null, to, at, source: 'test', offer: null, country: null },
      { occurredAt: at, producer: 'scoring' },
    );
  }
});
