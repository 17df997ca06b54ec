import { type CrmEventReceivedData, type EventEnvelope, EventTypes, readMessage } from '@leadflow/contracts';
import { AppHarness, waitFor } from '@leadflow/testing';
import { createHmac, randomUUID } from 'node:crypto';
import { type Subscription } from 'nats';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';

const ADMIN_KEY = 'lf_test_gateway-crm-admin-key-00000000';
const STACK_TRACE = /at \w+ \(|node_modules|\.ts:\d|\.js:\d/;
const stripe = new Stripe('sk_test_signing_compatibility_only');

interface Integration {
  id: string;
  kind: string;
  webhookUrl: string;
  secret?: string;
  secrets: Array<{ id: string; expiresAt: string | null }>;
  paused: boolean;
}

/**
 * CRM webhooks end to end between the gateway and ingestion (both as processes, on one NATS
 * namespace, each with its database): integrations over the admin API, webhooks signed with the
 * senders' own libraries or documented algorithms, and what lands in ingestion's tables.
 */
describe('gateway + ingestion: CRM integrations and webhooks', () => {
  let ingestion: AppHarness;
  let gateway: AppHarness;
  let events: Subscription;
  const received: Array<EventEnvelope<CrmEventReceivedData>> = [];

  beforeAll(async () => {
    ingestion = await AppHarness.start('ingestion');
    gateway = await AppHarness.start('gateway', {
      NATS_NAMESPACE: ingestion.namespace,
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      BOOTSTRAP_ADMIN_RATE_LIMIT: '10000',
    });
    events = ingestion.nats.subscribe(`${ingestion.namespace}.${EventTypes.crmEventReceived}`);
    void (async () => {
      for await (const message of events) received.push(...(readMessage(message.data) as Array<EventEnvelope<CrmEventReceivedData>>));
    })();
  }, 120_000);

  afterAll(async () => {
    events?.unsubscribe();
    await gateway?.stop();
    await ingestion?.stop();
  });

  const url = (path: string) => `http://127.0.0.1:${gateway.port}${path}`;
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(url(path), {
      method,
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
  };
  const create = async (body: Record<string, unknown>): Promise<Integration> => {
    const response = await admin('POST', '/api/v1/integrations', body);
    expect(response.status).toBe(201);
    return response.body as unknown as Integration;
  };
  const deliver = async (integration: Integration, body: string, headers: Record<string, string>) => {
    const response = await fetch(url(`/api/v1/webhooks/${integration.id}`), {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
    const text = await response.text();
    expect(text).not.toMatch(STACK_TRACE);
    return { status: response.status, body: JSON.parse(text) as { eventId?: string; replayed?: boolean; error?: { code: string } } };
  };
  const payload = (type = 'contact.updated', updatedAt = new Date().toISOString(), id = `evt_${randomUUID()}`) =>
    JSON.stringify({ type, id, timestamp: updatedAt, data: { id: `crm-${randomUUID()}`, updatedAt, email: 'ana@example.com' } });
  const logRows = (integrationId: string) =>
    ingestion.db.query<{ id: string; status: string; body: Buffer; headers: Record<string, string> }>(
      `SELECT id, status, body, headers FROM ingestion.crm_events_log WHERE integration_id = $1 ORDER BY received_at`,
      [integrationId],
    );
  const rejections = (integrationId: string) =>
    ingestion.db.query<{ code: string; body: Buffer }>(
      `SELECT code, body FROM ingestion.crm_rejected_webhooks WHERE integration_id = $1 ORDER BY id`,
      [integrationId],
    );

  const standardHeaders = (secret: string, body: string, id = `msg_${randomUUID()}`, at = new Date()) => {
    const signature = new Webhook(secret).sign(id, at, body);
    return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
  };
  const acmeHeaders = (secret: string, body: string, at = new Date()) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    return {
      'X-Acme-Timestamp': timestamp,
      'X-Acme-Signature': createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${body}`).digest('hex'),
    };
  };
  /** HubSpot's documented v3 algorithm: base64 HMAC-SHA256 of method + URI + body + timestamp (ms). */
  const hubspotHeaders = (secret: string, integration: Integration, body: string, at = Date.now()) => {
    const uri = url(`/api/v1/webhooks/${integration.id}`);
    const source = `POST${uri}${body}${at}`;
    return {
      'X-HubSpot-Request-Timestamp': String(at),
      'X-HubSpot-Signature-v3': createHmac('sha256', secret).update(source).digest('base64'),
    };
  };

  it('creates an integration with a secret shown once, audited, and never reads the secret back', async () => {
    const created = await create({ name: 'Standard CRM', kind: 'standard' });
    expect(created).toMatchObject({ kind: 'standard', paused: false, secret: expect.stringMatching(/^whsec_/) });
    expect(created.webhookUrl).toBe(url(`/api/v1/webhooks/${created.id}`));
    const read = await admin('GET', `/api/v1/integrations/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    expect(JSON.stringify(read.body)).not.toContain(created.secret);
    const audit = await gateway.db.query<{ action: string; after: object }>(
      `SELECT action, after FROM gateway.audit_log WHERE target = $1`,
      [`integration:${created.id}`],
    );
    expect(audit.map((entry) => entry.action)).toEqual(['integration.create']);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
    const [stored] = await gateway.db.query<{ kind: string; tolerance_seconds: number }>(
      `SELECT kind, tolerance_seconds FROM gateway.integrations WHERE id = $1`,
      [created.id],
    );
    expect(stored).toEqual({ kind: 'standard', tolerance_seconds: 300 });
  });

  it('refuses a bad mapping or kind with a 400 and a stable code', async () => {
    expect((await admin('POST', '/api/v1/integrations', { name: 'x', kind: 'acme', mapping: { type: 'event' } })).body).toMatchObject({
      error: { code: 'invalid_mapping' },
    });
    expect((await admin('POST', '/api/v1/integrations', { name: 'x', kind: 'acme', mapping: [] })).status).toBe(400);
    expect((await admin('POST', '/api/v1/integrations', { name: 'x', kind: 'salesforce' })).status).toBe(400);
    const mappingForStripe = await admin('POST', '/api/v1/integrations', {
      name: 'x',
      kind: 'stripe',
      mapping: { type: 'a', externalId: 'b', updatedAt: 'c', fields: {} },
    });
    expect(mappingForStripe).toMatchObject({ status: 400, body: { error: { code: 'invalid_mapping' } } });
  });

  it('takes a Standard Webhooks delivery once: 202 stored, the same webhook id again 200 and nothing more', async () => {
    const integration = await create({ name: 'std', kind: 'standard' });
    const body = payload();
    const headers = standardHeaders(integration.secret as string, body);
    const first = await deliver(integration, body, headers);
    expect(first).toMatchObject({ status: 202, body: { replayed: false, eventId: expect.any(String) } });
    const again = await deliver(integration, body, headers);
    expect(again).toMatchObject({ status: 200, body: { replayed: true, eventId: first.body.eventId } });
    const rows = await logRows(integration.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.body.toString('utf8')).toBe(body);
    expect(rows[0]?.headers).toMatchObject({ 'webhook-id': headers['webhook-id'] });
    await waitFor(() => received.find((e) => e.data.crmEventId === first.body.eventId), { what: 'crm_event.received' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.filter((e) => e.data.crmEventId === first.body.eventId)).toHaveLength(1);

    // Counted per integration and outcome, by each app.
    const gatewayMetrics = await (await fetch(url('/metrics'))).text();
    expect(gatewayMetrics).toMatch(
      new RegExp(`crm_webhooks_received_total\\{[^}]*integration="${integration.id}",outcome="accepted"[^}]*\\} 1`),
    );
    expect(gatewayMetrics).toMatch(
      new RegExp(`crm_webhooks_received_total\\{[^}]*integration="${integration.id}",outcome="replay"[^}]*\\} 1`),
    );
    const ingestionMetrics = await (await fetch(`http://127.0.0.1:${ingestion.port}/metrics`)).text();
    expect(ingestionMetrics).toMatch(new RegExp(`crm_events_total\\{[^}]*integration="${integration.id}",outcome="stored"[^}]*\\} 1`));
  });

  it('refuses a tampered body, a wrong secret and an old timestamp with 401, keeping each refusal', async () => {
    const integration = await create({ name: 'std-refusals', kind: 'standard' });
    const body = payload();
    const tampered = await deliver(integration, body.replace('ana@', 'eve@'), standardHeaders(integration.secret as string, body));
    expect(tampered).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });
    const otherSecret = `whsec_${Buffer.from(randomUUID()).toString('base64')}`;
    const wrongSecret = await deliver(integration, body, standardHeaders(otherSecret, body));
    expect(wrongSecret).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });
    const old = await deliver(
      integration,
      body,
      standardHeaders(integration.secret as string, body, undefined, new Date(Date.now() - 600_000)),
    );
    expect(old).toMatchObject({ status: 401, body: { error: { code: 'stale_timestamp' } } });
    const future = await deliver(
      integration,
      body,
      standardHeaders(integration.secret as string, body, undefined, new Date(Date.now() + 600_000)),
    );
    expect(future).toMatchObject({ status: 401, body: { error: { code: 'stale_timestamp' } } });
    const unsigned = await deliver(integration, body, {});
    expect(unsigned).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });
    expect((await rejections(integration.id)).map((row) => row.code)).toEqual([
      'invalid_signature',
      'invalid_signature',
      'stale_timestamp',
      'stale_timestamp',
      'missing_signature',
    ]);
    expect(await logRows(integration.id)).toHaveLength(0);
  });

  it('verifies Stripe deliveries signed by the stripe package', async () => {
    const integration = await create({ name: 'stripe', kind: 'stripe' });
    const body = payload('opportunity.updated');
    const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret: integration.secret as string });
    expect(await deliver(integration, body, { 'Stripe-Signature': header })).toMatchObject({ status: 202 });
    const wrong = stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_not_ours' });
    expect(await deliver(integration, body, { 'Stripe-Signature': wrong })).toMatchObject({
      status: 401,
      body: { error: { code: 'invalid_signature' } },
    });
    const old = stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: integration.secret as string,
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    expect(await deliver(integration, body, { 'Stripe-Signature': old })).toMatchObject({
      status: 401,
      body: { error: { code: 'stale_timestamp' } },
    });
    expect((await logRows(integration.id)).map((row) => row.status)).toEqual(['received']);
  });

  it('verifies HubSpot v3 signatures over method, URL, body and timestamp', async () => {
    const integration = await create({ name: 'hubspot', kind: 'hubspot' });
    const body = payload('contact.created');
    expect(await deliver(integration, body, hubspotHeaders(integration.secret as string, integration, body))).toMatchObject({
      status: 202,
    });
    const tampered = await deliver(integration, `${body} `, hubspotHeaders(integration.secret as string, integration, body));
    expect(tampered).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });
    const old = await deliver(integration, body, hubspotHeaders(integration.secret as string, integration, body, Date.now() - 600_000));
    expect(old).toMatchObject({ status: 401, body: { error: { code: 'stale_timestamp' } } });
  });

  describe('HubSpot batches: one request of up to 100 events, each its own event', () => {
    // Contacts applies what ingestion hands on, so that each event's outcome comes back.
    let contacts: AppHarness;
    beforeAll(async () => {
      contacts = await AppHarness.start('contacts', { NATS_NAMESPACE: ingestion.namespace });
    }, 120_000);
    afterAll(async () => {
      await contacts?.stop();
    });
    const at = Date.now() - 60_000;
    const hubspotEvent = (eventId: number, subscriptionType: string, objectId: number, occurredAt: number, extra = {}) => ({
      eventId,
      subscriptionId: 4071,
      portalId: 62515,
      appId: 1160452,
      occurredAt,
      subscriptionType,
      attemptNumber: 0,
      objectId,
      changeSource: 'CRM',
      ...extra,
    });
    const base = Math.floor(Math.random() * 1e9);
    // Sent out of time order: the events are stored and handed on by their own occurredAt.
    const three = [
      hubspotEvent(base + 1, 'contact.propertyChange', 501, at + 2000, { propertyName: 'firstname', propertyValue: 'Ana' }),
      hubspotEvent(base + 2, 'contact.creation', 501, at),
      // HubSpot names a deal's contact in its associations, not in the event: a sender adds it as a property.
      hubspotEvent(base + 3, 'deal.creation', 901, at + 1000, {
        properties: { dealname: 'Renewal', amount: '1200.50', deal_currency_code: 'EUR', contactExternalId: '501' },
      }),
    ];
    type BatchAnswer = {
      eventId: string;
      replayed: boolean;
      stored: number;
      replays: number;
      failed: number;
      events: Array<{ eventId: string; externalEventId: string | null; replayed: boolean; error: string | null }>;
    };
    const send = async (integration: Integration, items: unknown[] | string) => {
      const body = typeof items === 'string' ? items : JSON.stringify(items);
      const response = await deliver(integration, body, hubspotHeaders(integration.secret as string, integration, body));
      return { status: response.status, body: response.body as unknown as BatchAnswer };
    };
    const rows = (integrationId: string) =>
      ingestion.db.query<{
        id: string;
        status: string;
        type: string;
        external_id: string;
        external_event_id: string;
        event_at: Date;
        body: Buffer;
        error: string | null;
      }>(
        `SELECT id, status, type, external_id, external_event_id, event_at, body, error FROM ingestion.crm_events_log
         WHERE integration_id = $1 ORDER BY event_at, id`,
        [integrationId],
      );
    const handedOn = (integrationId: string) => received.filter((e) => e.data.integrationId === integrationId);

    it('stores a signed request of 3 events as 3 events, each handed on once; the same request again is 3 replays', async () => {
      const integration = await create({ name: 'hubspot-batch', kind: 'hubspot' });
      const first = await send(integration, three);
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ ok: true, replayed: false, stored: 3, replays: 0, failed: 0 });
      expect(first.body.events.map((event) => [event.externalEventId, event.replayed, event.error])).toEqual(
        three.map((event) => [String(event.eventId), false, null]),
      );
      expect(first.body.eventId).toBe(first.body.events[0]?.eventId);

      const stored = await rows(integration.id);
      expect(stored.map((row) => [row.external_event_id, row.type, row.external_id, row.event_at.getTime(), row.status])).toEqual([
        [String(base + 2), 'contact.created', '501', at, 'received'],
        [String(base + 3), 'opportunity.created', '901', at + 1000, 'received'],
        [String(base + 1), 'contact.updated', '501', at + 2000, 'received'],
      ]);
      // Each event keeps its own item's bytes, verbatim from the request.
      for (const row of stored) {
        const item = three.find((event) => String(event.eventId) === row.external_event_id);
        expect(row.body.toString('utf8')).toBe(JSON.stringify(item));
      }
      const events = await waitFor(() => (handedOn(integration.id).length >= 3 ? handedOn(integration.id) : undefined), {
        what: 'the three HubSpot events handed on',
      });
      // Handed on in event-time order, the property read as LeadFlow's field.
      expect(events.map((e) => [e.data.type, e.data.externalId])).toEqual([
        ['contact.created', '501'],
        ['opportunity.created', '901'],
        ['contact.updated', '501'],
      ]);
      expect(events[2]?.data.fields).toEqual({ firstName: 'Ana' });
      // Each applied by contacts once: one delivery, its outcome kept.
      const settled = await ingestion.waitForRows<{ status: string; attempts: number; record_id: string | null; error: string | null }>(
        `SELECT status, attempts, record_id, error FROM ingestion.crm_events_log WHERE integration_id = $1 AND status <> 'received'
         ORDER BY event_at`,
        [integration.id],
        (found) => found.length === 3,
      );
      expect(settled.map((row) => [row.status, row.attempts, row.error])).toEqual([
        ['processed', 1, null],
        ['processed', 1, null],
        ['processed', 1, null],
      ]);

      // HubSpot's retry of the same request: 200, every item a replay of its event, nothing stored or handed on again.
      const again = await send(integration, three);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ ok: true, replayed: true, stored: 0, replays: 3, failed: 0 });
      expect(again.body.events.map((event) => event.eventId)).toEqual(first.body.events.map((event) => event.eventId));
      expect(await rows(integration.id)).toHaveLength(3);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(handedOn(integration.id)).toHaveLength(3);
      const [applied] = await contacts.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts.contacts WHERE id = $1`, [
        settled[0]?.record_id,
      ]);
      expect(applied?.n).toBe(1);
      expect(
        (
          await ingestion.db.query<{ attempts: number }>(`SELECT attempts FROM ingestion.crm_events_log WHERE integration_id = $1`, [
            integration.id,
          ])
        ).map((row) => row.attempts),
      ).toEqual([1, 1, 1]);

      // The event log API shows each event of the batch.
      const listed = await admin('GET', `/api/v1/integrations/${integration.id}/events`);
      expect((listed.body?.items as Array<{ externalEventId: string }>).map((item) => item.externalEventId).sort()).toEqual(
        three.map((event) => String(event.eventId)).sort(),
      );
    });

    it('stores only the new events of a request that repeats some eventIds', async () => {
      const integration = await create({ name: 'hubspot-partial', kind: 'hubspot' });
      expect((await send(integration, three)).status).toBe(202);
      const mixed = [
        hubspotEvent(base + 11, 'contact.creation', 502, at + 3000),
        three[1],
        hubspotEvent(base + 12, 'deal.propertyChange', 901, at + 4000, { propertyName: 'dealstage', propertyValue: 'won' }),
      ];
      const answer = await send(integration, mixed);
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({ replayed: false, stored: 2, replays: 1, failed: 0 });
      expect(answer.body.events.map((event) => event.replayed)).toEqual([false, true, false]);
      const stored = await rows(integration.id);
      expect(stored).toHaveLength(5);
      expect(answer.body.events[1]?.eventId).toBe(stored.find((row) => row.external_event_id === String(base + 2))?.id);
      const events = await waitFor(() => (handedOn(integration.id).length >= 5 ? handedOn(integration.id) : undefined), {
        what: 'five HubSpot events handed on',
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(handedOn(integration.id)).toHaveLength(5);
      expect(new Set(events.map((e) => e.data.crmEventId)).size).toBe(5);
    });

    it('stores an unreadable item as failed with its reason beside the good ones, and items beyond 100 as failed; never a 5xx', async () => {
      const integration = await create({ name: 'hubspot-broken', kind: 'hubspot' });
      const items = [
        hubspotEvent(base + 21, 'contact.creation', 503, at),
        { eventId: base + 22, subscriptionType: 'contact.creation', occurredAt: at }, // no objectId
        'not an event',
        hubspotEvent(base + 23, 'contact.deletion', 504, at + 10),
      ];
      const answer = await send(integration, items);
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({ stored: 4, replays: 0, failed: 2 });
      expect(answer.body.events.map((event) => event.error)).toEqual([
        null,
        expect.stringMatching(/^Item 2 of 4: The record id/),
        'Item 3 of 4: The body must be a JSON object',
        null,
      ]);
      const stored = await rows(integration.id);
      expect(stored.map((row) => [row.external_event_id, row.status]).sort()).toEqual(
        [
          [String(base + 21), 'received'],
          [String(base + 22), 'failed'],
          [null, 'failed'],
          [String(base + 23), 'received'],
        ].sort(),
      );
      expect(stored.find((row) => row.external_event_id === null)?.body.toString('utf8')).toBe('"not an event"');

      // 101 events: the first 100 stored, the 101st failed (and keyed by its bytes, so it can be sent again on its own).
      const many = Array.from({ length: 101 }, (_, index) =>
        hubspotEvent(base + 100 + index, 'contact.creation', 6000 + index, at + index),
      );
      const big = await send(integration, many);
      expect(big.status).toBe(202);
      expect(big.body).toMatchObject({ stored: 101, replays: 0, failed: 1 });
      expect(big.body.events[100]?.error).toMatch(/^Item 101 of 101: HubSpot sends at most 100 events a request/);
      const [counts] = await ingestion.db.query<{ read: number; failed: number }>(
        `SELECT count(*) FILTER (WHERE external_id::int >= 6000 AND type = 'contact.created')::int AS read,
                count(*) FILTER (WHERE error LIKE 'Item 101 of 101:%')::int AS failed
         FROM ingestion.crm_events_log WHERE integration_id = $1`,
        [integration.id],
      );
      expect(counts).toEqual({ read: 100, failed: 1 });
      const alone = await send(integration, [many[100]]);
      expect(alone).toMatchObject({ status: 202, body: { stored: 1, failed: 0 } });

      // A body that is not JSON at all is one failed event, as for any kind.
      const broken = await send(integration, '[{"eventId": 1,');
      expect(broken.status).toBe(202);
      expect(await logRows(integration.id)).toHaveLength(4 + 101 + 1 + 1);
    });
  });

  it('verifies acme signatures and reads acme payloads with the mapping; a body that is not an event is stored failed, never a 5xx', async () => {
    const integration = await create({
      name: 'acme',
      kind: 'acme',
      toleranceSeconds: 60,
      mapping: {
        type: 'event',
        externalId: 'contact.key',
        updatedAt: 'contact.modified',
        id: 'delivery',
        fields: { email: 'contact.mail' },
      },
    });
    const body = JSON.stringify({
      event: 'contact.created',
      delivery: 'd-1',
      contact: { key: 'K1', modified: new Date().toISOString(), mail: 'k@example.com' },
    });
    const stored = await deliver(integration, body, acmeHeaders(integration.secret as string, body));
    expect(stored.status).toBe(202);
    const event = await waitFor(() => received.find((e) => e.data.crmEventId === stored.body.eventId), { what: 'acme event' });
    expect(event.data).toMatchObject({ type: 'contact.created', externalId: 'K1', fields: { email: 'k@example.com' } });
    // 90 s old: inside the default 300 s, outside this integration's 60 s.
    const old = await deliver(integration, body, acmeHeaders(integration.secret as string, body, new Date(Date.now() - 90_000)));
    expect(old).toMatchObject({ status: 401, body: { error: { code: 'stale_timestamp' } } });
    const nul = JSON.stringify({
      event: 'contact.updated',
      contact: { key: 'K\u0000', modified: new Date().toISOString(), mail: '\u0000' },
    });
    for (const garbage of ['not json at all', '[]', '{"event": 5}', '\u0000\u0001', nul]) {
      const response = await deliver(integration, garbage, acmeHeaders(integration.secret as string, garbage));
      expect(response.status).toBe(202);
    }
    const statuses = (await logRows(integration.id)).map((row) => row.status);
    expect(statuses).toEqual(['received', 'failed', 'failed', 'failed', 'failed', 'received']);
    expect((await fetch(url(`/api/v1/webhooks/${randomUUID()}`), { method: 'POST', body })).status).toBe(404);
    expect((await fetch(url('/api/v1/webhooks/not-an-id'), { method: 'POST', body })).status).toBe(404);
  });

  it('keeps the previous secret valid after a rotation, and takes the new one at once', async () => {
    const integration = await create({ name: 'rotating', kind: 'standard' });
    // Received before the rotation: the gateway has the integration with its one secret in memory.
    const before = payload();
    expect(await deliver(integration, before, standardHeaders(integration.secret as string, before))).toMatchObject({ status: 202 });
    const rotated = await admin('POST', `/api/v1/integrations/${integration.id}/secrets/rotate`);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body?.secret as string;
    expect(newSecret).not.toBe(integration.secret);
    expect((rotated.body?.integration as Integration).secrets).toHaveLength(2);
    for (const secret of [integration.secret as string, newSecret]) {
      const body = payload();
      expect(await deliver(integration, body, standardHeaders(secret, body))).toMatchObject({ status: 202 });
    }
  });

  it('takes at once a secret another gateway replica added, though it holds the integration in memory', async () => {
    const integration = await create({ name: 'rotated elsewhere', kind: 'standard' });
    const first = payload();
    expect(await deliver(integration, first, standardHeaders(integration.secret as string, first))).toMatchObject({ status: 202 });
    // Written as another replica's rotation writes it: this gateway is not told.
    const secret = `whsec_${Buffer.from(randomUUID()).toString('base64')}`;
    await gateway.db.query(`INSERT INTO gateway.integration_secrets ("id", "integration_id", "secret") VALUES ($1, $2, $3)`, [
      randomUUID(),
      integration.id,
      secret,
    ]);
    const next = payload();
    expect(await deliver(integration, next, standardHeaders(secret, next))).toMatchObject({ status: 202 });
  });

  it('stores everything while paused and hands it on in event-time order on resume', async () => {
    const integration = await create({ name: 'paused', kind: 'standard' });
    expect((await admin('POST', `/api/v1/integrations/${integration.id}/pause`)).body).toMatchObject({ paused: true });
    const base = Date.now() - 3600_000;
    const offsets = [30, 10, 40, 20];
    for (const offset of offsets) {
      const body = payload('contact.updated', new Date(base + offset * 1000).toISOString());
      expect(await deliver(integration, body, standardHeaders(integration.secret as string, body))).toMatchObject({ status: 202 });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received.filter((e) => e.data.integrationId === integration.id)).toHaveLength(0);
    const status = await admin('GET', `/api/v1/integrations/${integration.id}/status`);
    expect(status.body).toMatchObject({ paused: true, lastHour: { received: 4 } });

    expect((await admin('POST', `/api/v1/integrations/${integration.id}/resume`)).body).toMatchObject({ paused: false });
    const published = await waitFor(
      () => {
        const mine = received.filter((e) => e.data.integrationId === integration.id);
        return mine.length === 4 ? mine : undefined;
      },
      { what: 'the held events' },
    );
    expect(published.map((e) => e.data.sourceUpdatedAt)).toEqual(
      [...offsets].sort((a, b) => a - b).map((o) => new Date(base + o * 1000).toISOString()),
    );
    const audit = await gateway.db.query<{ action: string }>(`SELECT action FROM gateway.audit_log WHERE target = $1 ORDER BY id`, [
      `integration:${integration.id}`,
    ]);
    expect(audit.map((entry) => entry.action)).toEqual(['integration.create', 'integration.pause', 'integration.resume']);
  });

  it('lists the event log with filters and cursor pages, and answers 404 once the integration is deleted', async () => {
    const integration = await create({ name: 'log', kind: 'standard' });
    for (const type of ['contact.created', 'contact.updated', 'invoice.paid']) {
      const body = payload(type);
      await deliver(integration, body, standardHeaders(integration.secret as string, body));
    }
    const page = await admin('GET', `/api/v1/integrations/${integration.id}/events?limit=2`);
    expect(page.status).toBe(200);
    expect((page.body?.items as unknown[]).length).toBe(2);
    const next = await admin('GET', `/api/v1/integrations/${integration.id}/events?limit=2&cursor=${String(page.body?.nextCursor)}`);
    expect((next.body?.items as unknown[]).length).toBe(1);
    const skipped = await admin('GET', `/api/v1/integrations/${integration.id}/events?status=skipped`);
    expect(skipped.body?.items).toEqual([
      expect.objectContaining({
        type: 'invoice.paid',
        status: 'skipped',
        reason: 'unsupported_type',
        attempts: 0,
        externalEventId: expect.any(String),
      }),
    ]);
    expect((await admin('GET', `/api/v1/integrations/${integration.id}/events?status=nope`)).status).toBe(400);
    expect((await admin('DELETE', `/api/v1/integrations/${integration.id}`)).status).toBe(204);
    const body = payload();
    expect((await deliver(integration, body, standardHeaders(integration.secret as string, body))).status).toBe(404);
    expect((await admin('GET', `/api/v1/integrations/${integration.id}`)).status).toBe(404);
  });

  it('simulates signed deliveries to each kind, placed by an acme mapping, with a history', async () => {
    const acme = await create({
      name: 'sim-acme',
      kind: 'acme',
      mapping: {
        type: 'event',
        externalId: 'contact.key',
        updatedAt: 'contact.modified',
        types: { ContactChanged: 'contact.updated' },
        fields: { email: 'contact.mail' },
      },
    });
    const sent = await admin('POST', '/api/v1/simulator/webhooks', {
      integrationId: acme.id,
      eventType: 'contact.updated',
      data: { id: 'S1', email: 'sim@example.com' },
    });
    expect(sent).toMatchObject({ status: 201, body: { responseStatus: 202, error: null, kind: 'acme', targetUrl: acme.webhookUrl } });
    expect(JSON.parse(sent.body?.requestBody as string)).toMatchObject({
      event: 'ContactChanged',
      contact: { key: 'S1', mail: 'sim@example.com' },
    });
    const eventId = (JSON.parse(sent.body?.responseBody as string) as { eventId: string }).eventId;
    const event = await waitFor(() => received.find((e) => e.data.crmEventId === eventId), { what: 'the simulated acme event' });
    expect(event.data).toMatchObject({ type: 'contact.updated', externalId: 'S1', fields: { email: 'sim@example.com' } });

    for (const kind of ['standard', 'stripe', 'hubspot']) {
      const integration = await create({ name: `sim-${kind}`, kind });
      const delivery = await admin('POST', '/api/v1/simulator/webhooks', {
        integrationId: integration.id,
        eventType: 'contact.created',
        data: { email: `${kind}@example.com` },
      });
      expect(delivery.body).toMatchObject({ responseStatus: 202, kind });
      // Each in its sender's own shape (Stripe's event, HubSpot's array), read by ingestion all the same.
      expect((await logRows(integration.id)).map((row) => row.status)).toEqual(['received']);
      const handedOn = await waitFor(() => received.find((e) => e.data.integrationId === integration.id), { what: `the ${kind} event` });
      expect(handedOn.data).toMatchObject({ type: 'contact.created', fields: { email: `${kind}@example.com` } });
    }

    // Another target, signed with a kind and secret given (here: a standard integration's own URL).
    const standard = await create({ name: 'sim-target', kind: 'standard' });
    const byUrl = await admin('POST', '/api/v1/simulator/webhooks', {
      targetUrl: standard.webhookUrl,
      kind: 'standard',
      secret: standard.secret,
      eventType: 'invoice.paid',
      data: { id: 'inv-1' },
    });
    expect(byUrl.body).toMatchObject({ responseStatus: 202, integrationId: null });
    expect(JSON.stringify(byUrl.body)).not.toContain(standard.secret);
    const wrong = await admin('POST', '/api/v1/simulator/webhooks', {
      targetUrl: standard.webhookUrl,
      kind: 'standard',
      secret: `whsec_${Buffer.from('not the secret of this one').toString('base64')}`,
      eventType: 'contact.created',
      data: {},
    });
    expect(wrong.body).toMatchObject({ responseStatus: 401, responseBody: expect.stringContaining('invalid_signature') });
    expect(await admin('POST', '/api/v1/simulator/webhooks', { eventType: 'contact.created', data: {} })).toMatchObject({
      status: 400,
      body: { error: { code: 'validation_failed' } },
    });
    expect(
      (await admin('POST', '/api/v1/simulator/webhooks', { integrationId: randomUUID(), eventType: 'contact.created', data: {} })).status,
    ).toBe(404);

    const history = await admin('GET', '/api/v1/simulator/webhooks/history?limit=2');
    expect((history.body?.items as Array<{ id: string }>).map((item) => item.id)).toEqual([wrong.body?.id, byUrl.body?.id]);
    expect((await admin('GET', `/api/v1/simulator/webhooks/history/${String(sent.body?.id)}`)).body).toMatchObject({
      id: sent.body?.id,
      responseStatus: 202,
    });
    expect((await admin('GET', `/api/v1/simulator/webhooks/history/${randomUUID()}`)).status).toBe(404);
  });

  it('changes an integration with PATCH (audited), retries and replays events over the admin API', async () => {
    const integration = await create({ name: 'patch-me', kind: 'acme', paused: true });
    const body = JSON.stringify({ type: 'contact.created', id: 'p-1', data: { id: 'P1', updatedAt: new Date().toISOString() } });
    expect((await deliver(integration, body, acmeHeaders(integration.secret as string, body))).status).toBe(202);
    const [held] = await ingestion.db.query<{ held: boolean }>(`SELECT held FROM ingestion.crm_events_log WHERE integration_id = $1`, [
      integration.id,
    ]);
    expect(held).toEqual({ held: true });

    const mapping = { type: 'kind', externalId: 'obj.id', updatedAt: 'obj.at', fields: {} };
    const patched = await admin('PATCH', `/api/v1/integrations/${integration.id}`, {
      name: 'patched',
      toleranceSeconds: 30,
      mapping,
      paused: false,
    });
    expect(patched).toMatchObject({ status: 200, body: { name: 'patched', toleranceSeconds: 30, mapping, paused: false } });
    // Resumed by the PATCH: the held event went on (read without the mapping it was stored under).
    await waitFor(() => received.find((e) => e.data.integrationId === integration.id), { what: 'the event released by PATCH' });
    expect((await admin('PATCH', `/api/v1/integrations/${integration.id}`, { mapping: { type: 'kind' } })).body).toMatchObject({
      error: { code: 'invalid_mapping' },
    });
    expect((await admin('PATCH', `/api/v1/integrations/${integration.id}`, { mapping: null })).body).toMatchObject({ mapping: null });
    expect((await admin('PATCH', `/api/v1/integrations/${integration.id}`, { toleranceSeconds: 0 })).status).toBe(400);

    const [event] = (await admin('GET', `/api/v1/integrations/${integration.id}/events`)).body?.items as Array<{
      id: string;
      status: string;
    }>;
    expect(event?.status).toBe('received');
    expect(await admin('POST', `/api/v1/integrations/${integration.id}/events/${String(event?.id)}/retry`)).toMatchObject({
      status: 409,
      body: { error: { code: 'event_not_retryable' } },
    });
    expect((await admin('POST', `/api/v1/integrations/${integration.id}/events/${randomUUID()}/retry`)).status).toBe(404);
    const replay = await admin('POST', `/api/v1/integrations/${integration.id}/events/replay`, {
      from: new Date(Date.now() - 60_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(replay).toMatchObject({ status: 200, body: { replayed: 1 } });
    await waitFor(() => received.find((e) => e.data.integrationId === integration.id && e.data.attempt === 2), {
      what: 'the replayed event',
    });
    expect((await admin('POST', `/api/v1/integrations/${integration.id}/events/replay`, { from: 'yesterday', to: 'now' })).status).toBe(
      400,
    );

    const audit = await gateway.db.query<{ action: string }>(`SELECT action FROM gateway.audit_log WHERE target = $1 ORDER BY id`, [
      `integration:${integration.id}`,
    ]);
    expect(audit.map((entry) => entry.action)).toEqual([
      'integration.create',
      'integration.update',
      'integration.update',
      'integration.replay',
    ]);
  });

  it('stores each of 50 concurrent senders’ webhooks once, and one webhook sent 10 times at once once', async () => {
    const integration = await create({ name: 'concurrent', kind: 'standard' });
    const latencies: number[] = [];
    const send = async (body: string, headers: Record<string, string>) => {
      const started = performance.now();
      const response = await deliver(integration, body, headers);
      latencies.push(performance.now() - started);
      return response;
    };
    for (let i = 0; i < 20; i++) {
      const body = payload();
      await send(body, standardHeaders(integration.secret as string, body));
    }
    const alone = [...latencies].sort((a, b) => a - b);
    latencies.length = 0;
    const senders = Array.from({ length: 50 }, async (_, sender) => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const body = payload('contact.updated', new Date(Date.now() - (sender * 4 + i) * 1000).toISOString());
        statuses.push((await send(body, standardHeaders(integration.secret as string, body))).status);
      }
      return statuses;
    });
    expect((await Promise.all(senders)).flat().filter((status) => status !== 202)).toEqual([]);
    const sorted = [...latencies].sort((a, b) => a - b);
    // A figure for the record (a shared test machine is no benchmark): p50 and p99 of the 200 answers.
    process.stdout.write(
      `one sender: p50 ${alone[9]?.toFixed(1)} ms; 50 senders × 4 webhooks: p50 ${sorted[99]?.toFixed(1)} ms, p99 ${sorted[197]?.toFixed(1)} ms\n`,
    );
    expect(await logRows(integration.id)).toHaveLength(220);

    const body = payload();
    const headers = standardHeaders(integration.secret as string, body);
    const answers = await Promise.all(Array.from({ length: 10 }, () => deliver(integration, body, headers)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    expect(new Set(answers.map((answer) => answer.body.eventId)).size).toBe(1);
    expect(await logRows(integration.id)).toHaveLength(221);
  });

  // It restarts the gateway with a small limit, then with the default again.
  it('limits each integration’s webhooks a second: 429 rate_limited with Retry-After, nothing stored, other integrations unaffected', async () => {
    await gateway.restart({ WEBHOOK_RATE_LIMIT_PER_SECOND: '3' });
    const busy = await create({ name: 'busy', kind: 'standard' });
    const quiet = await create({ name: 'quiet', kind: 'standard' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const body = payload();
        const headers = standardHeaders(busy.secret as string, body);
        const response = await fetch(url(`/api/v1/webhooks/${busy.id}`), {
          method: 'POST',
          body,
          headers: { 'Content-Type': 'application/json', ...headers },
        });
        return {
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          body: (await response.json()) as Record<string, unknown>,
        };
      }),
    );
    const accepted = answers.filter((answer) => answer.status === 202);
    const limited = answers.filter((answer) => answer.status === 429);
    expect(accepted.length + limited.length).toBe(20);
    // At most the burst (twice the rate) in the first second.
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length).toBeLessThanOrEqual(6);
    expect(limited[0]).toMatchObject({ retryAfter: expect.stringMatching(/^[1-9]\d*$/), body: { error: { code: 'rate_limited' } } });
    expect((await logRows(busy.id)).length).toBe(accepted.length);
    const body = payload();
    expect(await deliver(quiet, body, standardHeaders(quiet.secret as string, body))).toMatchObject({ status: 202 });
    await gateway.restart({ WEBHOOK_RATE_LIMIT_PER_SECOND: '200' });
  });
});
