// Activity events through the running platform: our routes, the Segment-compatible ones driven by
// the real @segment/analytics-node library, browser keys and their origins.
import { type ActivityReceivedData, EventTypes } from '@leadflow/contracts';
import { waitFor } from '@leadflow/testing';
import { Analytics } from '@segment/analytics-node';
import { randomUUID } from 'node:crypto';
import { E2E_ADMIN_KEY, E2E_INTAKE_KEY, Platform } from './platform';

const SHOP = 'https://shop.example.com';

describe('activity intake through the platform', () => {
  let platform: Platform;
  let serverKey: string;
  let browserKey: string;
  let slowKey: string;

  async function createKey(body: Record<string, unknown>): Promise<string> {
    const response = await fetch(platform.gateway.url('/api/v1/workspaces/default/api-keys'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const created = (await response.json()) as { key: string };
    expect(response.status).toBe(201);
    return created.key;
  }

  beforeAll(async () => {
    platform = await Platform.start();
    serverKey = await createKey({ name: 'server-tracker', scopes: ['events'], rateLimitPerSecond: 10000 });
    browserKey = await createKey({ name: 'shop-browser', scopes: ['events'], allowedOrigins: [SHOP] });
    slowKey = await createKey({ name: 'slow-tracker', scopes: ['events'], rateLimitPerSecond: 1, rateLimitBurst: 1 });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(platform.gateway.url(path), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': serverKey, ...headers },
      body,
    });
  const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const activitiesOf = (messageIds: string[]) =>
    platform.db.query<{ id: string; message_id: string; name: string; source: string; email: string | null }>(
      `SELECT id, message_id, name, source, email FROM ingestion.activities WHERE workspace_id = 'default' AND message_id = ANY($1) ORDER BY message_id`,
      [messageIds],
    );

  it('answers 202 only once the event is committed: its row and its activity.received exist when the answer arrives', async () => {
    const messageId = `m-${randomUUID()}`;
    const body = JSON.stringify({ type: 'track', event: 'signup', messageId, userId: 'u-1', email: 'Ana@Example.com' });
    const response = await post('/api/v1/events', body);
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { status: string; id: string; messageId: string };
    expect(answer).toMatchObject({ status: 'accepted', messageId });
    // Read right after the answer, without waiting: the commit came first.
    expect(await activitiesOf([messageId])).toEqual([
      { id: answer.id, message_id: messageId, name: 'signup', source: 'server-tracker', email: 'ana@example.com' },
    ]);
    // Its activity.received was committed with it (the relay may have published it already).
    await waitFor(
      async () =>
        (await platform.published<ActivityReceivedData>(EventTypes.activityReceived)).some((e) => e.data.activityId === answer.id),
      { what: 'activity.received for the event' },
    );

    const again = await post('/api/v1/events', body);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ status: 'duplicate', id: answer.id, messageId });
    expect(await activitiesOf([messageId])).toHaveLength(1);
  });

  it('answers a batch with a result per event, in order, and refuses a single bad event with its code', async () => {
    const ids = [randomUUID(), randomUUID()];
    const response = await post(
      '/api/v1/events/batch',
      JSON.stringify({
        events: [
          { type: 'page', anonymousId: 'v-1', messageId: ids[0] },
          { type: 'track', anonymousId: 'v-1' },
          { type: 'identify', anonymousId: 'v-1', userId: 'u-2', messageId: ids[1] },
          { type: 'page', anonymousId: 'v-1', messageId: ids[0] },
          { type: 'page', properties: { a: 1 } },
        ],
      }),
    );
    expect(response.status).toBe(202);
    const { results } = (await response.json()) as {
      results: Array<{ index: number; status: string; id?: string; error?: { code: string } }>;
    };
    expect(results.map((r) => [r.index, r.status, r.error?.code])).toEqual([
      [0, 'accepted', undefined],
      [1, 'rejected', 'invalid_event'],
      [2, 'accepted', undefined],
      [3, 'duplicate', undefined],
      [4, 'rejected', 'missing_identifier'],
    ]);
    expect(results[3]?.id).toBe(results[0]?.id);
    expect((await activitiesOf(ids as string[])).map((a) => a.name).sort()).toEqual(['identify', 'page_view']);

    const single = await post('/api/v1/events', JSON.stringify({ type: 'track', event: 'bad name!', anonymousId: 'v' }));
    expect(single.status).toBe(400);
    expect(await single.json()).toMatchObject({ error: { code: 'invalid_event' } });
  });

  it('answers 413 above 500 KB and 400 batch_too_large above 500 events', async () => {
    const big = JSON.stringify({ events: [{ type: 'page', anonymousId: 'v', properties: { pad: 'x'.repeat(520 * 1024) } }] });
    const tooBig = await post('/api/v1/events/batch', big);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    const many = JSON.stringify({ events: Array.from({ length: 501 }, (_, i) => ({ type: 'page', anonymousId: `v${i}` })) });
    const tooMany = await post('/api/v1/events/batch', many);
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ error: { code: 'batch_too_large' } });
  });

  it('never answers 5xx to malformed bodies, and keeps the ones that hold no events', async () => {
    const cases: Array<[string, string, string]> = [
      ['/api/v1/events', '', 'invalid_payload'],
      ['/api/v1/events', '{', 'invalid_payload'],
      ['/api/v1/events', '[]', 'invalid_payload'],
      ['/api/v1/events', 'null', 'invalid_payload'],
      ['/api/v1/events', '"text"', 'invalid_payload'],
      ['/api/v1/events', '{"type":"track","event":"x","anonymousId":"a","properties":"nope"}', 'invalid_event'],
      ['/api/v1/events', '{"type":"page","anonymousId":"a","timestamp":"not a time"}', 'invalid_event'],
      ['/api/v1/events', '{"type":"page","anonymousId":"a","properties":{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}}', 'event_too_large'],
      ['/api/v1/events', '{"type":"page","contactId":"123"}', 'invalid_event'],
      ['/api/v1/events', '{"type":"page","anonymousId":"\\u0000"}', 'invalid_event'],
      ['/api/v1/events/batch', '{"events":{}}', 'invalid_payload'],
      ['/api/v1/events/batch', '{"events":[]}', 'invalid_payload'],
      ['/api/v1/events/batch', '\u00ff\u00fe', 'invalid_payload'],
      ['/v1/batch', '{"batch": 3}', 'invalid_payload'],
      ['/v1/track', '{not json', 'invalid_payload'],
    ];
    for (const [path, body, code] of cases) {
      const response = await fetch(platform.gateway.url(path), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: basic(serverKey) },
        body,
      });
      const answer = (await response.json()) as { error?: { code: string } };
      expect([path, body, response.status < 500, answer.error?.code]).toEqual([path, body, true, code]);
    }
    const kept = await platform.db.query(`SELECT 1 FROM ingestion.rejected_requests WHERE source IN ('server-tracker', 'segment')`);
    expect(kept.length).toBeGreaterThanOrEqual(8);
  });

  it('takes Segment calls with the write key as Basic auth and answers as Segment does', async () => {
    const messageId = randomUUID();
    const ok = await fetch(platform.gateway.url('/v1/track'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: basic(serverKey) },
      body: JSON.stringify({ userId: 'seg-1', event: 'download', messageId, properties: { file: 'a.pdf' } }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ success: true });
    expect(await activitiesOf([messageId])).toMatchObject([{ name: 'download', source: 'segment' }]);
    // Segment acknowledges an invalid call (a track without a name) and drops it: here it is kept raw, not applied.
    const dropped = await fetch(platform.gateway.url('/v1/track'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: basic(serverKey) },
      body: JSON.stringify({ userId: 'seg-1', messageId: 'no-name' }),
    });
    expect(dropped.status).toBe(200);
    expect(await activitiesOf(['no-name'])).toEqual([]);

    const unknown = await fetch(platform.gateway.url('/v1/track'), {
      method: 'POST',
      headers: { Authorization: basic('lf_test_nope') },
      body: '{}',
    });
    expect(unknown.status).toBe(401);
    const intakeOnly = await fetch(platform.gateway.url('/v1/page'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: basic(E2E_INTAKE_KEY) },
      body: '{"anonymousId":"a"}',
    });
    expect(intakeOnly.status).toBe(403);
  });

  it('lets a browser key in from its own origin only, with CORS preflights answered for the event routes', async () => {
    const preflight = await fetch(platform.gateway.url('/v1/track'), {
      method: 'OPTIONS',
      headers: { Origin: SHOP, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');

    const body = JSON.stringify({ type: 'page', anonymousId: 'browser-1', messageId: randomUUID() });
    const fromShop = await post('/api/v1/events', body, { 'X-Api-Key': browserKey, Origin: SHOP });
    expect(fromShop.status).toBe(202);
    expect(fromShop.headers.get('access-control-allow-origin')).toBe(SHOP);
    const elsewhere = await post('/api/v1/events', body, { 'X-Api-Key': browserKey, Origin: 'https://evil.example.com' });
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.json()).toMatchObject({ error: { code: 'origin_not_allowed' } });
    const noOrigin = await post('/api/v1/events', body, { 'X-Api-Key': browserKey });
    expect(noOrigin.status).toBe(403);
    // Only events: a browser key reaches nothing else.
    const leads = await fetch(platform.gateway.url('/api/v1/leads'), { headers: { 'X-Api-Key': browserKey, Origin: SHOP } });
    expect(leads.status).toBe(403);
    // And a browser key cannot be made with more than the events scope.
    const wider = await fetch(platform.gateway.url('/api/v1/workspaces/default/api-keys'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'too-wide', scopes: ['events', 'intake'], allowedOrigins: [SHOP] }),
    });
    expect(wider.status).toBe(400);
  });

  it('works with the real @segment/analytics-node: batches, retries after 429, and every call lands exactly once', async () => {
    const statuses: number[] = [];
    const analytics = new Analytics({ writeKey: slowKey, host: platform.gateway.url(''), flushAt: 2, maxRetries: 5 });
    analytics.on('http_response', (response) => statuses.push(response.status));
    const user = `node-${randomUUID()}`;
    analytics.identify({ anonymousId: `anon-${user}`, userId: user, traits: { email: `${user}@example.com` } });
    analytics.track({ userId: user, event: 'demo_request', properties: { plan: 'pro' } });
    analytics.page({ userId: user, name: 'Pricing' });
    analytics.alias({ userId: user, previousId: `anon-${user}` });
    analytics.track({ userId: user, event: 'signup' });
    analytics.track({ userId: user, event: 'download' });
    await analytics.closeAndFlush({ timeout: 20_000 });

    // The key allows one request a second: the burst was refused with 429 and sent again.
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    const rows = await platform.db.query<{ name: string; source: string; message_id: string }>(
      `SELECT name, source, message_id FROM ingestion.activities WHERE user_id = $1 OR previous_id = $2 ORDER BY name`,
      [user, `anon-${user}`],
    );
    expect(rows.map((r) => r.name)).toEqual(['alias', 'demo_request', 'download', 'identify', 'page_view', 'signup']);
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['segment']));
    const raw = await platform.db.query<{ body: Buffer }>(`SELECT body FROM ingestion.raw_activity_requests WHERE source = 'segment'`);
    expect(raw.map((r) => r.body.toString('utf8')).join('\n')).not.toContain(slowKey);

    const messageIds = new Set(rows.map((r) => r.message_id));
    await waitFor(
      async () =>
        (await platform.published<ActivityReceivedData>(EventTypes.activityReceived)).filter((e) => messageIds.has(e.data.messageId))
          .length === 6,
      { what: 'six activity.received events for the analytics-node calls' },
    );
    const published = (await platform.published<ActivityReceivedData>(EventTypes.activityReceived)).filter((e) =>
      messageIds.has(e.data.messageId),
    );
    expect(published.map((e) => e.data.name).sort()).toEqual(['alias', 'demo_request', 'download', 'identify', 'page_view', 'signup']);
    expect(published.find((e) => e.data.name === 'identify')?.data).toMatchObject({ email: `${user}@example.com`, emailValid: true });
  }, 60_000);

  it('works with the real @segment/analytics-node while ingestion is down: 503, retried, stored and applied once', async () => {
    // analytics-node 3.x retries a 503 with backoff (1-2 s, then 2-4 s, ...; Retry-After is read on 429 only), up to maxRetries.
    const sent: Array<string | undefined> = [];
    const statuses: number[] = [];
    const analytics = new Analytics({ writeKey: serverKey, host: platform.gateway.url(''), flushAt: 1, maxRetries: 8 });
    analytics.on('http_request', (request) => sent.push(request.headers['X-Retry-Count']));
    analytics.on('http_response', (response) => statuses.push(response.status));
    const user = `retry-${randomUUID()}`;

    await platform.kill('ingestion');
    try {
      analytics.track({ userId: user, event: 'demo_request', properties: { plan: 'enterprise' } });
      await waitFor(() => statuses.includes(503), { timeoutMs: 10_000, what: 'the gateway answering 503 while ingestion is down' });
      expect(await platform.db.query(`SELECT 1 FROM ingestion.activities WHERE user_id = $1`, [user])).toEqual([]);
    } finally {
      await platform.restart('ingestion');
    }
    await analytics.closeAndFlush({ timeout: 30_000 });

    // Every attempt reached the gateway; all but the last were refused with 503, the last stored the event.
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(statuses).toEqual([...statuses.slice(0, -1).map(() => 503), 200]);
    expect(sent).toEqual(statuses.map((_, i) => (i === 0 ? undefined : String(i))));
    const rows = await platform.db.query<{ id: string; message_id: string }>(
      `SELECT id, message_id FROM ingestion.activities WHERE workspace_id = 'default' AND user_id = $1`,
      [user],
    );
    expect(rows).toHaveLength(1);
    const [{ id: activityId, message_id: messageId }] = rows as [{ id: string; message_id: string }];
    // Applied once: one activity.received, one timeline entry in contacts, one activity scored.
    const attributed = await waitFor(
      async () => {
        const [row] = await platform.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM contacts.contact_activities WHERE message_id = $1`,
          [messageId],
        );
        const [scored] = await platform.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM scoring.activities WHERE activity_id = $1`,
          [activityId],
        );
        return row?.n && scored?.n ? [row.n, scored.n] : undefined;
      },
      { timeoutMs: 20_000, what: 'the retried event attributed and scored' },
    );
    expect(attributed).toEqual([1, 1]);
    const published = (await platform.published<ActivityReceivedData>(EventTypes.activityReceived)).filter(
      (e) => e.data.messageId === messageId,
    );
    expect(published.map((e) => e.data.activityId)).toEqual([activityId]);
    process.stdout.write(`analytics-node: ${statuses.length} attempts (${statuses.join(', ')}) for one event stored once\n`);
  }, 90_000);
});
