import { decodeCursor, ErrorCodes, type EventEnvelope, type IngestLeadGroupResult, type LeadIngestedData } from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { encodeBody, Outbox } from '@leadflow/messaging';
import { openServiceDatabase, type ServiceDatabase, whileRowHeld } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { ingestionMigrations } from '../src/database/migrations';
import type { IngestLeadDto } from '../src/leads/dto/intake-request.dto';
import { LeadIntakeService } from '../src/leads/lead-intake.service';
import { LeadQueryService } from '../src/leads/lead-query.service';
import { LeadRepository } from '../src/leads/lead.repository';
import { RejectedRequestRepository } from '../src/leads/rejected-request.repository';
import { SuppressionRepository } from '../src/privacy/suppression.repository';

/** The intake service in-process against a real PostgreSQL: no NATS, no gateway. */
describe('LeadIntakeService against PostgreSQL', () => {
  let database: ServiceDatabase;
  /** What the service logged at warn or above, one JSON line each. */
  const warnings: string[] = [];
  let intake: LeadIntakeService;
  let leads: LeadQueryService;

  beforeAll(async () => {
    database = await openServiceDatabase('ingestion', ingestionMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: Outbox, useValue: new Outbox(database.dataSource, 'ingestion') },
        { provide: APP_LOGGER, useValue: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }) },
        LeadRepository,
        RejectedRequestRepository,
        SuppressionRepository,
        LeadIntakeService,
        LeadQueryService,
      ],
    }).compile();
    intake = module.get(LeadIntakeService);
    leads = module.get(LeadQueryService);
  });

  afterAll(async () => {
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

  function item(workspaceId: string, body: string, overrides: Partial<IngestLeadDto> = {}): IngestLeadDto & { requestId: string } {
    return {
      workspaceId,
      source: 'landing',
      receivedAt: new Date().toISOString(),
      contentType: 'application/json',
      headers: { 'user-agent': 'medium-test' },
      remoteAddress: '127.0.0.1',
      idempotencyKey: null,
      body: encodeBody(Buffer.from(body, 'utf8')),
      requestId: `req-${randomUUID()}`,
      ...overrides,
    } as IngestLeadDto & { requestId: string };
  }

  const outcome = (result: IngestLeadGroupResult | undefined) =>
    result?.ok ? (result.reply.deduplicated ? 'deduplicated' : 'stored') : result?.error.code;
  const leadIdOf = (result: IngestLeadGroupResult | undefined) => (result?.ok ? result.reply.leadId : undefined);

  async function stored(workspaceId: string) {
    const q = database.db.query;
    return {
      raw: await q<{ id: string; idempotency_key: string | null }>(
        `SELECT id, idempotency_key FROM ingestion.raw_leads WHERE workspace_id = $1`,
        [workspaceId],
      ),
      leads: await q<{ id: string; email: string | null }>(`SELECT id, email FROM ingestion.leads WHERE workspace_id = $1 ORDER BY id`, [
        workspaceId,
      ]),
      events: (
        await q<{ envelope: EventEnvelope<LeadIngestedData> }>(
          `SELECT envelope FROM ingestion.outbox_events WHERE envelope->>'workspaceId' = $1 ORDER BY seq, ord`,
          [workspaceId],
        )
      ).map((row) => row.envelope),
      rejected: await q<{ reason: string; request_id: string }>(
        `SELECT reason, request_id FROM ingestion.rejected_requests WHERE workspace_id = $1`,
        [workspaceId],
      ),
    };
  }

  it('answers the same key with the same body as deduplicated, with the first lead id, and stores it once', async () => {
    const ws = newWorkspace();
    const [first] = await intake.ingestGroup([item(ws, '{"email":"Ana@Example.com","offer":"x"}', { idempotencyKey: 'k1' })]);
    const [again] = await intake.ingestGroup([item(ws, '{ "offer": "x", "email": "Ana@Example.com" }', { idempotencyKey: 'k1' })]);

    expect(outcome(first)).toBe('stored');
    expect(again).toEqual({
      ok: true,
      reply: { leadId: leadIdOf(first), receivedAt: first?.ok ? first.reply.receivedAt : undefined, deduplicated: true },
    });
    const rows = await stored(ws);
    expect(rows.raw).toEqual([{ id: leadIdOf(first), idempotency_key: 'k1' }]);
    expect(rows.leads).toEqual([{ id: leadIdOf(first), email: 'ana@example.com' }]);
    expect(rows.events).toHaveLength(1);
    expect(rows.events[0]).toMatchObject({
      type: 'lead.ingested',
      workspaceId: ws,
      producer: 'ingestion',
      data: { leadId: leadIdOf(first), email: 'ana@example.com', emailValid: true, offer: 'x', source: 'landing' },
    });
  });

  it('refuses the same key with another body as idempotency_key_reused and stores nothing more', async () => {
    const ws = newWorkspace();
    const [first] = await intake.ingestGroup([item(ws, '{"email":"bo@example.com"}', { idempotencyKey: 'k1' })]);
    const [reused] = await intake.ingestGroup([item(ws, '{"email":"other@example.com"}', { idempotencyKey: 'k1' })]);

    expect(outcome(first)).toBe('stored');
    expect(reused).toMatchObject({ ok: false, error: { code: ErrorCodes.idempotencyKeyReused } });
    const rows = await stored(ws);
    expect(rows.raw).toHaveLength(1);
    expect(rows.leads.map((l) => l.email)).toEqual(['bo@example.com']);
    expect(rows.events).toHaveLength(1);
  });

  it('keys idempotency per workspace: the same key in another workspace is another lead', async () => {
    const [a, b] = [newWorkspace(), newWorkspace()];
    const [inA] = await intake.ingestGroup([item(a, '{"email":"cy@example.com"}', { idempotencyKey: 'shared' })]);
    const [inB] = await intake.ingestGroup([item(b, '{"email":"cy@example.com"}', { idempotencyKey: 'shared' })]);
    expect([outcome(inA), outcome(inB)]).toEqual(['stored', 'stored']);
    expect(leadIdOf(inA)).not.toBe(leadIdOf(inB));
  });

  it('answers a group of good and bad items item by item, storing each good lead with exactly one event', async () => {
    const ws = newWorkspace();
    const broken = item(ws, '{"email":');
    const results = await intake.ingestGroup([
      item(ws, '{"email":"g1@example.com"}', { idempotencyKey: 'g1' }),
      broken,
      item(ws, '{"email":"g1@example.com"}', { idempotencyKey: 'g1' }),
      item(ws, '{"email":"changed@example.com"}', { idempotencyKey: 'g1' }),
      item(ws, 'email=g2%40example.com', { contentType: 'application/x-www-form-urlencoded' }),
      item(ws, '{}', { contentType: 'text/plain' }),
    ]);

    expect(results.map(outcome)).toEqual([
      'stored',
      ErrorCodes.invalidPayload,
      'deduplicated',
      ErrorCodes.idempotencyKeyReused,
      'stored',
      ErrorCodes.unsupportedMediaType,
    ]);
    expect(leadIdOf(results[2])).toBe(leadIdOf(results[0]));
    const rows = await stored(ws);
    const storedIds = [leadIdOf(results[0]), leadIdOf(results[4])];
    expect(rows.leads.map((l) => l.id).sort()).toEqual([...storedIds].sort());
    // Events are written in the order of the group.
    expect(rows.events.map((e) => e.data.leadId)).toEqual(storedIds);
    expect(rows.events.map((e) => e.data.email)).toEqual(['g1@example.com', 'g2@example.com']);
    expect(rows.rejected).toEqual([{ reason: expect.any(String), request_id: broken.requestId }]);
  });

  it('stores two groups that repeat the same keys in opposite orders at once together, without a deadlock', async () => {
    // Two gateways' groups holding a sender's blind retries. A third transaction holds a key in the
    // middle, so that both groups are inside their inserts at once, having stored the keys on their
    // own side of it; then it lets go.
    const ws = newWorkspace();
    await intake.ingestGroup([item(ws, '{"email":"seed@example.com"}', { idempotencyKey: 'seed' })]);
    const group = Array.from({ length: 200 }, (_, i) => {
      const key = `k${String(i).padStart(3, '0')}`;
      return item(ws, JSON.stringify({ email: `${key}@example.com` }), { idempotencyKey: key });
    });
    const logged = warnings.length;
    const held = {
      table: 'ingestion.raw_leads',
      where: `t.workspace_id = $1 AND t.idempotency_key = 'seed'`,
      params: [ws],
      changes: { id: randomUUID(), idempotency_key: 'k100' },
    };
    const [forward, backward] = await whileRowHeld(database.dataSource, held, 2, () =>
      Promise.all([intake.ingestGroup(group), intake.ingestGroup([...group].reverse())]),
    );
    const outcomes = [...(forward ?? []), ...(backward ?? [])].map(outcome);
    expect(outcomes.filter((o) => o === 'stored')).toHaveLength(200);
    expect(outcomes.filter((o) => o === 'deduplicated')).toHaveLength(200);
    // Neither group fell back to a statement per lead.
    expect(warnings.slice(logged).filter((line) => line.includes('could not be stored together'))).toEqual([]);
    expect((await stored(ws)).raw).toHaveLength(201);
  });

  it('stores the good items of a group whose one statement fails, each on its own', async () => {
    const ws = newWorkspace();
    // Bodies are cleaned of what PostgreSQL refuses, request headers are not: a NUL in jsonb stands
    // here for any lead the database refuses, which fails the group's statement.
    const results = await intake.ingestGroup([
      item(ws, '{"email":"n1@example.com"}', { idempotencyKey: 'n1' }),
      item(ws, '{"email":"n2@example.com"}', { idempotencyKey: 'n2', headers: { 'user-agent': 'a\u0000b' } }),
      item(ws, '{"email":"n3@example.com"}', { idempotencyKey: 'n3' }),
    ]);

    expect(results.map(outcome)).toEqual(['stored', ErrorCodes.internalError, 'stored']);
    const rows = await stored(ws);
    expect(rows.leads.map((l) => l.email).sort()).toEqual(['n1@example.com', 'n3@example.com']);
    expect(rows.raw.map((r) => r.idempotency_key).sort()).toEqual(['n1', 'n3']);
    expect(rows.events.map((e) => e.data.email).sort()).toEqual(['n1@example.com', 'n3@example.com']);
  });

  it('answers a batch per item, refusing malformed items and reused keys without failing the rest', async () => {
    const ws = newWorkspace();
    const body = JSON.stringify({
      leads: [
        { idempotencyKey: 'b1', lead: { email: 'b1@example.com' } },
        { lead: 'not an object' },
        { idempotencyKey: 'b1', lead: { email: 'b1@example.com' } },
        { idempotencyKey: 'b1', lead: { email: 'other@example.com' } },
      ],
    });
    const { requestId: _requestId, ...request } = item(ws, body);
    const results = await intake.ingestBatch(request);

    expect(results.map((r) => [r.index, 'error' in r ? r.error.code : r.replayed ? 'replayed' : 'stored'])).toEqual([
      [0, 'stored'],
      [1, ErrorCodes.invalidPayload],
      [2, 'replayed'],
      [3, ErrorCodes.idempotencyKeyReused],
    ]);
    expect(results[2]).toMatchObject({ id: (results[0] as { id: string }).id });
    expect((await stored(ws)).events).toHaveLength(1);
  });

  it('lists the workspace leads newest first through cursor pages, filtered, and reads one lead with its raw body', async () => {
    const ws = newWorkspace();
    const sent = [];
    for (let i = 0; i < 5; i += 1) {
      sent.push(await intake.ingestGroup([item(ws, JSON.stringify({ email: `p${i}@example.com`, offer: i % 2 === 0 ? 'even' : 'odd' }))]));
    }
    await intake.ingestGroup([item(newWorkspace(), '{"email":"p0@example.com","offer":"even"}')]);
    const ids = sent.map(([result]) => leadIdOf(result));

    const first = await leads.list({ workspaceId: ws, limit: 2, offer: 'even' });
    expect(first.items.map((l) => l.id)).toEqual([ids[4], ids[2]]);
    const second = await leads.list({
      workspaceId: ws,
      limit: 2,
      offer: 'even',
      cursor: decodeCursor(first.nextCursor ?? '') ?? undefined,
    });
    expect(second.items.map((l) => l.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    expect((await leads.list({ workspaceId: ws, limit: 10, email: ' P3@Example.com ' })).items).toMatchObject([
      { id: ids[3], email: 'p3@example.com', offer: 'odd', source: 'landing' },
    ]);

    const view = await leads.get({ workspaceId: ws, id: ids[1] as string });
    expect(view).toMatchObject({
      id: ids[1],
      workspaceId: ws,
      email: 'p1@example.com',
      normalized: { email: 'p1@example.com', emailValid: true, offer: 'odd', extra: {} },
      raw: { contentType: 'application/json', body: '{"email":"p1@example.com","offer":"odd"}', truncated: false },
      extraTruncated: false,
    });
    await expect(leads.get({ workspaceId: newWorkspace(), id: ids[1] as string })).rejects.toMatchObject({ code: ErrorCodes.notFound });
  });
});
