import {
  crmRecordKey,
  type CrmEventProcessedData,
  type CrmEventReceivedData,
  type CrmEventView,
  type CrmIntegrationRef,
  type CrmIntegrationStatusView,
  type EventEnvelope,
  EventTypes,
  type Page,
  readMessage,
  RpcSubjects,
  type StoreCrmWebhookReply,
  type StoreCrmWebhookRequest,
} from '@leadflow/contracts';
import { encodeBody } from '@leadflow/messaging';
import { AppHarness, type RpcFailure, waitFor } from '@leadflow/testing';
import { randomUUID } from 'node:crypto';
import { type Subscription } from 'nats';

const subjects = RpcSubjects.ingestion;

/** Ingestion's CRM event log against PostgreSQL and NATS: what is stored, published, held, replayed and retried. */
describe('ingestion: CRM events', () => {
  let h: AppHarness;
  let events: Subscription;
  const received: Array<EventEnvelope<CrmEventReceivedData>> = [];

  beforeAll(async () => {
    h = await AppHarness.start('ingestion', { CRM_RETRY_BASE_MS: '50', CRM_MAX_ATTEMPTS: '3' });
    events = h.nats.subscribe(`${h.namespace}.${EventTypes.crmEventReceived}`);
    void (async () => {
      for await (const message of events) received.push(...(readMessage(message.data) as Array<EventEnvelope<CrmEventReceivedData>>));
    })();
  });

  afterAll(async () => {
    events?.unsubscribe();
    await h?.stop();
  });

  const integration = (overrides: Partial<CrmIntegrationRef> = {}): CrmIntegrationRef => ({
    id: randomUUID(),
    workspaceId: 'default',
    kind: 'standard',
    mapping: null,
    paused: false,
    ...overrides,
  });

  const store = (ref: CrmIntegrationRef, body: unknown, overrides: Partial<StoreCrmWebhookRequest> = {}) =>
    h.request<StoreCrmWebhookReply>(subjects.crmWebhookStore, {
      integration: ref,
      receivedAt: new Date().toISOString(),
      headers: { 'content-type': 'application/json' },
      body: encodeBody(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8')),
      verification: { ok: true, secretIndex: 0, signedAt: new Date().toISOString(), webhookId: null },
      requestId: null,
      ...overrides,
    } satisfies StoreCrmWebhookRequest);

  const contactEvent = (id: string, updatedAt: string, extra: Record<string, unknown> = {}) => ({
    type: 'contact.updated',
    id: `evt-${randomUUID()}`,
    timestamp: updatedAt,
    data: { id, updatedAt, email: `${id}@example.com`, ...extra },
  });

  const logRow = async (id: string) =>
    (
      await h.db.query<Record<string, unknown>>(
        `SELECT status, reason, error, attempts, type, external_id, held, dead_lettered, lead_id FROM ingestion.crm_events_log WHERE id = $1`,
        [id],
      )
    )[0];

  it('stores a webhook with its raw bytes in its month, stages the record and publishes crm_event.received once', async () => {
    const ref = integration();
    const body = contactEvent('crm-c-1', '2026-11-30T10:00:00.000Z', { firstName: 'Ana', plan: 'gold' });
    const reply = await store(ref, body);
    expect(reply.outcome).toBe('stored');
    const [row] = await h.db.query<{ body: Buffer; status: string; attempts: number; event_at: Date; external_event_id: string }>(
      `SELECT body, status, attempts, event_at, external_event_id FROM ingestion.crm_events_log_p202611 WHERE id = $1`,
      [reply.eventId],
    );
    expect(row?.body.toString('utf8')).toBe(JSON.stringify(body));
    expect(row).toMatchObject({ status: 'received', attempts: 1, external_event_id: body.id });
    expect(row?.event_at.toISOString()).toBe('2026-11-30T10:00:00.000Z');
    const [staged] = await h.db.query<{ fields: object }>(`SELECT fields FROM ingestion.crm_contacts_staging WHERE crm_event_id = $1`, [
      reply.eventId,
    ]);
    expect(staged?.fields).toEqual({ email: 'crm-c-1@example.com', firstName: 'Ana', properties: { plan: 'gold' } });
    const event = await waitFor(() => received.find((e) => e.data.crmEventId === reply.eventId), { what: 'crm_event.received' });
    expect(event.workspaceId).toBe('default');
    expect(event.data).toEqual({
      crmEventId: reply.eventId,
      integrationId: ref.id,
      type: 'contact.updated',
      externalId: 'crm-c-1',
      sourceUpdatedAt: '2026-11-30T10:00:00.000Z',
      attempt: 1,
      fields: { email: 'crm-c-1@example.com', firstName: 'Ana', properties: { plan: 'gold' } },
      leadId: null,
    });

    // The same webhook again (same id): the first event, nothing stored or published twice.
    const again = await store(ref, body);
    expect(again).toEqual({ outcome: 'replay', eventId: reply.eventId });
    const [{ n }] = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ingestion.crm_events_log WHERE integration_id = $1`, [
      ref.id,
    ]);
    expect(n).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.filter((e) => e.data.crmEventId === reply.eventId)).toHaveLength(1);
  });

  it('recognizes a webhook without an id by the hash of its bytes, and a standard webhook by its header id', async () => {
    const ref = integration();
    const body = { type: 'contact.created', data: { id: 'crm-c-2', updatedAt: '2026-11-29T10:00:00Z' } };
    const first = await store(ref, body);
    expect(await store(ref, body)).toEqual({ outcome: 'replay', eventId: first.eventId });
    const verified = { ok: true as const, secretIndex: 0, signedAt: new Date().toISOString(), webhookId: 'msg_1' };
    const byHeader = await store(ref, contactEvent('crm-c-3', '2026-11-29T11:00:00Z'), { verification: verified });
    expect(byHeader.outcome).toBe('stored');
    // Another body under the same webhook-id is a replay of the first.
    expect(await store(ref, contactEvent('crm-c-4', '2026-11-29T12:00:00Z'), { verification: verified })).toEqual({
      outcome: 'replay',
      eventId: byHeader.eventId,
    });
  });

  it('keeps a refused webhook for audit, up to the cap, and stores no event for it', async () => {
    const ref = integration();
    const reply = await store(ref, contactEvent('crm-r-1', '2026-11-29T10:00:00Z'), {
      verification: { ok: false, code: 'invalid_signature', reason: 'no v1 signature matches' },
    });
    expect(reply).toEqual({ outcome: 'rejected', eventId: null });
    const rows = await h.db.query<{ code: string; reason: string; body_bytes: number }>(
      `SELECT code, reason, body_bytes FROM ingestion.crm_rejected_webhooks WHERE integration_id = $1`,
      [ref.id],
    );
    expect(rows).toEqual([{ code: 'invalid_signature', reason: 'no v1 signature matches', body_bytes: expect.any(Number) }]);
    const [{ n }] = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ingestion.crm_events_log WHERE integration_id = $1`, [
      ref.id,
    ]);
    expect(n).toBe(0);
  });

  it('gives a two-year-old event a partition of its month', async () => {
    const ref = integration();
    const reply = await store(ref, contactEvent('crm-old', '2024-10-15T08:30:00Z'));
    expect(reply.outcome).toBe('stored');
    const partitions = await h.db.query<{ relname: string }>(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = 'crm_events_log' AND c.relname = 'crm_events_log_p202410'`,
    );
    expect(partitions).toHaveLength(1);
    const [row] = await h.db.query<{ id: string }>(`SELECT id FROM ingestion.crm_events_log_p202410 WHERE id = $1`, [reply.eventId]);
    expect(row?.id).toBe(reply.eventId);
    const [staged] = await h.db.query(`SELECT external_id FROM ingestion.crm_contacts_staging_p202410 WHERE crm_event_id = $1`, [
      reply.eventId,
    ]);
    expect(staged).toEqual({ external_id: 'crm-old' });
  });

  it('logs an unknown type as skipped and an unreadable body as failed with its reason', async () => {
    const ref = integration();
    const unknown = await store(ref, { type: 'invoice.paid', id: 'x-1', data: { id: 'inv-1', updatedAt: '2026-11-20T00:00:00Z' } });
    expect(await logRow(unknown.eventId as string)).toMatchObject({ status: 'skipped', reason: 'unsupported_type', type: 'invoice.paid' });
    const broken = await store(ref, '{"type": "contact.created", ');
    expect(await logRow(broken.eventId as string)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^The body is not JSON/),
    });
    const noRecord = await store(ref, { type: 'contact.created', id: 'x-2', data: { email: 'a@example.com' } });
    expect(await logRow(noRecord.eventId as string)).toMatchObject({ status: 'failed', error: expect.stringMatching(/record id/) });
    const badAmount = await store(ref, {
      type: 'opportunity.created',
      id: 'x-3',
      data: { id: 'opp-1', updatedAt: '2026-11-20T00:00:00Z', amount: '12.345', currency: 'EUR' },
    });
    expect(await logRow(badAmount.eventId as string)).toMatchObject({ status: 'failed', error: expect.stringMatching(/amount/) });
  });

  it('reads an acme payload with the integration mapping, amounts converted to minor units', async () => {
    const ref = integration({
      kind: 'acme',
      mapping: {
        type: 'event',
        id: 'delivery',
        externalId: 'deal.key',
        updatedAt: 'deal.modified',
        types: { DealChanged: 'opportunity.updated' },
        fields: { name: 'deal.title', amount: 'deal.value', currency: 'deal.cur', contactExternalId: 'deal.person' },
      },
    });
    const reply = await store(ref, {
      event: 'DealChanged',
      delivery: 'd-1',
      deal: { key: 'D9', modified: '2026-11-28T09:00:00Z', title: 'Big', value: '1299.50', cur: 'eur', person: 'P1' },
    });
    const event = await waitFor(() => received.find((e) => e.data.crmEventId === reply.eventId), { what: 'acme event' });
    expect(event.data).toMatchObject({
      type: 'opportunity.updated',
      externalId: 'D9',
      sourceUpdatedAt: '2026-11-28T09:00:00.000Z',
      fields: { name: 'Big', amount: { amount: '129950', currency: 'EUR' }, contactExternalId: 'P1' },
    });
  });

  it('holds events while paused and publishes them on resume in event-time order', async () => {
    const ref = integration();
    await h.request(subjects.crmIntegrationSetPaused, { integration: ref, paused: true });
    const times = ['2026-11-30T12:00:00.000Z', '2026-11-30T09:00:00.000Z', '2026-11-30T11:00:00.000Z', '2026-11-30T10:00:00.000Z'];
    const ids: string[] = [];
    for (const [i, time] of times.entries()) ids.push((await store(ref, contactEvent(`crm-p-${i}`, time))).eventId as string);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received.filter((e) => e.data.integrationId === ref.id)).toHaveLength(0);
    const held = await h.db.query<{ held: boolean; status: string }>(
      `SELECT held, status FROM ingestion.crm_events_log WHERE integration_id = $1`,
      [ref.id],
    );
    expect(held).toEqual(times.map(() => ({ held: true, status: 'received' })));

    const resumed = await h.request<{ released: number }>(subjects.crmIntegrationSetPaused, { integration: ref, paused: false });
    expect(resumed.released).toBe(4);
    const published = await waitFor(
      () => {
        const mine = received.filter((e) => e.data.integrationId === ref.id);
        return mine.length === 4 ? mine : undefined;
      },
      { what: 'the held events' },
    );
    expect(published.map((e) => e.data.sourceUpdatedAt)).toEqual([...times].sort());
  });

  it('stores a CRM lead as a lead, links it, skips an older version, and fills leadId in a conversion', async () => {
    const ref = integration();
    const created = await store(ref, {
      type: 'lead.created',
      id: 'l-1',
      data: { id: 'crm-lead-1', updatedAt: '2026-11-30T08:00:00Z', email: 'lena@example.com', firstName: 'Lena' },
    });
    const [row] = await h.waitForRows<{ status: string; lead_id: string }>(
      `SELECT status, lead_id FROM ingestion.crm_events_log WHERE id = $1 AND status <> 'received'`,
      [created.eventId],
    );
    expect(row?.status).toBe('processed');
    const [lead] = await h.db.query<{ source: string; email: string; first_name: string }>(
      `SELECT source, email, first_name FROM ingestion.leads WHERE id = $1`,
      [row?.lead_id],
    );
    expect(lead).toEqual({ source: `crm:${ref.id}`, email: 'lena@example.com', first_name: 'Lena' });

    const older = await store(ref, {
      type: 'lead.updated',
      id: 'l-0',
      data: { id: 'crm-lead-1', updatedAt: '2026-11-29T08:00:00Z', email: 'old@example.com' },
    });
    await h.waitForRows(`SELECT 1 FROM ingestion.crm_events_log WHERE id = $1 AND status = 'skipped' AND reason = 'stale'`, [
      older.eventId,
    ]);

    const converted = await store(ref, {
      type: 'lead.converted',
      id: 'l-2',
      data: { id: 'crm-lead-1', updatedAt: '2026-11-30T09:00:00Z' },
    });
    const event = await waitFor(() => received.find((e) => e.data.crmEventId === converted.eventId), { what: 'lead.converted' });
    expect(event.data).toMatchObject({ type: 'lead.converted', externalId: 'crm-lead-1', leadId: row?.lead_id });
  });

  it('keeps contacts outcomes, retries a retryable failure with backoff and dead-letters it after the last attempt', async () => {
    const ref = integration();
    const stored = await store(ref, contactEvent('crm-f-1', '2026-11-30T07:00:00Z'));
    const eventId = stored.eventId as string;
    const outcome = (attempt: number): CrmEventProcessedData => ({
      crmEventId: eventId,
      integrationId: ref.id,
      attempt,
      status: 'failed',
      reason: null,
      error: 'the contact is not known yet',
      retryable: true,
      recordId: null,
    });
    for (const attempt of [1, 2]) {
      await waitFor(() => received.find((e) => e.data.crmEventId === eventId && e.data.attempt === attempt), {
        what: `attempt ${attempt}`,
      });
      await h.publish(EventTypes.crmEventProcessed, outcome(attempt));
    }
    await waitFor(() => received.find((e) => e.data.crmEventId === eventId && e.data.attempt === 3), { what: 'attempt 3' });
    await h.publish(EventTypes.crmEventProcessed, outcome(3));
    await h.waitForRows(`SELECT 1 FROM ingestion.crm_events_log WHERE id = $1 AND dead_lettered`, [eventId]);
    expect(await logRow(eventId)).toMatchObject({
      status: 'failed',
      attempts: 3,
      dead_lettered: true,
      error: 'the contact is not known yet',
    });

    // A manual retry hands it on once more; a processed outcome settles it.
    const retried = await h.request<CrmEventView>(subjects.crmEventRetry, { integration: ref, eventId });
    expect(retried).toMatchObject({ status: 'received', attempts: 4, deadLettered: false });
    await h.publish(EventTypes.crmEventProcessed, { ...outcome(4), status: 'processed', error: null, retryable: false });
    await h.waitForRows(`SELECT 1 FROM ingestion.crm_events_log WHERE id = $1 AND status = 'processed'`, [eventId]);
    const notFailed = await h.request(subjects.crmEventRetry, { integration: ref, eventId }).catch((error: RpcFailure) => error);
    expect(notFailed).toMatchObject({ code: 'event_not_retryable' });

    const page = await h.request<Page<CrmEventView>>(subjects.crmEventList, {
      workspaceId: 'default',
      integrationId: ref.id,
      status: 'processed',
      limit: 10,
    });
    expect(page.items.map((e) => [e.id, e.attempts])).toEqual([[eventId, 4]]);
    const status = await h.request<CrmIntegrationStatusView>(subjects.crmIntegrationStatus, { integration: ref });
    expect(status).toMatchObject({ paused: false, lagSeconds: 0, lastHour: { processed: 1, received: 0 }, lastDay: { processed: 1 } });
  });

  it('replays a range: events re-read and handed on again', async () => {
    const ref = integration();
    const from = new Date().toISOString();
    const a = await store(ref, contactEvent('crm-x-1', '2026-11-30T06:00:00Z'));
    await waitFor(() => received.find((e) => e.data.crmEventId === a.eventId), { what: 'first delivery' });
    const reply = await h.request<{ replayed: number }>(subjects.crmEventReplay, {
      integration: ref,
      from,
      to: new Date(Date.now() + 1000).toISOString(),
    });
    expect(reply.replayed).toBe(1);
    await waitFor(() => received.find((e) => e.data.crmEventId === a.eventId && e.data.attempt === 2), { what: 'replayed delivery' });
  });

  it('reads a failed event again with a mapping fixed since: retried, staged and handed on', async () => {
    const ref = integration({ kind: 'acme' });
    const stored = await store(ref, {
      event: 'contact.created',
      person: { key: 'A1', at: '2026-11-30T05:00:00Z', mail: 'a1@example.com' },
    });
    expect(await logRow(stored.eventId as string)).toMatchObject({ status: 'failed', error: 'The payload names no event type' });
    const mapping = { type: 'event', externalId: 'person.key', updatedAt: 'person.at', fields: { email: 'person.mail' } };
    const retried = await h.request<CrmEventView>(subjects.crmEventRetry, { integration: { ...ref, mapping }, eventId: stored.eventId });
    expect(retried).toMatchObject({ status: 'received', type: 'contact.created', externalId: 'A1', attempts: 1 });
    const [staged] = await h.db.query(`SELECT external_id, fields FROM ingestion.crm_contacts_staging WHERE crm_event_id = $1`, [
      stored.eventId,
    ]);
    expect(staged).toEqual({ external_id: 'A1', fields: { email: 'a1@example.com' } });
    const event = await waitFor(() => received.find((e) => e.data.crmEventId === stored.eventId), { what: 'the re-read event' });
    expect(event.data).toMatchObject({ type: 'contact.created', externalId: 'A1', attempt: 1, fields: { email: 'a1@example.com' } });
  });

  it('erases a person from the CRM event log: their lead events, events and refused webhooks naming them, and staging rows', async () => {
    const ref = integration();
    const lead = await store(ref, {
      type: 'lead.created',
      id: 'g-1',
      data: { id: 'crm-gdpr-1', updatedAt: '2026-11-30T04:00:00Z', email: 'Gdpr.Person@Example.com', lastName: 'Erasable' },
    });
    const [{ lead_id: leadId }] = await h.waitForRows<{ lead_id: string }>(
      `SELECT lead_id FROM ingestion.crm_events_log WHERE id = $1 AND status = 'processed'`,
      [lead.eventId],
    );
    const contact = await store(ref, contactEvent('crm-gdpr-c', '2026-11-30T04:30:00Z', { email: 'gdpr.person@example.com' }));
    const other = await store(ref, contactEvent('crm-other', '2026-11-30T04:31:00Z'));
    await store(ref, contactEvent('crm-gdpr-r', '2026-11-30T04:32:00Z', { email: 'gdpr.person@example.com' }), {
      verification: { ok: false, code: 'invalid_signature', reason: 'no v1 signature matches' },
    });
    await h.publish(EventTypes.contactErased, {
      erasureId: randomUUID(),
      contactId: randomUUID(),
      mergedContactIds: [],
      leadIds: [leadId],
      emailHashes: [],
      phoneHashes: [],
    });
    await h.waitForRows(`SELECT 1 FROM ingestion.crm_events_log WHERE id = $1 AND octet_length(body) = 0`, [contact.eventId]);
    const rows = await h.db.query<{ id: string; bytes: number; fields: object | null; status: string }>(
      `SELECT id, octet_length(body) AS bytes, fields, status FROM ingestion.crm_events_log WHERE integration_id = $1 ORDER BY id`,
      [ref.id],
    );
    expect(rows).toEqual([
      { id: lead.eventId, bytes: 0, fields: {}, status: 'processed' },
      { id: contact.eventId, bytes: 0, fields: {}, status: 'received' },
      {
        id: other.eventId,
        bytes: expect.any(Number),
        fields: expect.objectContaining({ email: 'crm-other@example.com' }),
        status: 'received',
      },
    ]);
    const text = JSON.stringify(
      await h.db.query(
        `SELECT s.fields FROM ingestion.crm_leads_staging s WHERE integration_id = $1
         UNION ALL SELECT c.fields FROM ingestion.crm_contacts_staging c WHERE integration_id = $1
         UNION ALL SELECT to_jsonb(encode(r.body, 'escape')) FROM ingestion.crm_rejected_webhooks r WHERE integration_id = $1`,
        [ref.id],
      ),
    ).toLowerCase();
    expect(text).not.toContain('gdpr.person');
    expect(text).not.toContain('erasable');
    expect(text).toContain('crm-other@example.com');
  });

  it('erases a person known to it only from CRM contact events, by their CRM record: events without email or phone too', async () => {
    const ref = integration();
    const created = await store(ref, contactEvent('crm-only-c', '2026-11-30T05:00:00Z', { firstName: 'Onlycrm' }));
    // A later version names the record by its id alone: no email, no phone.
    const renamed = await store(ref, {
      type: 'contact.updated',
      id: `evt-${randomUUID()}`,
      timestamp: '2026-11-30T05:01:00Z',
      data: { id: 'crm-only-c', updatedAt: '2026-11-30T05:01:00Z', lastName: 'Renamedperson' },
    });
    const deal = await store(ref, {
      type: 'opportunity.created',
      id: `evt-${randomUUID()}`,
      timestamp: '2026-11-30T05:02:00Z',
      data: {
        id: 'crm-only-deal',
        updatedAt: '2026-11-30T05:02:00Z',
        name: 'Deal of Renamedperson',
        contactId: 'crm-only-c',
        amount: '10.00',
        currency: 'EUR',
      },
    });
    const other = await store(ref, contactEvent('crm-only-other', '2026-11-30T05:03:00Z', { lastName: 'Keptperson' }));
    // The same CRM id in another integration is another record.
    const elsewhere = integration();
    const namesake = await store(elsewhere, contactEvent('crm-only-c', '2026-11-30T05:04:00Z', { lastName: 'Namesake' }));
    await h.publish(EventTypes.contactErased, {
      erasureId: randomUUID(),
      contactId: randomUUID(),
      mergedContactIds: [],
      leadIds: [],
      emailHashes: [],
      phoneHashes: [],
      crmContactRecords: [crmRecordKey(ref.id, 'crm-only-c')],
    });
    await h.waitForRows(`SELECT 1 FROM ingestion.crm_events_log WHERE id = $1 AND octet_length(body) = 0`, [renamed.eventId]);
    const bytes = async (id: string | null) =>
      (await h.db.query<{ bytes: number }>(`SELECT octet_length(body) AS bytes FROM ingestion.crm_events_log WHERE id = $1`, [id]))[0]
        ?.bytes;
    expect(await bytes(created.eventId)).toBe(0);
    expect(await bytes(renamed.eventId)).toBe(0);
    expect(await bytes(deal.eventId)).toBe(0);
    expect(await bytes(other.eventId)).toBeGreaterThan(0);
    expect(await bytes(namesake.eventId)).toBeGreaterThan(0);
    const staged = JSON.stringify(
      await h.db.query(
        `SELECT fields FROM ingestion.crm_contacts_staging WHERE integration_id = ANY($1::uuid[])
         UNION ALL SELECT fields FROM ingestion.crm_opportunities_staging WHERE integration_id = ANY($1::uuid[])`,
        [[ref.id, elsewhere.id]],
      ),
    ).toLowerCase();
    expect(staged).not.toContain('onlycrm');
    expect(staged).not.toContain('renamedperson');
    expect(staged).toContain('keptperson');
    expect(staged).toContain('namesake');
  });

  it('erases a person from a HubSpot batch: only the items naming them, each item being an event of its own', async () => {
    const ref = integration({ kind: 'hubspot' });
    const lead = await store(ref, {
      type: 'lead.created',
      id: 'hb-g-1',
      data: { id: 'crm-hb-gdpr-1', updatedAt: '2026-11-30T05:00:00Z', email: 'Batch.Person@Example.com' },
    });
    const [{ lead_id: leadId }] = await h.waitForRows<{ lead_id: string }>(
      `SELECT lead_id FROM ingestion.crm_events_log WHERE id = $1 AND status = 'processed'`,
      [lead.eventId],
    );
    const item = (eventId: number, objectId: number, email: string) => ({
      eventId,
      subscriptionType: 'contact.propertyChange',
      objectId,
      occurredAt: Date.parse('2026-11-30T05:10:00Z') + eventId,
      propertyName: 'email',
      propertyValue: email,
      changeSource: 'CRM',
    });
    const batch = await store(ref, [item(1, 71, 'batch.person@example.com'), item(2, 72, 'someone.else@example.com')]);
    expect(batch).toMatchObject({ outcome: 'stored', events: [{ replayed: false }, { replayed: false }] });
    const [named, other] = (batch.events ?? []).map((event) => event.eventId as string);
    await h.publish(EventTypes.contactErased, {
      erasureId: randomUUID(),
      contactId: randomUUID(),
      mergedContactIds: [],
      leadIds: [leadId],
      emailHashes: [],
      phoneHashes: [],
    });
    await h.waitForRows(`SELECT 1 FROM ingestion.crm_events_log WHERE id = $1 AND octet_length(body) = 0`, [named]);
    const [kept] = await h.db.query<{ body: Buffer; fields: object }>(`SELECT body, fields FROM ingestion.crm_events_log WHERE id = $1`, [
      other,
    ]);
    expect(kept?.body.toString('utf8')).toBe(JSON.stringify(item(2, 72, 'someone.else@example.com')));
    expect(kept?.fields).toEqual({ email: 'someone.else@example.com' });
    const text = JSON.stringify(
      await h.db.query(`SELECT encode(body, 'escape') AS body, fields FROM ingestion.crm_events_log WHERE integration_id = $1`, [ref.id]),
    ).toLowerCase();
    expect(text).not.toContain('batch.person');
  });

  it('re-reads a failed item of a HubSpot batch from its own bytes on retry', async () => {
    const ref = integration({ kind: 'hubspot' });
    const good = { eventId: 31, subscriptionType: 'contact.creation', objectId: 81, occurredAt: Date.parse('2026-11-30T06:00:00Z') };
    const batch = await store(ref, [good, { ...good, eventId: 32, objectId: null }]);
    expect(batch.events?.map((event) => event.error)).toEqual([null, expect.stringMatching(/^Item 2 of 2: The record id/)]);
    const failed = batch.events?.[1]?.eventId as string;
    expect(await logRow(failed)).toMatchObject({ status: 'failed', type: 'contact.created', external_id: null });
    const retried = await h.request<CrmEventView>(subjects.crmEventRetry, { integration: ref, eventId: failed });
    expect(retried).toMatchObject({ status: 'failed', error: expect.stringMatching(/^The record id/) });
    await waitFor(() => received.find((e) => e.data.integrationId === ref.id), { what: 'the good item handed on' });
    expect(received.filter((e) => e.data.integrationId === ref.id).map((e) => e.data.externalId)).toEqual(['81']);
  });
});
