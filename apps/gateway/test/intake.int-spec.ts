import {
  type BatchItemResult,
  type IngestBatchReply,
  type IngestLeadGroupRequest,
  type IngestLeadReply,
  type IngestLeadRequest,
  RpcSubjects,
} from '@leadflow/contracts';
import { decodeBody } from '@leadflow/messaging';
import http from 'node:http';
import { AppHarness, startTcpProxy, type TcpProxy, testNatsUrl, waitFor } from '@leadflow/testing';

const ADMIN_KEY = 'lf_test_gateway-int-admin-key-0000000';
const INTAKE_KEY = 'lf_test_gateway-int-intake-key-000000';
const STACK_TRACE = /at \w+ \(|node_modules|\.ts:\d|\.js:\d/;

/**
 * The gateway against a stand-in ingestion and contacts answering over the real NATS: what the
 * gateway sends, how it maps answers and failures to HTTP, and how fast it gives up.
 */
describe('gateway: intake and admin over HTTP', () => {
  let h: AppHarness;
  let natsProxy: TcpProxy;
  const seen: Array<{ request: IngestLeadGroupRequest['items'][number]; headers: Record<string, string> }> = [];
  let reply: (request: IngestLeadRequest) => unknown = () => ({
    leadId: '0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a12',
    receivedAt: '2026-11-21T10:00:00.000Z',
    deduplicated: false,
  });
  let stopAnswering: () => void;
  const groupSizes: number[] = [];

  const url = (path: string) => `http://127.0.0.1:${h.port}${path}`;
  const post = (path: string, body: string | Buffer, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
    fetch(url(path), { method: 'POST', body, headers: { 'X-Api-Key': INTAKE_KEY, ...headers } });

  beforeAll(async () => {
    const nats = new URL(testNatsUrl().split(',')[0] ?? '');
    natsProxy = await startTcpProxy(nats.hostname, Number(nats.port || 4222));
    h = await AppHarness.start('gateway', {
      NATS_URL: natsProxy.url(testNatsUrl()),
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      BOOTSTRAP_INTAKE_KEY: INTAKE_KEY,
      BOOTSTRAP_INTAKE_RATE_LIMIT: '100000',
      INTAKE_TIMEOUT_MS: '500',
    });
    // Ingestion receives single-lead requests in groups and answers each item on its own.
    stopAnswering = h.answer(RpcSubjects.ingestion.leadIngestGroup, async (data, headers) => {
      const { items } = data as IngestLeadGroupRequest;
      groupSizes.push(items.length);
      return {
        results: await Promise.all(
          items.map(async (request) => {
            seen.push({ request, headers });
            try {
              return { ok: true, reply: await reply(request) };
            } catch (error) {
              return { ok: false, error };
            }
          }),
        ),
      };
    });
  });

  afterAll(async () => {
    stopAnswering?.();
    await h?.stop();
    await natsProxy?.close();
  });

  beforeEach(() => {
    seen.length = 0;
    reply = () => ({ leadId: '0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a12', receivedAt: '2026-11-21T10:00:00.000Z', deduplicated: false });
  });

  it('hands the body as received to ingestion with the key, the selected headers and the request id', async () => {
    const body = '{"email":"ana@example.com","b":1,"a":2}';
    const response = await post('/api/lead', body, {
      'Content-Type': 'application/json',
      'Idempotency-Key': 'key-1',
      'X-Request-Id': 'req-intake-1',
      'User-Agent': 'php-sender/1.0',
      Cookie: 'secret=1',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req-intake-1');
    expect(await response.json()).toEqual({ ok: true, lead_id: '0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a12', deduplicated: false });
    const [call] = seen;
    expect(call?.request.requestId).toBe('req-intake-1');
    expect(call?.request).toMatchObject({
      workspaceId: 'default',
      source: 'default',
      idempotencyKey: 'key-1',
      contentType: 'application/json',
    });
    expect(call?.request.headers).toMatchObject({ 'user-agent': 'php-sender/1.0', 'idempotency-key': 'key-1' });
    expect(call?.request.headers).not.toHaveProperty('cookie');
    expect(decodeBody(call?.request.body ?? { encoding: 'utf8', data: '' }).toString()).toBe(body);
  });

  it('answers 409 with the first lead_id when ingestion says the lead was seen before', async () => {
    reply = () =>
      ({
        leadId: '0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a13',
        receivedAt: '2026-11-21T10:00:00.000Z',
        deduplicated: true,
      }) satisfies IngestLeadReply;
    const response = await post('/api/lead', '{"email":"ana@example.com"}');
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ ok: true, lead_id: '0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a13', deduplicated: true });
  });

  it('replays on /api/v1/leads with the original status and body, marked Idempotent-Replayed', async () => {
    const first = await post('/api/v1/leads', '{"email":"ana@example.com"}');
    reply = () => ({ leadId: '0193b0f4-5d2a-7c3e-9a1b-2f4e6d8c0a12', receivedAt: '2026-11-21T10:00:00.000Z', deduplicated: true });
    const replay = await post('/api/v1/leads', '{"email":"ana@example.com"}');
    expect([first.status, replay.status]).toEqual([201, 201]);
    expect(await replay.json()).toEqual(await first.json());
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it("maps an ingestion refusal's code to its status, with the legacy body on /api/lead and the error body on /api/v1/leads", async () => {
    reply = () => {
      throw { code: 'idempotency_key_reused', message: 'This Idempotency-Key was already used with a different body' };
    };
    const legacy = await post('/api/lead', '{"email":"x@example.com"}');
    expect(legacy.status).toBe(422);
    expect(await legacy.json()).toEqual({ ok: false, error: 'idempotency_key_reused' });
    const modern = await post('/api/v1/leads', '{"email":"x@example.com"}');
    expect(modern.status).toBe(422);
    expect(await modern.json()).toMatchObject({ error: { code: 'idempotency_key_reused', requestId: expect.any(String) } });
  });

  it.each([
    ['text/plain', 'hello', 415, 'unsupported_media_type'],
    ['application/xml', '<lead/>', 415, 'unsupported_media_type'],
    // CSV is streamed only to the imports route; anywhere else it is read like any body.
    ['text/csv', 'email\nana@example.com\n', 415, 'unsupported_media_type'],
  ])('refuses %s with %s %s without troubling ingestion', async (contentType, body, status, code) => {
    const response = await post('/api/lead', body, { 'Content-Type': contentType });
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ ok: false, error: code });
    expect(seen).toHaveLength(0);
  });

  it('refuses a body over 1 MiB with 413 payload_too_large', async () => {
    const response = await post('/api/lead', Buffer.alloc(1024 * 1024 + 1, 'a'));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ ok: false, error: 'payload_too_large' });
  });

  it('refuses a text/csv body over 1 MiB with 413 payload_too_large outside the imports route', async () => {
    const response = await post('/api/lead', Buffer.alloc(1024 * 1024 + 1, 'a'), { 'Content-Type': 'text/csv' });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ ok: false, error: 'payload_too_large' });
    expect(seen).toHaveLength(0);
  });

  it('reads a body over the limit to its end before refusing it, so that a sender still writing gets its 413 and not a reset', async () => {
    // Each sender writes 4 MiB on a connection it closes afterwards; a server that answers and
    // closes while the body is still arriving resets the connection, and the sender never sees 413.
    const outcomes = await Promise.all(
      Array.from(
        { length: 12 },
        () =>
          new Promise<string>((resolve) => {
            const body = Buffer.alloc(4 * 1024 * 1024, 'a');
            const request = http.request(url('/api/lead'), {
              method: 'POST',
              agent: false,
              headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, 'X-Api-Key': INTAKE_KEY },
            });
            request.on('response', (response) => {
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('end', () => resolve(`${response.statusCode} ${Buffer.concat(chunks).toString()}`));
            });
            request.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? error.message}`));
            request.end(body);
          }),
      ),
    );
    expect(outcomes).toEqual(Array(12).fill('413 {"ok":false,"error":"payload_too_large"}'));
    expect(seen).toHaveLength(0);
  });

  it('refuses an Idempotency-Key over 255 characters with 400 invalid_idempotency_key', async () => {
    const response = await post('/api/lead', '{}', { 'Content-Type': 'application/json', 'Idempotency-Key': 'k'.repeat(256) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ ok: false, error: 'invalid_idempotency_key' });
  });

  it('reads a body sent without Content-Type as JSON, as older senders expect', async () => {
    const response = await fetch(url('/api/lead'), {
      method: 'POST',
      body: new Blob(['{"email":"old@example.com"}']),
      headers: { 'X-Api-Key': INTAKE_KEY },
    });
    expect(response.status).toBe(201);
    expect(seen[0]?.request.contentType).toBe('application/json');
  });

  it('sends concurrent requests to ingestion in groups and answers each request with its own result', async () => {
    groupSizes.length = 0;
    reply = (request) => {
      const key = request.idempotencyKey ?? '';
      if (key.startsWith('reused-')) {
        throw { code: 'idempotency_key_reused', message: 'This Idempotency-Key was already used with a different body' };
      }
      return { leadId: `lead-${key}`, receivedAt: '2026-11-21T10:00:00.000Z', deduplicated: key.startsWith('seen-') };
    };
    const keys = Array.from({ length: 60 }, (_, i) => `${['new', 'seen', 'reused'][i % 3]}-${i}`);
    const responses = await Promise.all(
      keys.map((key) => post('/api/lead', `{"n":"${key}"}`, { 'Content-Type': 'application/json', 'Idempotency-Key': key })),
    );
    const answers = await Promise.all(responses.map(async (r) => [r.status, await r.json()] as const));
    keys.forEach((key, i) => {
      const [status, body] = answers[i] ?? [];
      if (key.startsWith('new-')) expect([status, body]).toEqual([201, { ok: true, lead_id: `lead-${key}`, deduplicated: false }]);
      if (key.startsWith('seen-')) expect([status, body]).toEqual([409, { ok: true, lead_id: `lead-${key}`, deduplicated: true }]);
      if (key.startsWith('reused-')) expect([status, body]).toEqual([422, { ok: false, error: 'idempotency_key_reused' }]);
    });
    expect(groupSizes.reduce((a, b) => a + b, 0)).toBe(60);
    expect(groupSizes.length).toBeLessThan(60);
  });

  it("answers a batch with each item's status from ingestion's codes, byte for byte as senders read it", async () => {
    const results: BatchItemResult[] = [
      { index: 0, ok: true, id: 'lead-0', receivedAt: '2026-11-21T10:00:00.000Z', replayed: false },
      { index: 1, ok: false, error: { code: 'invalid_payload', message: '"lead" must be a JSON object' } },
      { index: 2, ok: true, id: 'lead-0', receivedAt: '2026-11-21T10:00:00.000Z', replayed: true },
      {
        index: 3,
        ok: false,
        error: { code: 'idempotency_key_reused', message: 'This Idempotency-Key was already used with a different body' },
      },
    ];
    const stop = h.answer(RpcSubjects.ingestion.leadIngestBatch, () => ({ results }) satisfies IngestBatchReply);
    try {
      const response = await post('/api/v1/leads/batch', '{"leads":[{"lead":{"email":"ana@example.com"}}]}');
      expect(response.status).toBe(207);
      expect(await response.text()).toBe(
        '{"results":[' +
          '{"index":0,"status":201,"id":"lead-0","receivedAt":"2026-11-21T10:00:00.000Z","replayed":false},' +
          '{"index":1,"status":400,"error":{"code":"invalid_payload","message":"\\"lead\\" must be a JSON object"}},' +
          '{"index":2,"status":201,"id":"lead-0","receivedAt":"2026-11-21T10:00:00.000Z","replayed":true},' +
          '{"index":3,"status":422,"error":{"code":"idempotency_key_reused","message":"This Idempotency-Key was already used with a different body"}}' +
          ']}',
      );
    } finally {
      stop();
    }
  });

  it('answers 503 unavailable with Retry-After within the intake deadline when ingestion is too slow', async () => {
    reply = () => new Promise((resolve) => setTimeout(() => resolve({ leadId: 'late', receivedAt: '', deduplicated: false }), 3000));
    const started = Date.now();
    const response = await post('/api/lead', '{"email":"slow@example.com"}');
    const tookMs = Date.now() - started;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({ ok: false, error: 'unavailable' });
    expect(tookMs).toBeLessThan(1500);
  });

  it('answers 503 at once while NATS is unreachable, and 201 again once it is back', async () => {
    natsProxy.cut();
    try {
      await waitFor(async () => (await post('/api/lead', '{"email":"cut@example.com"}')).status === 503, { timeoutMs: 5000, what: '503' });
      // Five in a row, the fastest timed: a gateway that waited for the intake deadline (500 ms) would
      // make every one slow, while one request slowed by a busy machine does not fail the test.
      const tookMs: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const started = Date.now();
        const response = await post('/api/lead', '{"email":"cut@example.com"}');
        expect(response.status).toBe(503);
        tookMs.push(Date.now() - started);
      }
      expect(Math.min(...tookMs)).toBeLessThan(200);
    } finally {
      natsProxy.restore();
    }
    await waitFor(async () => (await post('/api/lead', '{"email":"back@example.com"}')).status === 201, {
      timeoutMs: 15000,
      what: '201 again',
    });
  });

  it('guards the admin API with the bearer key', async () => {
    const none = await fetch(url('/api/v1/leads'));
    const wrong = await fetch(url('/api/v1/leads'), { headers: { Authorization: 'Bearer not-the-key' } });
    for (const response of [none, wrong]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    const stop = h.answer(RpcSubjects.ingestion.leadList, (data) => ({ items: [], nextCursor: null, echo: data }));
    try {
      const ok = await fetch(url('/api/v1/leads?limit=5&email=%20Ana@Example.com&to=2026-11-20'), {
        headers: { Authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({
        items: [],
        echo: { workspaceId: 'default', limit: 5, email: 'ana@example.com', to: '2026-11-21T00:00:00.000Z' },
      });
    } finally {
      stop();
    }
  });

  it.each([
    ['/api/v1/leads?limit=0', 'invalid_query'],
    ['/api/v1/leads?limit=abc', 'invalid_query'],
    ['/api/v1/leads?unknown=1', 'invalid_query'],
    ['/api/v1/leads?from=2026-02-30', 'invalid_query'],
    ['/api/v1/leads?cursor=not-a-cursor', 'invalid_cursor'],
    ['/api/v1/leads/123', 'invalid_id'],
    ['/api/v1/contacts?phone=hello', 'invalid_query'],
    ['/api/v1/contacts/zzz/score', 'invalid_id'],
    ['/api/v1/metrics/leads/daily?from=2026-11-01', 'invalid_query'],
    ['/api/v1/metrics/leads/daily?from=2026-11-01&to=2026-13-01', 'invalid_query'],
    ['/api/v1/metrics/leads/summary?from=2026-11-01&to=2026-11-02&country=Atlantis', 'invalid_query'],
  ])('answers %s with 400 %s and no internals', async (path, code) => {
    const response = await fetch(url(path), { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code } });
    expect(text).not.toMatch(STACK_TRACE);
  });

  it('serves the OpenAPI document and its UI at /docs', async () => {
    const ui = await fetch(url('/docs'));
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const document = (await (await fetch(url('/docs/openapi.json'))).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/lead',
        '/api/v1/leads',
        '/api/v1/leads/batch',
        '/api/v1/leads/{id}',
        '/api/v1/contacts',
        '/api/v1/contacts/{id}',
        '/api/v1/contacts/{id}/score',
        '/api/v1/metrics/leads/summary',
        '/api/v1/metrics/leads/daily',
        '/api/v1/metrics/leads/weekly',
      ]),
    );
    expect(document.paths['/api/lead']).toHaveProperty('post');
  });
});

/**
 * Group commit's limit: a gateway keeps at most INTAKE_GROUPS_IN_FLIGHT groups (2 by default) out
 * at ingestion, a further one beside a group already out only once INTAKE_OVERLAP_MIN_LEADS
 * requests (16 by default) wait. A stand-in ingestion holds its answers, so that the requests
 * arriving meanwhile have to wait for a slot; the intake deadline is long enough for a slow machine.
 */
describe.each<{ settings: Record<string, string>; slots: number; overlapMin: number }>([
  { settings: { INTAKE_GROUPS_IN_FLIGHT: '1' }, slots: 1, overlapMin: 1 },
  { settings: { INTAKE_GROUPS_IN_FLIGHT: '2', INTAKE_OVERLAP_MIN_LEADS: '1' }, slots: 2, overlapMin: 1 },
  { settings: {}, slots: 2, overlapMin: 16 },
])('gateway: intake groups in flight ($settings)', ({ settings, slots, overlapMin }) => {
  let h: AppHarness;
  let stopAnswering: () => void;
  const groupSizes: number[] = [];
  let groupsOut = 0;
  let mostGroupsOut = 0;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    h = await AppHarness.start('gateway', {
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      BOOTSTRAP_INTAKE_KEY: INTAKE_KEY,
      BOOTSTRAP_INTAKE_RATE_LIMIT: '100000',
      INTAKE_TIMEOUT_MS: '4000',
      ...settings,
    });
    stopAnswering = h.answer(RpcSubjects.ingestion.leadIngestGroup, async (data) => {
      const { items } = data as IngestLeadGroupRequest;
      groupSizes.push(items.length);
      groupsOut += 1;
      mostGroupsOut = Math.max(mostGroupsOut, groupsOut);
      await held;
      groupsOut -= 1;
      return {
        results: items.map((item) => ({
          ok: true,
          reply: { leadId: `lead-${item.idempotencyKey}`, receivedAt: '2026-11-21T10:00:00.000Z', deduplicated: false },
        })),
      };
    });
  });

  afterAll(async () => {
    release();
    stopAnswering?.();
    await h?.stop();
  });

  it(`keeps at most ${slots} ${slots === 1 ? 'group' : 'groups'} out at ingestion (a further one of ${overlapMin} or more); the requests that arrive meanwhile leave together`, async () => {
    const send = (key: string) =>
      fetch(`http://127.0.0.1:${h.port}/api/lead`, {
        method: 'POST',
        body: `{"n":"${key}"}`,
        headers: { 'X-Api-Key': INTAKE_KEY, 'Content-Type': 'application/json', 'Idempotency-Key': key },
      }).then(async (r) => [r.status, await r.json()] as const);
    const groupsReached = (count: number) => waitFor(() => groupSizes.length >= count, { timeoutMs: 3000, intervalMs: 10 });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
    // Waves take the slots (their answers are held); the last has to wait for one.
    const keys = Array.from({ length: 40 }, (_, i) => `held-${i}`);
    const answers = [send(keys[0] as string)];
    await groupsReached(1);
    if (slots === 1) {
      answers.push(...keys.slice(1).map(send));
    } else {
      // Fewer than the floor wait beside the group out; once the floor is reached, they leave.
      answers.push(...keys.slice(1, overlapMin).map(send));
      await settle();
      expect(groupSizes).toHaveLength(1);
      answers.push(...keys.slice(overlapMin, overlapMin + 10).map(send));
      await groupsReached(2);
      expect(groupSizes[1]).toBeGreaterThanOrEqual(overlapMin);
      answers.push(...keys.slice(overlapMin + 10).map(send));
    }
    await settle();
    expect(groupSizes).toHaveLength(slots);
    release();
    expect(await Promise.all(answers)).toEqual(keys.map((key) => [201, { ok: true, lead_id: `lead-${key}`, deduplicated: false }]));
    expect(mostGroupsOut).toBe(slots);
    expect(groupSizes.reduce((a, b) => a + b, 0)).toBe(keys.length);
    // The requests that waited for a slot left in fewer groups than requests.
    const waited = keys.length - groupSizes.slice(0, slots).reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThan(1);
    expect(groupSizes.length - slots).toBeLessThan(waited);
  });
});
