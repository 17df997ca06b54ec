import { type ActivityReceivedData, type EventEnvelope, EventTypes, type LeadIngestedData } from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import { eventEnvelope, findInvariantViolations, leadIngestedData, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { ActivityAttributionService } from '../src/contacts/activity-attribution.service';
import { ContactActivitiesRepository } from '../src/contacts/contact-activities.repository';
import { ContactMergeService } from '../src/contacts/contact-merge.service';
import { ContactQueryService } from '../src/contacts/contact-query.service';
import { ContactTimelineService } from '../src/contacts/contact-timeline.service';
import { ContactsRepository } from '../src/contacts/contacts.repository';
import { ErasedIdentitiesRepository } from '../src/contacts/erased-identities.repository';
import { IdentityResolutionService } from '../src/contacts/identity-resolution.service';
import { contactsMigrations } from '../src/database/migrations';
import { ContactErasureService } from '../src/privacy/contact-erasure.service';
import { ErasureRepository } from '../src/privacy/erasure.repository';

/**
 * Activity attribution in-process against a real PostgreSQL, no NATS: envelopes of
 * `activity.received` are composed as ingestion publishes them and applied as the consumer would
 * (one batch per transaction, retried on a deadlock), alone, in batches and racing.
 */
describe('activity attribution against PostgreSQL', () => {
  let database: ServiceDatabase;
  let attribution: ActivityAttributionService;
  let leads: IdentityResolutionService;
  let merges: ContactMergeService;
  let timelines: ContactTimelineService;
  let erasure: ContactErasureService;

  beforeAll(async () => {
    database = await openServiceDatabase('contacts', contactsMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: Outbox, useValue: new Outbox(database.dataSource, 'contacts') },
        ContactsRepository,
        ContactActivitiesRepository,
        ErasedIdentitiesRepository,
        IdentityResolutionService,
        ActivityAttributionService,
        ContactQueryService,
        ContactMergeService,
        ContactTimelineService,
        ErasureRepository,
        ContactErasureService,
      ],
    }).compile();
    erasure = module.get(ContactErasureService);
    attribution = module.get(ActivityAttributionService);
    merges = module.get(ContactMergeService);
    timelines = module.get(ContactTimelineService);
    leads = module.get(IdentityResolutionService);
  });

  afterAll(async () => {
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

  function activity(workspaceId: string, fields: Partial<ActivityReceivedData>): EventEnvelope<ActivityReceivedData> {
    const now = new Date().toISOString();
    return eventEnvelope<ActivityReceivedData>(
      workspaceId,
      EventTypes.activityReceived,
      {
        activityId: uuidv7(),
        messageId: randomUUID(),
        kind: 'track',
        name: 'page_view',
        anonymousId: null,
        userId: null,
        previousId: null,
        email: null,
        emailValid: false,
        phone: null,
        phoneValid: false,
        contactId: null,
        properties: {},
        traits: {},
        occurredAt: now,
        receivedAt: now,
        timeFlag: null,
        source: 'web',
        ...fields,
      },
      { occurredAt: now, producer: 'ingestion' },
    );
  }

  const identify = (ws: string, fields: Partial<ActivityReceivedData>) => activity(ws, { kind: 'identify', name: 'identify', ...fields });

  async function apply(events: Array<EventEnvelope<ActivityReceivedData>>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await database.dataSource.transaction((manager) => attribution.onActivitiesReceived(events, manager));
        return;
      } catch (error) {
        if (attempt >= 8) throw error;
      }
    }
  }

  async function applyLead(ws: string, fields: Partial<LeadIngestedData>): Promise<string> {
    const lead = leadIngestedData(fields);
    const envelope = eventEnvelope(ws, EventTypes.leadIngested, lead, { producer: 'ingestion' });
    await database.dataSource.transaction((manager) => leads.onLeadsIngested([envelope], manager));
    return lead.leadId;
  }

  async function liveContacts(ws: string) {
    return database.db.query<{ id: string; email: string | null; anonymous: boolean; version: string }>(
      `SELECT id, email, anonymous, version FROM contacts.contacts WHERE workspace_id = $1 AND merged_into IS NULL ORDER BY created_at`,
      [ws],
    );
  }

  async function contactOfActivity(activityId: string): Promise<string | undefined> {
    const [row] = await database.db.query<{ contact_id: string }>(
      `SELECT COALESCE(c.merged_into, c.id) AS contact_id FROM contacts.contact_activities a JOIN contacts.contacts c ON c.id = a.contact_id
       WHERE a.activity_id = $1`,
      [activityId],
    );
    return row?.contact_id;
  }

  async function outbox(ws: string) {
    return database.db.query<{ type: string; data: Record<string, unknown> }>(
      `SELECT type, envelope->'data' AS data FROM contacts.outbox_events WHERE envelope->>'workspaceId' = $1 ORDER BY seq, ord`,
      [ws],
    );
  }

  it('keeps the history of an unknown anonymous id on an anonymous profile without personal data', async () => {
    const ws = newWorkspace();
    const first = activity(ws, { anonymousId: 'anon-1' });
    const second = activity(ws, { anonymousId: 'anon-1', name: 'download' });
    await apply([first]);
    await apply([second]);
    const live = await liveContacts(ws);
    expect(live).toEqual([{ id: expect.any(String), email: null, anonymous: true, version: '1' }]);
    expect(await contactOfActivity(first.data.activityId)).toBe(live[0]?.id);
    expect(await contactOfActivity(second.data.activityId)).toBe(live[0]?.id);
    const events = await outbox(ws);
    expect(events.map((e) => e.type)).toEqual(['activity.attributed', 'activity.attributed']);
    expect(events[0]?.data).toMatchObject({ contactId: live[0]?.id, anonymous: true, name: 'page_view' });
  });

  it('attaches by contactId, userId, email and phone to the contact they name', async () => {
    const ws = newWorkspace();
    const leadId = await applyLead(ws, { email: 'ada@example.com', emailValid: true, phone: '+4915111111111', phoneValid: true });
    const [contact] = await liveContacts(ws);
    const byUser = identify(ws, { userId: 'u-ada', email: 'ada@example.com', emailValid: true });
    await apply([byUser]);
    const byEmail = activity(ws, { email: 'ada@example.com', emailValid: true });
    const byPhone = activity(ws, { phone: '+4915111111111', phoneValid: true });
    const byUserId = activity(ws, { userId: 'u-ada' });
    const byContactId = activity(ws, { contactId: contact?.id ?? null });
    await apply([byEmail, byPhone, byUserId, byContactId]);
    for (const event of [byUser, byEmail, byPhone, byUserId, byContactId])
      expect(await contactOfActivity(event.data.activityId)).toBe(contact?.id);
    expect(await liveContacts(ws)).toHaveLength(1);
    expect(leadId).toBeDefined();
    // Learning the user id is a write: the version moved on.
    expect(Number((await liveContacts(ws))[0]?.version)).toBeGreaterThan(Number(contact?.version));
    expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);
  });

  it('meets a lead and events in one contact: lead with email X, identify U + X, track with U only', async () => {
    const ws = newWorkspace();
    await applyLead(ws, { email: 'x@example.com', emailValid: true });
    await apply([identify(ws, { userId: 'U', email: 'x@example.com', emailValid: true })]);
    const track = activity(ws, { userId: 'U', name: 'signup' });
    await apply([track]);
    const live = await liveContacts(ws);
    expect(live).toHaveLength(1);
    expect(await contactOfActivity(track.data.activityId)).toBe(live[0]?.id);
  });

  it('merges the anonymous profile into the known contact on identify, moving its activities and recording the merge', async () => {
    const ws = newWorkspace();
    await applyLead(ws, { email: 'bo@example.com', emailValid: true });
    const [known] = await liveContacts(ws);
    const views = [activity(ws, { anonymousId: 'anon-bo' }), activity(ws, { anonymousId: 'anon-bo', name: 'download' })];
    await apply(views);
    const anonymous = (await liveContacts(ws)).find((c) => c.anonymous);
    expect(anonymous).toBeDefined();
    const call = identify(ws, { anonymousId: 'anon-bo', email: 'bo@example.com', emailValid: true, traits: { firstName: 'Bo' } });
    await apply([call]);
    expect(await liveContacts(ws)).toEqual([expect.objectContaining({ id: known?.id, email: 'bo@example.com', anonymous: false })]);
    for (const event of [...views, call]) expect(await contactOfActivity(event.data.activityId)).toBe(known?.id);
    const rows = await database.db.query(`SELECT contact_id FROM contacts.contact_activities WHERE workspace_id = $1`, [ws]);
    expect(new Set(rows.map((r) => r['contact_id']))).toEqual(new Set([known?.id]));
    expect(
      await database.db.query(`SELECT survivor_id, merged_id, reason, activity_id FROM contacts.contact_merges WHERE workspace_id = $1`, [
        ws,
      ]),
    ).toEqual([{ survivor_id: known?.id, merged_id: anonymous?.id, reason: 'identify', activity_id: call.data.activityId }]);
    const events = await outbox(ws);
    expect(events.filter((e) => e.type === 'contact.merged').map((e) => e.data)).toEqual([
      { survivorId: known?.id, mergedId: anonymous?.id },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'activity.attributed', data: { contactId: known?.id, anonymous: false } });
    // A later page view with the anonymous id alone goes to the known contact.
    const later = activity(ws, { anonymousId: 'anon-bo' });
    await apply([later]);
    expect(await contactOfActivity(later.data.activityId)).toBe(known?.id);
    expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);
  });

  it('turns an anonymous profile into a person when it identifies with ids nobody holds', async () => {
    const ws = newWorkspace();
    await apply([activity(ws, { anonymousId: 'anon-new' })]);
    await apply([identify(ws, { anonymousId: 'anon-new', userId: 'u-new', email: 'new@example.com', emailValid: true })]);
    expect(await liveContacts(ws)).toEqual([expect.objectContaining({ email: 'new@example.com', anonymous: false, version: '2' })]);
    expect((await outbox(ws)).map((e) => e.type)).toEqual(['activity.attributed', 'contact.created', 'activity.attributed']);
  });

  it('refuses to merge two identified contacts through an anonymous id, records it and attributes to the strongest identifier', async () => {
    const ws = newWorkspace();
    await apply([identify(ws, { anonymousId: 'shared-laptop', userId: 'u-a', email: 'a@example.com', emailValid: true })]);
    await apply([identify(ws, { userId: 'u-b', email: 'b@example.com', emailValid: true })]);
    const [a, b] = await liveContacts(ws);
    const call = identify(ws, { anonymousId: 'shared-laptop', email: 'b@example.com', emailValid: true });
    await apply([call]);
    expect(await liveContacts(ws)).toHaveLength(2);
    expect(await contactOfActivity(call.data.activityId)).toBe(b?.id);
    expect(
      await database.db.query(
        `SELECT contact_id, other_contact_id, reason, activity_id FROM contacts.refused_merges WHERE workspace_id = $1`,
        [ws],
      ),
    ).toEqual([{ contact_id: b?.id, other_contact_id: a?.id, reason: 'linked_id_of_another_contact', activity_id: call.data.activityId }]);
    // Identifiers naming two contacts: userId of A, email of B → A (user id is stronger), refused.
    const mixed = activity(ws, { userId: 'u-a', email: 'b@example.com', emailValid: true });
    await apply([mixed]);
    expect(await contactOfActivity(mixed.data.activityId)).toBe(a?.id);
    expect(await database.db.query(`SELECT reason FROM contacts.refused_merges WHERE activity_id = $1`, [mixed.data.activityId])).toEqual([
      { reason: 'identifiers_name_different_contacts' },
    ]);
    expect(await database.db.query(`SELECT 1 FROM contacts.contact_merges WHERE workspace_id = $1`, [ws])).toEqual([]);
  });

  it('links the two ids of an alias: the anonymous profile joins the user', async () => {
    const ws = newWorkspace();
    const view = activity(ws, { anonymousId: 'anon-al' });
    await apply([view, identify(ws, { userId: 'u-al', email: 'al@example.com', emailValid: true })]);
    expect(await liveContacts(ws)).toHaveLength(2);
    const alias = activity(ws, { kind: 'alias', name: 'alias', userId: 'u-al', previousId: 'anon-al' });
    await apply([alias]);
    const live = await liveContacts(ws);
    expect(live).toEqual([expect.objectContaining({ email: 'al@example.com', anonymous: false })]);
    expect(await contactOfActivity(view.data.activityId)).toBe(live[0]?.id);
    expect(await database.db.query(`SELECT reason FROM contacts.contact_merges WHERE workspace_id = $1`, [ws])).toEqual([
      { reason: 'alias' },
    ]);
    // An alias of a previous user id names the same contact afterwards.
    await apply([activity(ws, { kind: 'alias', name: 'alias', userId: 'u-al-2', previousId: 'u-al' })]);
    const track = activity(ws, { userId: 'u-al-2' });
    await apply([track]);
    expect(await contactOfActivity(track.data.activityId)).toBe(live[0]?.id);
  });

  it('applies an identify delivered again (alone or in the same batch) once', async () => {
    const ws = newWorkspace();
    await applyLead(ws, { email: 're@example.com', emailValid: true });
    await apply([activity(ws, { anonymousId: 'anon-re' })]);
    const call = identify(ws, { anonymousId: 'anon-re', email: 're@example.com', emailValid: true });
    await apply([call, call]);
    const before = await outbox(ws);
    await apply([call]);
    expect(await outbox(ws)).toHaveLength(before.length);
    expect(await database.db.query(`SELECT 1 FROM contacts.contact_merges WHERE workspace_id = $1`, [ws])).toHaveLength(1);
    expect(await database.db.query(`SELECT 1 FROM contacts.contact_activities WHERE workspace_id = $1`, [ws])).toHaveLength(2);
  });

  it('makes one profile per anonymous id and one merge per identify when racing batches name the same visitors', async () => {
    const ws = newWorkspace();
    const visitors = Array.from({ length: 20 }, (_, n) => `visitor-${n}`);
    for (const [n] of visitors.entries()) await applyLead(ws, { email: `v${n}@example.com`, emailValid: true });
    const batches = [0, 1, 2, 3].map((replica) =>
      visitors.flatMap((visitor, n) => [
        activity(ws, { anonymousId: visitor }),
        ...(replica % 2 === 0 ? [identify(ws, { anonymousId: visitor, email: `v${n}@example.com`, emailValid: true })] : []),
        activity(ws, { anonymousId: visitor, name: 'download' }),
      ]),
    );
    await Promise.all(batches.map((events) => apply(events.reverse())));
    const live = await liveContacts(ws);
    expect(live).toHaveLength(visitors.length);
    expect(live.every((c) => !c.anonymous)).toBe(true);
    const attributed = await database.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM contacts.contact_activities a JOIN contacts.contacts c ON c.id = a.contact_id
       WHERE a.workspace_id = $1 AND c.merged_into IS NULL`,
      [ws],
    );
    expect(attributed[0]?.n).toBe(batches.flat().length);
    const merges = await database.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM contacts.contact_merges WHERE workspace_id = $1`,
      [ws],
    );
    expect(merges[0]?.n).toBeLessThanOrEqual(visitors.length);
    expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);
  });

  it('merges two identified contacts when an admin asks: activities move, versions bump, the merge is recorded', async () => {
    const ws = newWorkspace();
    const callA = identify(ws, { userId: 'u-1', email: 'one@example.com', emailValid: true });
    const callB = identify(ws, { userId: 'u-2', email: 'two@example.com', emailValid: true });
    await apply([callA, callB]);
    const [a, b] = await liveContacts(ws);
    const reply = await merges.merge({ workspaceId: ws, actor: 'admin@example.com', id: a?.id as string, intoId: b?.id as string });
    expect(reply).toMatchObject({ outcome: 'written', contact: { id: b?.id, mergedIds: [a?.id] } });
    if (reply.outcome !== 'written') throw new Error('not written');
    expect(reply.contact.version).toBeGreaterThan(reply.before?.version ?? Infinity);
    expect(reply.contact.emails.sort()).toEqual(['one@example.com', 'two@example.com']);
    expect(await contactOfActivity(callA.data.activityId)).toBe(b?.id);
    expect(await database.db.query(`SELECT reason, actor FROM contacts.contact_merges WHERE workspace_id = $1`, [ws])).toEqual([
      { reason: 'admin', actor: 'admin@example.com' },
    ]);
    expect((await outbox(ws)).filter((e) => e.type === 'contact.merged').map((e) => e.data)).toEqual([
      { survivorId: b?.id, mergedId: a?.id },
    ]);
    // Asked again with the merged id: nothing more to do.
    expect(await merges.merge({ workspaceId: ws, actor: 'admin@example.com', id: a?.id as string, intoId: b?.id as string })).toMatchObject(
      {
        outcome: 'unchanged',
        contact: { id: b?.id },
      },
    );
    expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);
  });

  it('refuses an admin merge of an unknown, the same, a deleted or an erased contact with its code', async () => {
    const ws = newWorkspace();
    await apply([identify(ws, { userId: 'u-x' }), identify(ws, { userId: 'u-y' }), identify(ws, { userId: 'u-z' })]);
    const [x, y, z] = (await liveContacts(ws)).map((c) => c.id) as [string, string, string];
    const attempt = (id: string, intoId: string) => merges.merge({ workspaceId: ws, actor: 'admin', id, intoId });
    await expect(attempt(x, randomUUID())).rejects.toMatchObject({ code: 'not_found' });
    await expect(attempt(x, x)).rejects.toMatchObject({ code: 'merge_into_self' });
    await expect(merges.merge({ workspaceId: newWorkspace(), actor: 'admin', id: x, intoId: y })).rejects.toMatchObject({
      code: 'not_found',
    });
    await database.db.query(`UPDATE contacts.contacts SET deleted_at = now(), version = version + 1 WHERE id = $1`, [y]);
    await expect(attempt(x, y)).rejects.toMatchObject({ code: 'contact_deleted' });
    await database.db.query(`UPDATE contacts.contacts SET erased_at = now(), deleted_at = now(), version = version + 1 WHERE id = $1`, [z]);
    await expect(attempt(z, x)).rejects.toMatchObject({ code: 'contact_erased' });
    expect(await database.db.query(`SELECT 1 FROM contacts.contact_merges WHERE workspace_id = $1`, [ws])).toEqual([]);
  });

  it("reads a contact's leads, activities and merges newest first, in pages that follow each other", async () => {
    const ws = newWorkspace();
    const leadId = await applyLead(ws, { email: 'tl@example.com', emailValid: true });
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const view = activity(ws, { anonymousId: 'anon-tl', occurredAt: at(30) });
    await apply([view]);
    const call = identify(ws, { anonymousId: 'anon-tl', email: 'tl@example.com', emailValid: true, occurredAt: at(20) });
    await apply([call]);
    const [contact] = await liveContacts(ws);
    const all = await timelines.timeline({ workspaceId: ws, id: contact?.id as string, limit: 10 });
    expect(all.contactId).toBe(contact?.id);
    expect(all.entries.map((e) => e.kind)).toEqual(['merge', 'lead', 'activity', 'activity']);
    expect(all.entries.map((e) => e.activityId ?? e.leadId ?? e.name)).toEqual([
      'identify',
      leadId,
      call.data.activityId,
      view.data.activityId,
    ]);
    const times = all.entries.map((e) => Date.parse(e.at));
    expect([...times].sort((p, q) => q - p)).toEqual(times);
    const first = await timelines.timeline({ workspaceId: ws, id: contact?.id as string, limit: 3 });
    const last = first.entries.at(-1) as { at: string; key: string };
    const second = await timelines.timeline({
      workspaceId: ws,
      id: contact?.id as string,
      limit: 3,
      before: { at: last.at, key: last.key },
    });
    expect([...first.entries, ...second.entries]).toEqual(all.entries);
    await expect(timelines.timeline({ workspaceId: ws, id: randomUUID(), limit: 3 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('erases the user and anonymous ids and the activities of an erased person; contact.erased carries hashes only', async () => {
    const ws = newWorkspace();
    await apply([activity(ws, { anonymousId: 'anon-gdpr' })]);
    await apply([identify(ws, { anonymousId: 'anon-gdpr', userId: 'u-gdpr', email: 'gdpr@example.com', emailValid: true })]);
    const [contact] = await liveContacts(ws);
    await erasure.erase({ workspaceId: ws, id: contact?.id as string, requestedBy: 'admin' });
    expect(await database.db.query(`SELECT kind FROM contacts.contact_identities WHERE workspace_id = $1`, [ws])).toEqual([]);
    expect(await database.db.query(`SELECT 1 FROM contacts.contact_activities WHERE workspace_id = $1`, [ws])).toEqual([]);
    const [erased] = (await outbox(ws)).filter((e) => e.type === 'contact.erased');
    expect(JSON.stringify(erased?.data)).not.toMatch(/gdpr@|u-gdpr|anon-gdpr/);
    expect(erased?.data['emailHashes']).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    // Ingestion finds the activities that name the person by a tracker id alone through these.
    const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    expect(erased?.data).toMatchObject({ anonymousIdHashes: [sha('anonymous_id:anon-gdpr')], userIdHashes: [sha('user_id:u-gdpr')] });
    // Activities naming the erased person afterwards (by email, user id or anonymous id) make no contact.
    await apply([
      activity(ws, { email: 'gdpr@example.com', emailValid: true }),
      activity(ws, { userId: 'u-gdpr' }),
      activity(ws, { anonymousId: 'anon-gdpr' }),
    ]);
    expect(await liveContacts(ws)).toHaveLength(1);
    expect(await database.db.query(`SELECT 1 FROM contacts.contact_activities WHERE workspace_id = $1`, [ws])).toEqual([]);
  });
});
