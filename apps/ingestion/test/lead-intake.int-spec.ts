import {
  type EventEnvelope,
  type IngestBatchReply,
  type IngestLeadGroupReply,
  type IngestLeadReply,
  type IngestLeadRequest,
  type LeadIngestedData,
  type LeadSummary,
  type LeadView,
  type Page,
  RpcSubjects,
  readMessage,
} from '@leadflow/contracts';
import { encodeBody } from '@leadflow/messaging';
import { AppHarness, type RpcFailure, waitFor } from '@leadflow/testing';
import { type Subscription } from 'nats';

const subjects = RpcSubjects.ingestion;

describe('ingestion: lead intake', () => {
  let h: AppHarness;
  let events: Subscription;
  const received: Array<EventEnvelope<LeadIngestedData>> = [];

  beforeAll(async () => {
    h = await AppHarness.start('ingestion');
    events = h.nats.subscribe(`${h.namespace}.lead.ingested`);
    void (async () => {
      // A message carries the events of one type that the relay published together.
      for await (const message of events) received.push(...(readMessage(message.data) as Array<EventEnvelope<LeadIngestedData>>));
    })();
  });

  afterAll(async () => {
    events?.unsubscribe();
    await h?.stop();
  });

  function request(body: string | Buffer, overrides: Partial<IngestLeadRequest> = {}): IngestLeadRequest {
    return {
      workspaceId: 'default',
      source: 'default',
      receivedAt: new Date().toISOString(),
      contentType: 'application/json',
      headers: { 'user-agent': 'int-test' },
      remoteAddress: '127.0.0.1',
      idempotencyKey: null,
      body: encodeBody(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')),
      ...overrides,
    };
  }

  /** One lead sent as the gateway sends it, a group of one; its error is thrown as an RPC error would be. */
  const ingest = async (body: string | Buffer, overrides: Partial<IngestLeadRequest> = {}): Promise<IngestLeadReply> => {
    const { results } = await h.request<IngestLeadGroupReply>(subjects.leadIngestGroup, {
      items: [{ ...request(body, overrides), requestId: `int-${Math.random()}` }],
    });
    const [result] = results;
    if (!result?.ok) throw result?.error;
    return result.reply;
  };
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => ({ code: 'none' }) as RpcFailure,
      (error: RpcFailure) => error,
    );
  const count = async (table: string, where = 'TRUE', params: unknown[] = []) =>
    Number((await h.db.query<{ n: string }>(`SELECT count(*) AS n FROM ingestion.${table} WHERE ${where}`, params))[0]?.n);

  it('stores the raw bytes, the normalized lead and a lead.ingested event together', async () => {
    const body =
      '{"email":" Ana@Example.COM ","phone":"030 901820","country":"Germany","firstName":" Ana ","lang":"de-DE","foo":{"bar":1}}';
    const reply = await ingest(body, { idempotencyKey: 'first' });
    expect(reply.deduplicated).toBe(false);

    const [raw] = await h.db.query<{ body: Buffer; fingerprint: string; headers: object }>(
      `SELECT body, fingerprint, headers FROM ingestion.raw_leads WHERE id = $1`,
      [reply.leadId],
    );
    expect(raw?.body.toString('utf8')).toBe(body);
    expect(raw?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(raw?.headers).toEqual({ 'user-agent': 'int-test' });
    const [lead] = await h.db.query(
      `SELECT email, email_valid, phone, phone_valid, country, language, first_name, extra FROM ingestion.leads WHERE id = $1`,
      [reply.leadId],
    );
    expect(lead).toEqual({
      email: 'ana@example.com',
      email_valid: true,
      phone: '+4930901820',
      phone_valid: true,
      country: 'DE',
      language: 'de',
      first_name: 'Ana',
      extra: { foo: { bar: 1 } },
    });
    const event = await waitFor(() => received.find((e) => e.data.leadId === reply.leadId), { what: 'lead.ingested on JetStream' });
    expect(event).toMatchObject({
      type: 'lead.ingested',
      workspaceId: 'default',
      producer: 'ingestion',
      data: { leadId: reply.leadId, email: 'ana@example.com', phone: '+4930901820', country: 'DE', source: 'default' },
    });
  });

  it('answers a repeat of the same key and body, in any key order, with the first lead', async () => {
    const first = await ingest('{"email":"bo@example.com","offer":"x"}', { idempotencyKey: 'repeat' });
    const again = await ingest('{ "offer": "x", "email": "bo@example.com" }', { idempotencyKey: 'repeat' });
    expect(again).toEqual({ leadId: first.leadId, receivedAt: first.receivedAt, deduplicated: true });
    expect(await count('raw_leads', 'idempotency_key = $1', ['repeat'])).toBe(1);
  });

  it('refuses a key reused with another body with 422 idempotency_key_reused and stores nothing', async () => {
    await ingest('{"email":"cy@example.com"}', { idempotencyKey: 'reused' });
    const before = await count('raw_leads');
    // The reply is the code and the message: which HTTP status it becomes is the gateway's business.
    expect(await failure(ingest('{"email":"other@example.com"}', { idempotencyKey: 'reused' }))).toStrictEqual({
      code: 'idempotency_key_reused',
      message: 'This Idempotency-Key was already used with a different body',
    });
    expect(await count('raw_leads')).toBe(before);
  });

  it('stores one lead for a burst of 25 concurrent requests with one key', async () => {
    const replies = await Promise.all(
      Array.from({ length: 25 }, () => ingest('{"email":"burst@example.com"}', { idempotencyKey: 'burst' })),
    );
    expect(replies.filter((r) => !r.deduplicated)).toHaveLength(1);
    expect(new Set(replies.map((r) => r.leadId)).size).toBe(1);
    expect(await count('raw_leads', 'idempotency_key = $1', ['burst'])).toBe(1);
    // One event for the lead: the outbox took one row, and JetStream carried one event id for it.
    await waitFor(async () => (await count('outbox')) === 0, { what: 'the outbox published' });
    await h.nats.flush();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(new Set(received.filter((e) => e.data.leadId === replies[0]?.leadId).map((e) => e.id)).size).toBe(1);
  });

  it('keys idempotency per source: the same key from another source is another lead', async () => {
    const a = await ingest('{"email":"src@example.com"}', { idempotencyKey: 'per-source' });
    const b = await ingest('{"email":"src@example.com"}', { idempotencyKey: 'per-source', source: 'partner' });
    expect(b.leadId).not.toBe(a.leadId);
    expect(b.deduplicated).toBe(false);
  });

  it('stores a new lead every time when no key is sent', async () => {
    const a = await ingest('{"email":"nokey@example.com"}');
    const b = await ingest('{"email":"nokey@example.com"}');
    expect(a.leadId).not.toBe(b.leadId);
    expect(await count('leads', 'email = $1', ['nokey@example.com'])).toBe(2);
  });

  it.each([
    ['broken JSON', '{"email":', 'malformed JSON'],
    ['a JSON array', '[{"email":"a@b.co"}]', 'JSON object'],
    ['an empty body', '', 'empty'],
  ])('refuses %s with 400 invalid_payload and keeps the bytes and the reason', async (_, body, reason) => {
    const leadsBefore = await count('leads');
    const error = await failure(ingest(body, { idempotencyKey: `bad-${body.length}` }));
    expect(error).toMatchObject({ code: 'invalid_payload' });
    const rows = await h.db.query<{ body: Buffer; reason: string; body_bytes: number; truncated: boolean }>(
      `SELECT body, reason, body_bytes, truncated FROM ingestion.rejected_requests WHERE body = $1 ORDER BY received_at DESC LIMIT 1`,
      [Buffer.from(body)],
    );
    expect(rows[0]).toMatchObject({ body_bytes: Buffer.byteLength(body), truncated: false });
    expect(rows[0]?.reason).toContain(reason);
    expect(await count('leads')).toBe(leadsBefore);
  });

  it('keeps only the first 64 KiB of a large refused body, and says so', async () => {
    const body = `[${'1,'.repeat(100_000)}1]`;
    await failure(ingest(body));
    const [row] = await h.db.query<{ length: number; body_bytes: number; truncated: boolean }>(
      `SELECT length(body) AS length, body_bytes, truncated FROM ingestion.rejected_requests ORDER BY received_at DESC LIMIT 1`,
    );
    expect(row).toEqual({ length: 64 * 1024, body_bytes: Buffer.byteLength(body), truncated: true });
  });

  it('stores a large body that travelled compressed, byte for byte', async () => {
    const body = JSON.stringify({ email: 'big@example.com', description: 'x'.repeat(900_000) });
    expect(request(body).body.encoding).toBe('gzip+base64');
    const reply = await ingest(body);
    const [raw] = await h.db.query<{ body: Buffer }>(`SELECT body FROM ingestion.raw_leads WHERE id = $1`, [reply.leadId]);
    expect(raw?.body.equals(Buffer.from(body))).toBe(true);
  });

  it('reads form-encoded bodies into the lead', async () => {
    const reply = await ingest('email=form%40example.com&firstName=Fo&offer=spring', { contentType: 'application/x-www-form-urlencoded' });
    const [lead] = await h.db.query(`SELECT email, first_name, offer FROM ingestion.leads WHERE id = $1`, [reply.leadId]);
    expect(lead).toEqual({ email: 'form@example.com', first_name: 'Fo', offer: 'spring' });
  });

  it('answers a batch item by item, in order, duplicates inside the batch included', async () => {
    const body = JSON.stringify({
      leads: [
        { idempotencyKey: 'batch-1', lead: { email: 'b1@example.com' } },
        { lead: 'not an object' },
        { idempotencyKey: 'batch-1', lead: { email: 'b1@example.com' } },
        { idempotencyKey: 'batch-1', lead: { email: 'changed@example.com' } },
        { lead: { email: 'b2@example.com' } },
      ],
    });
    const reply = await h.request<IngestBatchReply>(subjects.leadIngestBatch, request(body));
    expect(reply.results.map((r) => [r.index, r.ok ? 'stored' : r.error.code])).toEqual([
      [0, 'stored'],
      [1, 'invalid_payload'],
      [2, 'stored'],
      [3, 'idempotency_key_reused'],
      [4, 'stored'],
    ]);
    expect(reply.results[3]).toStrictEqual({
      index: 3,
      ok: false,
      error: { code: 'idempotency_key_reused', message: 'This Idempotency-Key was already used with a different body' },
    });
    const [first, , replay] = reply.results as Array<{ id: string; replayed: boolean }>;
    expect(replay).toMatchObject({ id: first?.id, replayed: true });
    expect(await count('leads', `email IN ('b1@example.com', 'b2@example.com')`)).toBe(2);
  });

  it('stores a group of single-lead requests together, answering each as if it had come alone', async () => {
    const item = (body: string, overrides: Partial<IngestLeadRequest> = {}, requestId = `group-req-${Math.random()}`) => ({
      ...request(body, overrides),
      requestId,
    });
    const reply = await h.request<IngestLeadGroupReply>(subjects.leadIngestGroup, {
      items: [
        item('{"email":"g1@example.com"}', { idempotencyKey: 'group-1' }, 'group-req-1'),
        item('{"email":', {}, 'group-req-broken'),
        item('{"email":"g1@example.com"}', { idempotencyKey: 'group-1' }),
        item('{"email":"other@example.com"}', { idempotencyKey: 'group-1' }),
        item('email=g2%40example.com', { contentType: 'application/x-www-form-urlencoded' }),
        item('{}', { contentType: 'text/plain' }),
      ],
    });
    const results = reply.results;
    expect(results.map((r) => (r.ok ? (r.reply.deduplicated ? 'replay' : 'stored') : r.error.code))).toEqual([
      'stored',
      'invalid_payload',
      'replay',
      'idempotency_key_reused',
      'stored',
      'unsupported_media_type',
    ]);
    const [first, , replay, , form] = results.map((r) => (r.ok ? r.reply : undefined));
    expect(replay?.leadId).toBe(first?.leadId);
    expect(results[1]).toStrictEqual({ ok: false, error: { code: 'invalid_payload', message: expect.any(String) } });
    expect(results[3]).toStrictEqual({ ok: false, error: { code: 'idempotency_key_reused', message: expect.any(String) } });

    // Each stored lead has its raw row with its own request id, its lead row and one event.
    const rows = await h.db.query<{ id: string; request_id: string; email: string }>(
      `SELECT r.id, r.request_id, l.email FROM ingestion.raw_leads r JOIN ingestion.leads l USING (id) WHERE r.id = ANY($1::uuid[]) ORDER BY l.email`,
      [[first?.leadId, form?.leadId]],
    );
    expect(rows.map((r) => r.email)).toEqual(['g1@example.com', 'g2@example.com']);
    expect(rows.find((r) => r.id === first?.leadId)?.request_id).toBe('group-req-1');
    await waitFor(() => received.filter((e) => e.data.leadId === first?.leadId || e.data.leadId === form?.leadId).length === 2);
    // The refused body is kept under its own request id.
    expect(await count('rejected_requests', `request_id = 'group-req-broken'`)).toBe(1);
    expect(await count('leads', `email = 'other@example.com'`)).toBe(0);
  });

  it('refuses a batch of more than 500 leads as a whole', async () => {
    const body = JSON.stringify({ leads: Array.from({ length: 501 }, () => ({ lead: { email: 'many@example.com' } })) });
    expect(await failure(h.request(subjects.leadIngestBatch, request(body)))).toMatchObject({ code: 'batch_too_large' });
    expect(await count('leads', 'email = $1', ['many@example.com'])).toBe(0);
  });

  it('lists leads newest first with cursor pagination and filters, inside one workspace', async () => {
    const ws = `ws-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await ingest(JSON.stringify({ email: `p${i}@example.com`, offer: i % 2 ? 'odd' : 'even' }), { workspaceId: ws })).leadId);
    }
    const first = await h.request<Page<LeadSummary>>(subjects.leadList, { workspaceId: ws, limit: 2 });
    expect(first.items.map((l) => l.id)).toEqual([ids[4], ids[3]]);
    expect(first.nextCursor).not.toBeNull();
    const cursor = Buffer.from(first.nextCursor ?? '', 'base64url').toString('utf8');
    const second = await h.request<Page<LeadSummary>>(subjects.leadList, { workspaceId: ws, limit: 10, cursor });
    expect(second).toEqual({ items: expect.any(Array), nextCursor: null });
    expect(second.items.map((l) => l.id)).toEqual([ids[2], ids[1], ids[0]]);
    const odd = await h.request<Page<LeadSummary>>(subjects.leadList, { workspaceId: ws, limit: 10, offer: 'odd' });
    expect(odd.items.map((l) => l.id)).toEqual([ids[3], ids[1]]);
    const byEmail = await h.request<Page<LeadSummary>>(subjects.leadList, { workspaceId: ws, limit: 10, email: ' P2@example.com' });
    expect(byEmail.items.map((l) => l.id)).toEqual([ids[2]]);
    const elsewhere = await h.request<Page<LeadSummary>>(subjects.leadList, { workspaceId: 'default', limit: 200 });
    expect(elsewhere.items.some((l) => ids.includes(l.id))).toBe(false);
  });

  it('shows one lead with its raw body as received, and 404 for an unknown or foreign id', async () => {
    const body = '{"email":"raw@example.com","phone":"not a phone","zip":"10115"}';
    const { leadId } = await ingest(body, { idempotencyKey: 'view' });
    const view = await h.request<LeadView>(subjects.leadGet, { workspaceId: 'default', id: leadId });
    expect(view).toMatchObject({
      id: leadId,
      idempotencyKey: 'view',
      raw: { contentType: 'application/json', body },
      normalized: { email: 'raw@example.com', phone: null, extra: { zip: '10115' } },
    });
    expect(view.issues.map((i) => i.field)).toContain('phone');
    expect(await failure(h.request(subjects.leadGet, { workspaceId: 'other', id: leadId }))).toMatchObject({ code: 'not_found' });
    expect(await failure(h.request(subjects.leadGet, { workspaceId: 'default', id: 'nope' }))).toMatchObject({ code: 'validation_failed' });
  });

  it('refuses a malformed request from a caller with 400 validation_failed', async () => {
    expect(await failure(h.request(subjects.leadIngestGroup, { items: [{ workspaceId: 'default' }] }))).toMatchObject({
      code: 'validation_failed',
    });
  });
});
