import {
  type ActivityReceivedData,
  type ContactErasedData,
  ErrorCodes,
  type EventEnvelope,
  EventTypes,
  type IngestActivitiesRequest,
} from '@leadflow/contracts';
import { ErasureStepsRepository } from '@leadflow/database';
import { APP_LOGGER } from '@leadflow/logging';
import { encodeBody, Outbox } from '@leadflow/messaging';
import { identityHash } from '@leadflow/normalization';
import { contactErasedData, eventEnvelope, openServiceDatabase, type ServiceDatabase, whileRowHeld } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { ActivityIntakeService } from '../src/activities/activity-intake.service';
import { ActivityRepository } from '../src/activities/activity.repository';
import { ingestionMigrations } from '../src/database/migrations';
import { RejectedRequestRepository } from '../src/leads/rejected-request.repository';
import { ErasureHandler } from '../src/privacy/erasure.handler';
import { ErasureRepository } from '../src/privacy/erasure.repository';
import { PrivacyService } from '../src/privacy/privacy.service';
import { SuppressionRepository } from '../src/privacy/suppression.repository';

/** Activity intake in-process against a real PostgreSQL: no NATS, no gateway. */
describe('ActivityIntakeService against PostgreSQL', () => {
  let database: ServiceDatabase;
  let intake: ActivityIntakeService;
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
        ActivityRepository,
        RejectedRequestRepository,
        SuppressionRepository,
        ErasureRepository,
        ActivityIntakeService,
        PrivacyService,
        ErasureHandler,
      ],
    }).compile();
    intake = module.get(ActivityIntakeService);
    privacy = module.get(PrivacyService);
    handler = module.get(ErasureHandler);
  });

  afterAll(async () => {
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

  function request(workspaceId: string, body: unknown, overrides: Partial<IngestActivitiesRequest> = {}): IngestActivitiesRequest {
    return {
      workspaceId,
      source: 'web-tracker',
      receivedAt: new Date().toISOString(),
      contentType: 'application/json',
      headers: { 'user-agent': 'activity-test' },
      remoteAddress: '203.0.113.9',
      shape: 'batch',
      defaultKind: null,
      body: encodeBody(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8')),
      requestId: `req-${randomUUID()}`,
      ...overrides,
    };
  }

  const track = (messageId: string, extra: Record<string, unknown> = {}) => ({
    type: 'track',
    event: 'signup',
    messageId,
    anonymousId: `anon-${messageId}`,
    properties: { plan: 'pro' },
    ...extra,
  });

  async function stored(workspaceId: string) {
    const q = database.db.query;
    return {
      raw: await q<{ id: string; events: number; body_sha256: string | null; body: Buffer }>(
        `SELECT id, events, body_sha256, body FROM ingestion.raw_activity_requests WHERE workspace_id = $1 ORDER BY id`,
        [workspaceId],
      ),
      activities: await q<{ id: string; message_id: string; name: string; email: string | null; suppressed: boolean; properties: object }>(
        `SELECT id, message_id, name, email, suppressed, properties FROM ingestion.activities WHERE workspace_id = $1 ORDER BY id`,
        [workspaceId],
      ),
      events: (
        await q<{ envelope: EventEnvelope<ActivityReceivedData> }>(
          `SELECT envelope FROM ingestion.outbox_events WHERE envelope->>'workspaceId' = $1 AND envelope->>'type' = $2 ORDER BY seq, ord`,
          [workspaceId, EventTypes.activityReceived],
        )
      ).map((row) => row.envelope),
      rejected: await q<{ reason: string; body: Buffer }>(`SELECT reason, body FROM ingestion.rejected_requests WHERE workspace_id = $1`, [
        workspaceId,
      ]),
    };
  }

  it('stores a batch raw and normalized with one activity.received per event, one result per item in order', async () => {
    const ws = newWorkspace();
    const reply = await intake.ingest(
      request(ws, {
        events: [
          track('m1', { email: 'Ana@Example.com', timestamp: '2026-01-01T10:00:00Z', sentAt: '2026-01-01T10:05:00Z' }),
          { type: 'track', anonymousId: 'a' },
          { type: 'page', anonymousId: 'a', messageId: 'm2' },
        ],
      }),
    );
    expect(reply.results.map((r) => [r.index, r.status, r.error?.code])).toEqual([
      [0, 'accepted', undefined],
      [1, 'rejected', ErrorCodes.invalidEvent],
      [2, 'accepted', undefined],
    ]);
    const rows = await stored(ws);
    expect(rows.raw).toHaveLength(1);
    expect(rows.raw[0]).toMatchObject({ id: reply.requestId, events: 3, body_sha256: null });
    // The raw bytes keep the refused item too.
    expect(rows.raw[0]?.body.toString('utf8')).toContain('"type":"track","anonymousId":"a"');
    expect(rows.activities.map((a) => [a.id, a.message_id, a.name])).toEqual([
      [reply.results[0]?.id, 'm1', 'signup'],
      [reply.results[2]?.id, 'm2', 'page_view'],
    ]);
    expect(rows.events.map((e) => e.data)).toEqual([
      expect.objectContaining({
        activityId: reply.results[0]?.id,
        messageId: 'm1',
        kind: 'track',
        name: 'signup',
        email: 'ana@example.com',
        emailValid: true,
        source: 'web-tracker',
        properties: { plan: 'pro' },
        // Five minutes before receipt: the sender's clock is corrected for.
        occurredAt: new Date(new Date(rows.events[0]?.data.receivedAt as string).getTime() - 5 * 60_000).toISOString(),
      }),
      expect.objectContaining({ activityId: reply.results[2]?.id, messageId: 'm2', kind: 'page', name: 'page_view' }),
    ]);
  });

  it('acknowledges a repeated message id as a duplicate of the first, within a request and across requests, and stores it once', async () => {
    const ws = newWorkspace();
    const first = await intake.ingest(request(ws, { events: [track('d1'), track('d1')] }));
    const again = await intake.ingest(request(ws, { events: [track('d1'), track('d2')] }));
    const firstId = first.results[0]?.id;
    expect(first.results.map((r) => [r.status, r.id])).toEqual([
      ['accepted', firstId],
      ['duplicate', firstId],
    ]);
    expect(again.results.map((r) => [r.status, r.id === firstId])).toEqual([
      ['duplicate', true],
      ['accepted', false],
    ]);
    const rows = await stored(ws);
    expect(rows.activities.map((a) => a.message_id).sort()).toEqual(['d1', 'd2']);
    expect(rows.events.map((e) => e.data.messageId).sort()).toEqual(['d1', 'd2']);
    // The second request's bytes are kept as well: every acknowledged request is on record.
    expect(rows.raw).toHaveLength(2);
  });

  it('stores and publishes one activity when the same message id arrives in 8 concurrent requests', async () => {
    const ws = newWorkspace();
    const replies = await Promise.all(Array.from({ length: 8 }, () => intake.ingest(request(ws, { events: [track('same')] }))));
    const statuses = replies.map((r) => r.results[0]?.status).sort();
    expect(statuses).toEqual(['accepted', ...Array<string>(7).fill('duplicate')]);
    expect(new Set(replies.map((r) => r.results[0]?.id)).size).toBe(1);
    const rows = await stored(ws);
    expect(rows.activities).toHaveLength(1);
    expect(rows.events).toHaveLength(1);
  });

  it('takes two batches that repeat the same message ids in opposite orders at once, without a deadlock', async () => {
    // A library resending a batch while its first attempt is still being stored. A third transaction
    // holds an id in the middle, so that both requests are inside their inserts at once, having
    // stored the ids on their own side of it; then it lets go.
    const ws = newWorkspace();
    await intake.ingest(request(ws, { events: [track('seed')] }));
    const events = Array.from({ length: 200 }, (_, i) => track(`o${String(i).padStart(3, '0')}`));
    const held = {
      table: 'ingestion.activities',
      where: `t.workspace_id = $1 AND t.message_id = 'seed'`,
      params: [ws],
      changes: { id: randomUUID(), message_id: 'o100' },
    };
    const settled = await whileRowHeld(database.dataSource, held, 2, () =>
      Promise.allSettled([intake.ingest(request(ws, { events })), intake.ingest(request(ws, { events: [...events].reverse() }))]),
    );
    expect(settled.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ok'))).toEqual(['ok', 'ok']);
    const results = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value.results : []));
    expect(results.filter((r) => r.status === 'accepted')).toHaveLength(200);
    expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(200);
    const rows = await stored(ws);
    expect(rows.activities.filter((a) => a.message_id !== 'seed')).toHaveLength(200);
    expect(rows.events).toHaveLength(201);
  });

  it('stores 100 events with a handful of statements, not one per event', async () => {
    const ws = newWorkspace();
    const events = Array.from({ length: 100 }, (_, i) => track(`b${i}`, { email: `p${i}@example.com` }));
    await intake.ingest(request(ws, { events: events.slice(0, 10) }));
    const spy = jest.spyOn(Client.prototype, 'query');
    try {
      const reply = await intake.ingest(request(ws, { events }));
      expect(reply.results.filter((r) => r.status === 'accepted')).toHaveLength(90);
      expect(reply.results.filter((r) => r.status === 'duplicate')).toHaveLength(10);
      // The suppression read, the one insert (raw request, activities, outbox), the read of the duplicates' ids.
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2);
      expect(spy.mock.calls.length).toBeLessThanOrEqual(4);
    } finally {
      spy.mockRestore();
    }
    expect((await stored(ws)).events).toHaveLength(100);
  });

  it('keeps the bytes of a body that holds no events, with its reason, and refuses it with a code', async () => {
    const ws = newWorkspace();
    await expect(intake.ingest(request(ws, '{"events": [ broken'))).rejects.toMatchObject({ code: ErrorCodes.invalidPayload });
    await expect(intake.ingest(request(ws, '{"events": []}'))).rejects.toMatchObject({ code: ErrorCodes.invalidPayload });
    await expect(intake.ingest(request(ws, '[1]', { shape: 'event' }))).rejects.toMatchObject({ code: ErrorCodes.invalidPayload });
    await expect(intake.ingest(request(ws, { events: Array.from({ length: 501 }, (_, i) => track(`x${i}`)) }))).rejects.toMatchObject({
      code: ErrorCodes.batchTooLarge,
    });
    const rows = await stored(ws);
    expect(rows.rejected.map((r) => r.body.toString('utf8').slice(0, 20)).sort()).toEqual(
      ['[1]', '{"events": [ broken', '{"events": []}', '{"events":[{"type":"'].sort(),
    );
    expect(rows.activities).toHaveLength(0);
    expect(rows.events).toHaveLength(0);
  });

  it('stores an event from a suppressed email redacted, with the request bytes as a sha256 only, and publishes nothing for it', async () => {
    const ws = newWorkspace();
    await privacy.addSuppression({
      workspaceId: ws,
      kind: 'email',
      hash: identityHash('email', 'quiet@example.com') as string,
      createdBy: 'key:t',
    });
    const body = JSON.stringify({ events: [track('q1', { email: 'Quiet@Example.com' }), track('q2', { email: 'loud@example.com' })] });
    const reply = await intake.ingest(request(ws, body));
    expect(reply.results.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    const rows = await stored(ws);
    expect(rows.raw[0]).toMatchObject({ body_sha256: createHash('sha256').update(body).digest('hex') });
    expect(rows.raw[0]?.body).toHaveLength(0);
    expect(rows.activities.map((a) => [a.message_id, a.email, a.suppressed, a.properties])).toEqual([
      ['q1', null, true, {}],
      ['q2', 'loud@example.com', false, { plan: 'pro' }],
    ]);
    expect(rows.events.map((e) => e.data.messageId)).toEqual(['q2']);
  });

  it('redacts the activities of an erased person on contact.erased, and their raw requests', async () => {
    const ws = newWorkspace();
    await intake.ingest(request(ws, { events: [track('e1', { email: 'gone@example.com', properties: { note: 'secret' } })] }));
    await intake.ingest(request(ws, { events: [track('e2', { email: 'stays@example.com' })] }));
    const event = eventEnvelope(
      ws,
      EventTypes.contactErased,
      contactErasedData({ emailHashes: [identityHash('email', 'gone@example.com') as string] }),
      { producer: 'contacts' },
    );
    await database.dataSource.transaction((manager) => handler.onContactErased([event], manager));
    const rows = await stored(ws);
    expect(rows.activities.map((a) => [a.message_id, a.email, a.properties])).toEqual([
      ['e1', null, {}],
      ['e2', 'stays@example.com', { plan: 'pro' }],
    ]);
    expect(rows.raw.map((r) => r.body.toString('utf8').includes('gone@example.com'))).toEqual([false, false]);
    expect(rows.raw[0]?.body_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('redacts the activities naming an erased person by an anonymous id, a user id or their contact id alone', async () => {
    const ws = newWorkspace();
    const contactId = randomUUID();
    const mergedId = randomUUID();
    const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    const erased = (data: Partial<ContactErasedData>) =>
      eventEnvelope(ws, EventTypes.contactErased, contactErasedData({ contactId, mergedContactIds: [mergedId], ...data }), {
        producer: 'contacts',
      });
    const secret = { note: 'only the tracker knows' };
    await intake.ingest(request(ws, { events: [track('t-anon', { anonymousId: 'v-gone', properties: secret })] }));
    await intake.ingest(request(ws, { events: [track('t-user', { anonymousId: undefined, userId: 'u-gone', properties: secret })] }));
    await intake.ingest(request(ws, { events: [{ type: 'alias', messageId: 't-alias', userId: 'u-new', previousId: 'v-gone' }] }));
    await intake.ingest(request(ws, { events: [track('t-merged', { anonymousId: undefined, contactId: mergedId.toUpperCase() })] }));
    await intake.ingest(request(ws, { events: [track('t-contact', { anonymousId: undefined, contactId, properties: secret })] }));
    await intake.ingest(request(ws, { events: [track('t-other', { anonymousId: 'v-stays', userId: 'u-stays' })] }));
    const [anon] = await database.db.query<{ identity_hashes: string[] }>(
      `SELECT identity_hashes FROM ingestion.activities WHERE workspace_id = $1 AND message_id = 't-anon'`,
      [ws],
    );
    expect(anon?.identity_hashes).toEqual([sha('anonymous_id:v-gone')]);

    const names = async () =>
      (
        await database.db.query<{ message_id: string; redacted: boolean; ids: string | null; body: Buffer }>(
          `SELECT a.message_id, a.redacted_at IS NOT NULL AS redacted, concat(a.anonymous_id, a.user_id, a.previous_id) AS ids, r.body
           FROM ingestion.activities a JOIN ingestion.raw_activity_requests r ON r.id = a.raw_request_id
           WHERE a.workspace_id = $1 ORDER BY a.id`,
          [ws],
        )
      ).map((row) => [row.message_id, row.redacted, row.ids, row.body.length > 0]);

    // An older producer's event carries no tracker hashes: the contact ids still find what names them.
    await database.dataSource.transaction((manager) => handler.onContactErased([erased({})], manager));
    expect(await names()).toEqual([
      ['t-anon', false, 'v-gone', true],
      ['t-user', false, 'u-gone', true],
      ['t-alias', false, 'u-newv-gone', true],
      ['t-merged', true, '', false],
      ['t-contact', true, '', false],
      ['t-other', false, 'v-staysu-stays', true],
    ]);

    const event = erased({ anonymousIdHashes: [sha('anonymous_id:v-gone')], userIdHashes: [sha('user_id:u-gone')] });
    await database.dataSource.transaction((manager) => handler.onContactErased([event], manager));
    expect(await names()).toEqual([
      ['t-anon', true, '', false],
      ['t-user', true, '', false],
      ['t-alias', true, '', false],
      ['t-merged', true, '', false],
      ['t-contact', true, '', false],
      ['t-other', false, 'v-staysu-stays', true],
    ]);
    const [step] = await database.db.query<{ summary: Record<string, number> }>(
      `SELECT summary FROM ingestion.erasure_steps WHERE erasure_id = $1`,
      [event.data.erasureId],
    );
    expect(step?.summary).toMatchObject({ activitiesRedacted: 3 });
    const kept = await database.db.query<{ properties: object }>(
      `SELECT properties FROM ingestion.activities WHERE workspace_id = $1 AND redacted_at IS NOT NULL`,
      [ws],
    );
    expect(kept.map((row) => row.properties)).toEqual([{}, {}, {}, {}, {}]);

    // The tracker ids are suppressed: what the person's tracker sends later is stored redacted.
    const suppressions = await database.db.query<{ kind: string; hash: string }>(
      `SELECT kind, hash FROM ingestion.suppressions WHERE workspace_id = $1 ORDER BY kind`,
      [ws],
    );
    expect(suppressions).toEqual([
      { kind: 'anonymous_id', hash: sha('anonymous_id:v-gone') },
      { kind: 'user_id', hash: sha('user_id:u-gone') },
    ]);
    await intake.ingest(request(ws, { events: [track('t-later', { anonymousId: 'v-gone', properties: secret })] }));
    await intake.ingest(request(ws, { events: [track('t-later-user', { anonymousId: undefined, userId: 'u-gone' })] }));
    const later = await database.db.query<{ suppressed: boolean; anonymous_id: string | null; user_id: string | null; properties: object }>(
      `SELECT suppressed, anonymous_id, user_id, properties FROM ingestion.activities WHERE workspace_id = $1 AND message_id LIKE 't-later%'`,
      [ws],
    );
    expect(later).toEqual([
      { suppressed: true, anonymous_id: null, user_id: null, properties: {} },
      { suppressed: true, anonymous_id: null, user_id: null, properties: {} },
    ]);
    expect((await stored(ws)).events.map((e) => e.data.messageId)).not.toContain('t-later');
  });
});
