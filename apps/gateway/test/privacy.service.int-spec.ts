import { type ContactErasedData, type ErasureStep, type EventEnvelope, EventTypes, RpcSubjects } from '@leadflow/contracts';
import { ErasureStepsRepository } from '@leadflow/database';
import { RpcClient } from '@leadflow/messaging';
import { contactErasedData, eventEnvelope, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { AuditErasureHandler } from '../src/audit/audit-erasure.handler';
import { AuditLogRepository } from '../src/audit/audit-log.repository';
import { AuditLogService } from '../src/audit/audit-log.service';
import type { Principal } from '../src/auth/principal';
import { ContactPrivacyService } from '../src/contacts/contact-privacy.service';
import { gatewayMigrations } from '../src/database/migrations';
import { WebhookEndpointsRepository } from '../src/webhook-endpoints/webhook-endpoints.repository';

/**
 * The gateway's GDPR services in-process against a real PostgreSQL, the other apps answered by a
 * stand-in RPC client: the audit log's redaction on `contact.erased`, the export composed from
 * every app's answer, and an erasure's progress composed from every app's step.
 */
describe('gateway GDPR against PostgreSQL', () => {
  let database: ServiceDatabase;
  let handler: AuditErasureHandler;
  let audit: AuditLogService;
  let privacy: ContactPrivacyService;
  const answers = new Map<string, (payload: Record<string, unknown>) => unknown>();
  const asked: Array<{ subject: string; payload: Record<string, unknown> }> = [];
  const rpc = {
    request: async (subject: string, payload: Record<string, unknown>) => {
      asked.push({ subject, payload });
      const answer = answers.get(subject);
      if (!answer) throw new Error(`nothing answers ${subject}`);
      return answer(payload);
    },
  };

  beforeAll(async () => {
    database = await openServiceDatabase('gateway', gatewayMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: ErasureStepsRepository, useValue: new ErasureStepsRepository(database.dataSource, 'gateway') },
        { provide: RpcClient, useValue: rpc },
        AuditLogRepository,
        AuditLogService,
        AuditErasureHandler,
        WebhookEndpointsRepository,
        ContactPrivacyService,
      ],
    }).compile();
    handler = module.get(AuditErasureHandler);
    audit = module.get(AuditLogService);
    privacy = module.get(ContactPrivacyService);
  });

  afterAll(async () => {
    await database?.close();
  });

  beforeEach(() => {
    answers.clear();
    asked.length = 0;
  });

  const admin = (workspaceId: string): Principal =>
    ({ kind: 'key', workspaceId, actor: 'key:admin', scopes: new Set(), source: 'admin' }) as unknown as Principal;

  function erased(workspaceId: string, data: Partial<ContactErasedData>): EventEnvelope<ContactErasedData> {
    return eventEnvelope(workspaceId, EventTypes.contactErased, contactErasedData(data), { producer: 'contacts' });
  }

  it('redacts the before and after of audit entries about the erased contact and those merged into it, once', async () => {
    const ws = `ws-${randomUUID().slice(0, 8)}`;
    const [contactId, mergedId, otherId] = [randomUUID(), randomUUID(), randomUUID()];
    const person = { email: 'audited.person@example.com', firstName: 'Aud' };
    await audit.recordAlone(admin(ws), {
      workspaceId: ws,
      action: 'contact.update',
      target: `contact:${contactId}`,
      before: person,
      after: { ...person, title: 'CEO' },
    });
    await audit.recordAlone(admin(ws), { workspaceId: ws, action: 'contact.create', target: `contact:${mergedId}`, after: person });
    await audit.recordAlone(admin(ws), {
      workspaceId: ws,
      action: 'contact.create',
      target: `contact:${otherId}`,
      after: { email: 'kept@example.com' },
    });
    const event = erased(ws, { contactId, mergedContactIds: [mergedId] });

    for (let delivery = 0; delivery < 2; delivery += 1) {
      await database.dataSource.transaction((manager) => handler.onContactErased([event], manager));
    }

    const entries = (await audit.list(ws, 10, undefined)).items;
    const text = JSON.stringify(entries);
    expect(text).not.toContain('audited.person@example.com');
    expect(text).toContain('kept@example.com');
    const marker = { redacted: `erasure:${event.data.erasureId}` };
    expect(entries.find((e) => e.target === `contact:${contactId}`)).toMatchObject({
      action: 'contact.update',
      actor: 'key:admin',
      before: marker,
      after: marker,
    });
    expect(entries.find((e) => e.target === `contact:${mergedId}`)).toMatchObject({ before: null, after: marker });
    const steps = new ErasureStepsRepository(database.dataSource, 'gateway');
    expect(await steps.find(ws, event.data.erasureId)).toMatchObject({ app: 'gateway', summary: { auditEntriesRedacted: 2 } });
  });

  it('redacts the outbound webhook deliveries that name the erased contact or its leads, and fails those not yet sent', async () => {
    const ws = `ws-${randomUUID().slice(0, 8)}`;
    const [contactId, leadId, otherId] = [randomUUID(), randomUUID(), randomUUID()];
    const endpointId = randomUUID();
    await database.dataSource.query(
      `INSERT INTO gateway.webhook_endpoints ("id", "workspace_id", "url", "event_types", "created_by") VALUES ($1, $2, 'https://receiver.example.com/hook', '{contact.*,lead.ingested}', 'test')`,
      [endpointId, ws],
    );
    const delivery = async (type: string, data: Record<string, unknown>, status: 'pending' | 'succeeded') => {
      const id = uuidv7();
      await database.dataSource.query(
        `INSERT INTO gateway.webhook_deliveries ("id", "workspace_id", "endpoint_id", "message_id", "event_type", "body", "status", "next_attempt_at", "completed_at")
         VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $7 = 'pending' THEN now() END, CASE WHEN $7 = 'succeeded' THEN now() END)`,
        [id, ws, endpointId, uuidv7(), type, JSON.stringify({ type, timestamp: new Date().toISOString(), data }), status],
      );
      return id;
    };
    const sent = await delivery('contact.updated', { contactId, email: 'erased.person@example.com' }, 'succeeded');
    const waiting = await delivery('lead.ingested', { leadId, email: 'erased.person@example.com', source: 'web' }, 'pending');
    const kept = await delivery('contact.updated', { contactId: otherId, email: 'kept.person@example.com' }, 'succeeded');
    const event = erased(ws, { contactId, leadIds: [leadId] });

    for (let round = 0; round < 2; round += 1) {
      await database.dataSource.transaction((manager) => handler.onContactErased([event], manager));
    }

    const rows = (await database.dataSource.query(
      `SELECT "id", "body", "status", "last_error" FROM gateway.webhook_deliveries WHERE "workspace_id" = $1`,
      [ws],
    )) as Array<{ id: string; body: string; status: string; last_error: string | null }>;
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(JSON.stringify(rows)).not.toContain('erased.person@example.com');
    expect(JSON.parse(byId.get(sent)?.body ?? '{}')).toEqual({ type: 'contact.updated', redacted: `erasure:${event.data.erasureId}` });
    expect(byId.get(sent)?.status).toBe('succeeded');
    expect(byId.get(waiting)).toMatchObject({ status: 'failed', last_error: 'the contact was erased before delivery' });
    expect(byId.get(kept)?.body).toContain('kept.person@example.com');
    const steps = new ErasureStepsRepository(database.dataSource, 'gateway');
    expect(await steps.find(ws, event.data.erasureId)).toMatchObject({ summary: { webhookDeliveriesRedacted: 2 } });
  });

  it('composes the export from contacts, ingestion (a few leads per call), scoring and its own audit entries', async () => {
    const ws = `ws-${randomUUID().slice(0, 8)}`;
    const [contactId, mergedId] = [randomUUID(), randomUUID()];
    const leadIds = Array.from({ length: 23 }, () => uuidv7());
    await audit.recordAlone(admin(ws), {
      workspaceId: ws,
      action: 'contact.update',
      target: `contact:${mergedId}`,
      after: { title: 'CTO' },
    });
    answers.set(RpcSubjects.contacts.contactExport, () => ({
      contact: { id: contactId, email: 'exp@example.com' },
      identities: [{ kind: 'email', value: 'exp@example.com', createdAt: new Date().toISOString() }],
      leadIds,
      mergedContacts: [{ id: mergedId }],
      erasure: null,
    }));
    answers.set(RpcSubjects.ingestion.leadExport, (payload) => ({
      leads: (payload['leadIds'] as string[]).map((id) => ({ id, raw: { body: `{"email":"exp@example.com","n":"${id}"}` } })),
    }));
    answers.set(RpcSubjects.ingestion.rejectedExport, () => ({ rejectedRequests: [{ id: 'r1', body: '{"email":"exp@example.com",' }] }));
    answers.set(RpcSubjects.scoring.scoreExport, (payload) => ({
      contactId: payload['id'],
      score: { score: 40 },
      history: [{ points: 10 }],
    }));

    const exported = await privacy.export(ws, mergedId);

    expect(exported).toMatchObject({
      workspaceId: ws,
      contactId,
      contacts: { contact: { id: contactId, email: 'exp@example.com' }, leadIds },
      scoring: { contactId, score: { score: 40 } },
      gateway: { audit: [expect.objectContaining({ target: `contact:${mergedId}`, after: { title: 'CTO' } })] },
      notHeld: { metrics: expect.any(String) },
    });
    expect(exported.ingestion.leads.map((lead) => lead.id)).toEqual(leadIds);
    expect(exported.ingestion.rejectedRequests).toEqual([{ id: 'r1', body: '{"email":"exp@example.com",' }]);
    const leadCalls = asked.filter((call) => call.subject === RpcSubjects.ingestion.leadExport);
    expect(leadCalls.map((call) => (call.payload['leadIds'] as string[]).length)).toEqual([10, 10, 3]);
    expect(asked.find((call) => call.subject === RpcSubjects.scoring.scoreExport)?.payload).toEqual({ workspaceId: ws, id: contactId });
  });

  it('shows an erasure pending until every app recorded its step, an app that does not answer as pending', async () => {
    const ws = `ws-${randomUUID().slice(0, 8)}`;
    const erasure = {
      id: uuidv7(),
      workspaceId: ws,
      contactId: randomUUID(),
      requestedBy: 'key:admin',
      requestedAt: new Date().toISOString(),
      leadIds: [],
      mergedContactIds: [],
      emailHashes: [],
      phoneHashes: [],
    };
    const step = (app: ErasureStep['app']): ErasureStep => ({ app, completedAt: new Date().toISOString(), summary: { done: true } });
    answers.set(RpcSubjects.contacts.erasureGet, () => ({ erasure, step: step('contacts') }));
    answers.set(RpcSubjects.ingestion.erasureStep, () => ({ step: step('ingestion') }));
    answers.set(RpcSubjects.scoring.erasureStep, () => ({ step: null }));
    // metrics does not answer at all

    const pending = await privacy.erasure(ws, erasure.id);
    expect(pending).toMatchObject({ id: erasure.id, status: 'pending', pendingApps: ['scoring', 'metrics', 'gateway'] });
    expect(pending.steps.map((s) => s.app)).toEqual(['contacts', 'ingestion']);

    answers.set(RpcSubjects.scoring.erasureStep, () => ({ step: step('scoring') }));
    answers.set(RpcSubjects.metrics.erasureStep, () => ({ step: step('metrics') }));
    await database.dataSource.transaction((manager) =>
      handler.onContactErased([erased(ws, { contactId: erasure.contactId, erasureId: erasure.id })], manager),
    );
    const completed = await privacy.erasure(ws, erasure.id);
    expect(completed).toMatchObject({ status: 'completed', pendingApps: [] });
    expect(completed.steps.map((s) => s.app)).toEqual(['contacts', 'ingestion', 'scoring', 'metrics', 'gateway']);
  });
});
