import { type ContactErasedData, type EventEnvelope, EventTypes, type IngestLeadGroupResult } from '@leadflow/contracts';
import { ErasureStepsRepository } from '@leadflow/database';
import { APP_LOGGER } from '@leadflow/logging';
import { encodeBody, Outbox } from '@leadflow/messaging';
import { identityHash } from '@leadflow/normalization';
import { contactErasedData, eventEnvelope, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import pino from 'pino';
import { ingestionMigrations } from '../src/database/migrations';
import type { IngestLeadDto } from '../src/leads/dto/intake-request.dto';
import { LeadIntakeService } from '../src/leads/lead-intake.service';
import { LeadRepository } from '../src/leads/lead.repository';
import { RejectedRequestRepository } from '../src/leads/rejected-request.repository';
import { ErasureHandler } from '../src/privacy/erasure.handler';
import { ErasureRepository } from '../src/privacy/erasure.repository';
import { PrivacyService } from '../src/privacy/privacy.service';
import { SuppressionRepository } from '../src/privacy/suppression.repository';

/** Suppression at intake and redaction on `contact.erased`, in-process against a real PostgreSQL. */
describe('ingestion GDPR against PostgreSQL', () => {
  let database: ServiceDatabase;
  let intake: LeadIntakeService;
  let privacy: PrivacyService;
  let handler: ErasureHandler;

  beforeAll(async () => {
    database = await openServiceDatabase('ingestion', ingestionMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: Outbox, useValue: new Outbox(database.dataSource, 'ingestion') },
        { provide: APP_LOGGER, useValue: pino({ level: 'silent' }) },
        { provide: ErasureStepsRepository, useValue: new ErasureStepsRepository(database.dataSource, 'ingestion') },
        LeadRepository,
        RejectedRequestRepository,
        SuppressionRepository,
        ErasureRepository,
        LeadIntakeService,
        PrivacyService,
        ErasureHandler,
      ],
    }).compile();
    intake = module.get(LeadIntakeService);
    privacy = module.get(PrivacyService);
    handler = module.get(ErasureHandler);
  });

  afterAll(async () => {
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

  function item(workspaceId: string, body: string, overrides: Partial<IngestLeadDto> = {}): IngestLeadDto & { requestId: string } {
    return {
      workspaceId,
      source: 'landing',
      receivedAt: new Date().toISOString(),
      contentType: 'application/json',
      headers: { 'user-agent': 'privacy-test', 'x-forwarded-for': '203.0.113.7' },
      remoteAddress: '203.0.113.7',
      idempotencyKey: null,
      body: encodeBody(Buffer.from(body, 'utf8')),
      requestId: `req-${randomUUID()}`,
      ...overrides,
    } as IngestLeadDto & { requestId: string };
  }

  const leadIdOf = (result: IngestLeadGroupResult | undefined): string => {
    if (!result?.ok) throw new Error(`not stored: ${JSON.stringify(result)}`);
    return result.reply.leadId;
  };

  /**
   * Every text of the workspace's ingestion rows (bytea read as text), where a clear value must not
   * appear. Not the outbox: no relay runs here, and in the platform a lead's event is published (and
   * its row gone) before contacts can attribute the lead, so before any erasure names it.
   */
  async function workspaceText(workspaceId: string): Promise<string> {
    const rows = await database.db.query<{ text: string }>(
      `SELECT concat_ws(' ', r::text, encode(r.body, 'escape')) AS text FROM ingestion.raw_leads r WHERE workspace_id = $1
       UNION ALL SELECT l::text FROM ingestion.leads l WHERE workspace_id = $1
       UNION ALL SELECT concat_ws(' ', q::text, encode(q.body, 'escape')) FROM ingestion.rejected_requests q WHERE workspace_id = $1
       UNION ALL SELECT s::text FROM ingestion.suppressions s WHERE workspace_id = $1`,
      [workspaceId],
    );
    return rows
      .map((row) => row.text)
      .join('\n')
      .toLowerCase();
  }

  async function eventsFor(workspaceId: string): Promise<string[]> {
    const rows = await database.db.query<{ lead_id: string }>(
      `SELECT envelope->'data'->>'leadId' AS lead_id FROM ingestion.outbox_events WHERE envelope->>'workspaceId' = $1 AND type = 'lead.ingested'`,
      [workspaceId],
    );
    return rows.map((row) => row.lead_id);
  }

  function erased(workspaceId: string, data: Partial<ContactErasedData>): EventEnvelope<ContactErasedData> {
    return eventEnvelope(workspaceId, EventTypes.contactErased, contactErasedData(data), { producer: 'contacts' });
  }

  it('stores a lead from a suppressed email redacted, with the sha256 of its bytes, and publishes nothing for it', async () => {
    const ws = newWorkspace();
    const { suppression, created } = await privacy.addSuppression({
      workspaceId: ws,
      kind: 'email',
      hash: identityHash('email', 'Quiet@Example.com') as string,
      createdBy: 'key:test',
    });
    expect(created).toBe(true);
    expect(suppression).toMatchObject({ kind: 'email', reason: 'manual', hash: sha256('email:quiet@example.com') });

    const suppressedBody =
      '{"email":" QUIET@example.com ","phone":"+4915112340001","firstName":"Quinn","ip":"198.51.100.4","offer":"spring"}';
    const [quiet, loud] = await intake.ingestGroup([
      item(ws, suppressedBody, { idempotencyKey: 'quiet-1' }),
      item(ws, '{"email":"loud@example.com","offer":"spring"}'),
    ]);
    const quietId = leadIdOf(quiet);
    expect(quiet).toMatchObject({ ok: true, reply: { deduplicated: false } });

    const [raw] = await database.db.query<{
      body: Buffer;
      body_sha256: string;
      headers: object;
      remote_address: string | null;
      redacted_at: Date | null;
    }>(`SELECT body, body_sha256, headers, remote_address, redacted_at FROM ingestion.raw_leads WHERE id = $1`, [quietId]);
    expect(raw).toMatchObject({ body_sha256: sha256(suppressedBody), headers: {}, remote_address: null });
    expect(raw?.body.length).toBe(0);
    expect(raw?.redacted_at).toBeInstanceOf(Date);
    const [lead] = await database.db.query<Record<string, unknown>>(`SELECT * FROM ingestion.leads WHERE id = $1`, [quietId]);
    expect(lead).toMatchObject({ suppressed: true, email: null, phone: null, first_name: null, ip: null, offer: 'spring', payload: {} });
    // Contacts hears of the other lead only: nothing makes or updates a contact from the suppressed one.
    expect(await eventsFor(ws)).toEqual([leadIdOf(loud)]);
    expect(await workspaceText(ws)).not.toContain('quiet@example.com');

    // A retry with the same key and body is the same lead, still redacted.
    const [again] = await intake.ingestGroup([item(ws, suppressedBody, { idempotencyKey: 'quiet-1' })]);
    expect(again).toMatchObject({ ok: true, reply: { leadId: quietId, deduplicated: true } });
  });

  it('suppresses by phone in E.164 however the number was written, per workspace', async () => {
    const [ws, other] = [newWorkspace(), newWorkspace()];
    await privacy.addSuppression({
      workspaceId: ws,
      kind: 'phone',
      hash: identityHash('phone', '0151 1234 0002', 'DE') as string,
      createdBy: 'key:test',
    });
    const body = '{"phone":"+49 151 12340002","country":"DE"}';
    const [here, there] = [(await intake.ingestGroup([item(ws, body)]))[0], (await intake.ingestGroup([item(other, body)]))[0]];
    expect(await eventsFor(ws)).toEqual([]);
    expect(await eventsFor(other)).toEqual([leadIdOf(there)]);
    const [lead] = await database.db.query<{ suppressed: boolean }>(`SELECT suppressed FROM ingestion.leads WHERE id = $1`, [
      leadIdOf(here),
    ]);
    expect(lead?.suppressed).toBe(true);
  });

  it('adding a suppressed identity again answers the same suppression', async () => {
    const ws = newWorkspace();
    const hash = identityHash('email', 'twice@example.com') as string;
    const first = await privacy.addSuppression({ workspaceId: ws, kind: 'email', hash, createdBy: 'key:a' });
    const second = await privacy.addSuppression({ workspaceId: ws, kind: 'email', hash, createdBy: 'key:b' });
    expect(second).toEqual({ suppression: first.suppression, created: false });
    expect((await privacy.listSuppressions({ workspaceId: ws, limit: 10 })).items).toEqual([first.suppression]);
    expect(await privacy.removeSuppression({ workspaceId: ws, id: first.suppression.id })).toEqual(first.suppression);
    expect((await privacy.listSuppressions({ workspaceId: ws, limit: 10 })).items).toEqual([]);
  });

  it('redacts an erased person’s leads, raw and refused requests in place, suppresses their identities, once', async () => {
    const ws = newWorkspace();
    const email = 'erase.me@example.com';
    const bodies = [
      `{"email":"Erase.Me@Example.com","phone":"+4915112340003","firstName":"Eli","lastName":"Ramos","description":"call me","offer":"o1","extra_note":"${email}"}`,
      `{"email":"${email}","country":"DE","click_id":"c-77"}`,
    ];
    const ids = (await intake.ingestGroup(bodies.map((body) => item(ws, body)))).map(leadIdOf);
    const [kept] = (await intake.ingestGroup([item(ws, '{"email":"someone.else@example.com"}')])).map(leadIdOf);
    // Stored before the erasure but not attributed yet: contacts will make no contact of it.
    const [inFlight] = (await intake.ingestGroup([item(ws, `{"email":"${email}","firstName":"Late"}`)])).map(leadIdOf);
    // A refused body that names the person: tied to them by its content.
    await intake.ingestGroup([item(ws, `{"email":"${email.toUpperCase()}", broken`)]);
    await intake.ingestGroup([item(ws, '{"email":"unrelated@example.com", broken')]);
    const exported = await privacy.exportRejected({ workspaceId: ws, leadIds: ids });
    expect(exported.rejectedRequests.map((r) => r.body)).toEqual([`{"email":"${email.toUpperCase()}", broken`]);

    const event = erased(ws, {
      leadIds: ids,
      emailHashes: [identityHash('email', email) as string],
      phoneHashes: [identityHash('phone', '+4915112340003') as string],
    });
    await database.dataSource.transaction((manager) => handler.onContactErased([event], manager));

    expect(await workspaceText(ws)).not.toContain(email);
    expect(await workspaceText(ws)).not.toContain('4915112340003');
    expect(await workspaceText(ws)).not.toContain('ramos');
    const raws = await database.db.query<{ id: string; body_sha256: string | null; bytes: number; idempotency_key: string | null }>(
      `SELECT id, body_sha256, length(body) AS bytes, idempotency_key FROM ingestion.raw_leads WHERE workspace_id = $1 ORDER BY id`,
      [ws],
    );
    expect(raws).toEqual(
      [
        { id: ids[0], body_sha256: sha256(bodies[0] as string), bytes: 0, idempotency_key: null },
        { id: ids[1], body_sha256: sha256(bodies[1] as string), bytes: 0, idempotency_key: null },
        { id: kept, body_sha256: null, bytes: '{"email":"someone.else@example.com"}'.length, idempotency_key: null },
        { id: inFlight, body_sha256: sha256(`{"email":"${email}","firstName":"Late"}`), bytes: 0, idempotency_key: null },
      ].sort((a, b) => (a.id as string).localeCompare(b.id as string)),
    );
    const suppressedLeads = await database.db.query<{ id: string }>(
      `SELECT id FROM ingestion.leads WHERE workspace_id = $1 AND suppressed`,
      [ws],
    );
    expect(suppressedLeads).toEqual([{ id: inFlight }]);
    const leads = await database.db.query<Record<string, unknown>>(
      `SELECT id, received_at, email, phone, first_name, description, click_id, extra, payload, offer, country, email_valid, redacted_at
       FROM ingestion.leads WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    );
    for (const lead of leads) {
      expect(lead).toMatchObject({
        email: null,
        phone: null,
        first_name: null,
        description: null,
        click_id: null,
        extra: {},
        payload: {},
        email_valid: true,
      });
      expect(lead['received_at']).toBeInstanceOf(Date);
      expect(lead['redacted_at']).toBeInstanceOf(Date);
    }
    const rejected = await database.db.query<{ reason: string; body_sha256: string | null }>(
      `SELECT reason, body_sha256 FROM ingestion.rejected_requests WHERE workspace_id = $1 ORDER BY id`,
      [ws],
    );
    expect(rejected.map((row) => row.reason)).toEqual(['redacted (erasure)', expect.not.stringContaining('redacted')]);
    expect(rejected[0]?.body_sha256).toBe(sha256(`{"email":"${email.toUpperCase()}", broken`));

    const suppressions = (await privacy.listSuppressions({ workspaceId: ws, limit: 10 })).items;
    expect(suppressions.map((s) => [s.kind, s.reason, s.erasureId]).sort()).toEqual([
      ['email', 'erasure', event.data.erasureId],
      ['phone', 'erasure', event.data.erasureId],
    ]);
    const { step } = await privacy.erasureStep({ workspaceId: ws, erasureId: event.data.erasureId });
    expect(step).toMatchObject({
      app: 'ingestion',
      summary: { leadsRedacted: 3, rawRequestsRedacted: 3, rejectedRequestsRedacted: 1, suppressionsAdded: 2 },
    });

    // Delivered again (as after a crash before the ack): nothing changes, the step stays the first one.
    const before = await workspaceText(ws);
    await database.dataSource.transaction((manager) => handler.onContactErased([event], manager));
    expect(await workspaceText(ws)).toBe(before);
    expect((await privacy.erasureStep({ workspaceId: ws, erasureId: event.data.erasureId })).step).toEqual(step);

    // What the person sends afterwards is suppressed.
    const [later] = await intake.ingestGroup([item(ws, `{"email":"${email}"}`)]);
    expect(await eventsFor(ws)).not.toContain(leadIdOf(later));
  });

  it('exports leads with their raw request and normalized form', async () => {
    const ws = newWorkspace();
    const body = '{"email":"export@example.com","firstName":"Ex"}';
    const [id] = (await intake.ingestGroup([item(ws, body, { idempotencyKey: 'e-1' })])).map(leadIdOf);
    const { leads } = await privacy.exportLeads({ workspaceId: ws, leadIds: [id as string, randomUUID()] });
    expect(leads).toEqual([
      expect.objectContaining({
        id,
        idempotencyKey: 'e-1',
        redacted: false,
        suppressed: false,
        normalized: expect.objectContaining({ email: 'export@example.com', first_name: 'Ex' }),
        raw: expect.objectContaining({ body, bodyBytes: body.length, truncated: false, remoteAddress: '203.0.113.7' }),
      }),
    ]);
    expect((await privacy.exportLeads({ workspaceId: newWorkspace(), leadIds: [id as string] })).leads).toEqual([]);
  });
});
