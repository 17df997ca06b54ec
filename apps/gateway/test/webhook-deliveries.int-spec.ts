import { type EndpointDisabledData, type EventEnvelope, EventTypes, readMessage } from '@leadflow/contracts';
import { AppHarness, waitFor } from '@leadflow/testing';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Subscription } from 'nats';
import { Webhook } from 'standardwebhooks';

const ADMIN_KEY = 'lf_test_gateway-webhook-admin-key-000000';

interface Received {
  path: string;
  method: string;
  id: string;
  timestamp: string;
  signature: string;
  /** Secrets (of those the test knows for the path) the delivery verified with, by the standardwebhooks package. */
  verifiedWith: string[];
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  at: number;
}

/** What the admin API answers, as far as these tests read it. */
interface ApiBody {
  error?: { code: string };
  secret?: string;
  items?: unknown[];
  endpoint?: { secrets: unknown[] };
  [key: string]: unknown;
}

interface DeliveryDoc {
  id: string;
  status: string;
  messageId: string;
  attempts: number;
  attemptLog: Array<{ statusCode: number | null; responseSnippet: string | null }>;
}

type Behaviour = (request: Received, countForId: number) => { status: number; headers?: Record<string, string>; delayMs?: number };

/**
 * Outbound webhooks end to end: the gateway as a process consumes real JetStream events and
 * delivers them to a real HTTP receiver on loopback, which verifies every delivery with the
 * `standardwebhooks` package. A fast retry schedule (200 ms steps) and a short "failing for too
 * long" rule (4 s) stand in for Svix's hours and the 5 days.
 */
describe('gateway: outbound webhooks', () => {
  let gateway: AppHarness;
  let receiver: Server;
  let base: string;
  let disabledEvents: Subscription;
  const disabled: Array<EventEnvelope<EndpointDisabledData>> = [];
  const received: Received[] = [];
  /** Attempts per path and webhook-id, counted as they arrive (a filter over every receipt would grow with the burst). */
  const attemptsById = new Map<string, number>();
  const secretsByPath = new Map<string, string[]>();
  const behaviours = new Map<string, Behaviour>();

  const readBody = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      void (async () => {
        const raw = await readBody(request);
        const path = request.url ?? '/';
        const headers = {
          'webhook-id': String(request.headers['webhook-id']),
          'webhook-timestamp': String(request.headers['webhook-timestamp']),
          'webhook-signature': String(request.headers['webhook-signature']),
        };
        const verifiedWith = (secretsByPath.get(path) ?? []).filter((secret) => {
          try {
            new Webhook(secret).verify(raw, headers);
            return true;
          } catch {
            return false;
          }
        });
        const entry: Received = {
          path,
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          signature: headers['webhook-signature'],
          verifiedWith,
          body: (raw === '' ? { type: '', timestamp: '', data: {} } : JSON.parse(raw)) as Received['body'],
          method: request.method ?? '',
          at: Date.now(),
        };
        received.push(entry);
        const key = `${path} ${entry.id}`;
        const count = (attemptsById.get(key) ?? 0) + 1;
        attemptsById.set(key, count);
        const behaviour: Behaviour = behaviours.get(path) ?? (() => ({ status: 200 }));
        const answer = behaviour(entry, count);
        if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
        response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        response.end(`answer ${answer.status} to ${entry.id}`);
      })();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    gateway = await AppHarness.start('gateway', {
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      BOOTSTRAP_ADMIN_RATE_LIMIT: '10000',
      WEBHOOK_RETRY_DELAYS_MS: '200,200,200,200,200,200,200',
      WEBHOOK_DISABLE_AFTER_FAILING_MS: '4000',
      WEBHOOK_RETRY_AFTER_MAX_MS: '3000',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '5000',
      WEBHOOK_SECRET_OVERLAP_SECONDS: '3600',
      LOG_LEVEL: 'info',
    });
    disabledEvents = gateway.nats.subscribe(`${gateway.namespace}.${EventTypes.endpointDisabled}`);
    void (async () => {
      for await (const message of disabledEvents)
        disabled.push(...(readMessage(message.data) as Array<EventEnvelope<EndpointDisabledData>>));
    })();
  }, 120_000);

  afterAll(async () => {
    disabledEvents?.unsubscribe();
    await gateway?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${gateway.port}${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as ApiBody) };
  };

  /** An endpoint at a path of the receiver, its secret known to the receiver. */
  const endpoint = async (path: string, eventTypes: string[], extra: Record<string, unknown> = {}) => {
    const created = await admin('POST', '/api/v1/webhook-endpoints', { url: `${base}${path}`, eventTypes, ...extra });
    expect(created.status).toBe(201);
    expect(created.body?.secret).toMatch(/^whsec_/);
    secretsByPath.set(path, [created.body?.secret as string]);
    return created.body as { id: string; secret: string };
  };

  const automationWebhook = (endpointId: string, runId: string = randomUUID(), payload: Record<string, unknown> = { hello: 'world' }) =>
    gateway.publish(EventTypes.automationWebhookRequested, {
      automationId: randomUUID(),
      runId,
      endpointId,
      contactId: randomUUID(),
      trigger: 'stage_changed',
      occurredAt: new Date().toISOString(),
      payload,
    });

  const at = (path: string) => received.filter((r) => r.path === path);

  it('refuses unknown event types and unsafe URLs with stable codes', async () => {
    const unknown = await admin('POST', '/api/v1/webhook-endpoints', {
      url: `${base}/x`,
      eventTypes: ['stage.changed', 'crm_event.received'],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body?.error?.code).toBe('unknown_event_type');
    const family = await admin('POST', '/api/v1/webhook-endpoints', { url: `${base}/x`, eventTypes: ['nonsense.*'] });
    expect(family.body?.error?.code).toBe('unknown_event_type');
    for (const url of ['http://169.254.169.254/latest/meta-data', 'ftp://127.0.0.1/x', 'http://0.0.0.0:80/x', 'not a url']) {
      const refused = await admin('POST', '/api/v1/webhook-endpoints', { url, eventTypes: ['stage.changed'] });
      expect(refused.status).toBe(400);
      expect(refused.body?.error?.code).toBe('unsafe_webhook_url');
    }
    const fine = await endpoint('/validation', ['contact.*', 'stage.changed']);
    const patched = await admin('PATCH', `/api/v1/webhook-endpoints/${fine.id}`, { url: 'http://[fe80::1]/x' });
    expect(patched.body?.error?.code).toBe('unsafe_webhook_url');
    await admin('DELETE', `/api/v1/webhook-endpoints/${fine.id}`);
  });

  it('delivers on the 4th attempt to a receiver that fails 3 times, same webhook-id, a fresh signature each time', async () => {
    const path = '/fails-three-times';
    // Each failure asks for a second's pause, so that each attempt is signed in a second of its own.
    behaviours.set(path, (_request, count) => (count <= 3 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 204 }));
    const { id } = await endpoint(path, ['opportunity.won']);
    const event = await automationWebhook(id);
    await waitFor(() => at(path).length >= 4, { timeoutMs: 15_000, what: '4 attempts' });
    await new Promise((resolve) => setTimeout(resolve, 800));
    const attempts = at(path);
    expect(attempts).toHaveLength(4);
    expect(new Set(attempts.map((a) => a.id))).toEqual(new Set([(event.data as { runId: string }).runId]));
    expect(new Set(attempts.map((a) => a.signature)).size).toBe(4);
    const timestamps = attempts.map((a) => Number(a.timestamp));
    for (let i = 1; i < timestamps.length; i += 1) expect(timestamps[i]).toBeGreaterThan(timestamps[i - 1] as number);
    for (const attempt of attempts) expect(attempt.verifiedWith).toHaveLength(1);
    expect(attempts[0]?.body).toMatchObject({ type: 'automation.webhook', data: { payload: { hello: 'world' } } });

    const log = await admin('GET', `/api/v1/webhook-endpoints/${id}/deliveries`);
    const [delivery] = log.body?.items as DeliveryDoc[];
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 4, nextAttemptAt: null });
    expect(delivery?.attemptLog.map((a) => a.statusCode)).toEqual([503, 503, 503, 204]);
    expect(delivery?.attemptLog[0]?.responseSnippet).toContain('answer 503');
    const health = await admin('GET', `/api/v1/webhook-endpoints/${id}/health`);
    expect(health.body).toMatchObject({ attempts: 4, succeeded: 1, successRate: 0.25, enabled: true, failingSince: null });

    // The same automation run delivered again (a redelivered event) makes no second delivery.
    await automationWebhook(id, (event.data as { runId: string }).runId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(at(path)).toHaveLength(4);
  }, 30_000);

  it(
    'keeps a healthy endpoint prompt while one always fails and one is slow; the failing one retries, then is disabled',
    async () => {
      const healthyPath = '/healthy';
      const failingPath = '/always-500';
      const slowPath = '/slow';
      behaviours.set(failingPath, () => ({ status: 500 }));
      behaviours.set(slowPath, () => ({ status: 200, delayMs: 2000 }));
      const healthy = await endpoint(healthyPath, ['stage.changed', 'endpoint.disabled']);
      const failing = await endpoint(failingPath, ['stage.changed']);
      const slow = await endpoint(slowPath, ['stage.*']);
      // WEBHOOK_BURST_EVENTS=10000 runs the full burst (slower than a test should be by default).
      const count = Number(process.env.WEBHOOK_BURST_EVENTS ?? 300);
      const published: string[] = [];
      const producedAt = new Map<string, number>();
      const stageChange = () =>
        gateway.publish(EventTypes.stageChanged, {
          contactId: randomUUID(),
          from: 'cold',
          to: 'warm',
          at: new Date().toISOString(),
          source: 'landing',
          offer: null,
          country: 'DE',
        });
      for (let i = 0; i < count; i += 1) {
        const event = await stageChange();
        published.push(event.id);
        producedAt.set(event.id, Date.now());
      }
      const publishedAt = Date.now();
      await waitFor(
        () =>
          new Set(
            at(healthyPath)
              .filter((r) => r.body.type === 'stage.changed')
              .map((r) => r.id),
          ).size === count,
        {
          timeoutMs: Math.max(10_000, count * 5),
          what: 'every event at the healthy endpoint',
        },
      );
      const healthyDone = Date.now() - publishedAt;
      const firstReceipt = new Map<string, number>();
      for (const r of at(healthyPath)) if (!firstReceipt.has(r.id)) firstReceipt.set(r.id, r.at);
      const latencies = published.map((id) => (firstReceipt.get(id) ?? Infinity) - (producedAt.get(id) ?? 0)).sort((a, b) => a - b);
      const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
      process.stdout.write(
        `healthy endpoint: ${count} events, the last ${healthyDone} ms after the burst ended; ` +
          `from production to receipt p50 ${percentile(50)} ms, p99 ${percentile(99)} ms, max ${latencies.at(-1)} ms\n`,
      );
      // Each event reaches the healthy endpoint within 5 s of its production, failing and slow neighbours notwithstanding.
      expect(latencies.at(-1)).toBeLessThan(5000);
      const healthyIds = new Set(at(healthyPath).map((r) => r.id));
      for (const id of published) expect(healthyIds.has(id)).toBe(true);
      for (const r of at(healthyPath)) expect(r.verifiedWith).toHaveLength(1);
      // The slow endpoint is served meanwhile, at its own pace (16 at a time, 2 s each).
      expect(at(slowPath).length).toBeGreaterThan(0);
      expect(at(slowPath).length).toBeLessThan(count);

      // The failing endpoint goes through its retries (same webhook-id, fresh signatures) and is disabled by the failing-too-long
      // rule, at its first failed attempt 4 s into its failing streak. Its burst's retries may all be over by then (8 attempts
      // 200 ms apart), so a stage change every half second keeps attempts coming, as a live workspace would.
      const trickle = setInterval(() => void stageChange().catch(() => undefined), 500);
      try {
        await waitFor(() => disabled.find((event) => event.data.endpointId === failing.id), {
          timeoutMs: 20_000,
          what: 'endpoint.disabled',
        });
      } finally {
        clearInterval(trickle);
      }
      const failingAttempts = at(failingPath);
      const perId = new Map<string, Received[]>();
      for (const r of failingAttempts) perId.set(r.id, [...(perId.get(r.id) ?? []), r]);
      const retried = [...perId.values()].filter((attempts) => attempts.length > 1);
      expect(retried.length).toBeGreaterThan(0);
      for (const attempts of retried) {
        expect(attempts.length).toBeLessThanOrEqual(8);
        // Signed at each attempt: a new second, a new signature (attempts 200 ms apart may share a second).
        expect(new Set(attempts.map((a) => a.signature)).size).toBe(new Set(attempts.map((a) => a.timestamp)).size);
        const timestamps = attempts.map((a) => Number(a.timestamp));
        expect([...timestamps].sort((a, b) => a - b)).toEqual(timestamps);
      }
      expect(retried.some((attempts) => new Set(attempts.map((a) => a.timestamp)).size > 1)).toBe(true);
      for (const r of failingAttempts) expect(r.verifiedWith).toHaveLength(1);
      const event = disabled.find((e) => e.data.endpointId === failing.id);
      expect(event?.data).toMatchObject({ reason: 'failing', url: `${base}${failingPath}` });
      expect(Date.parse(event?.data.disabledAt ?? '') - Date.parse(event?.data.failingSince ?? '')).toBeGreaterThanOrEqual(4000);
      const view = await admin('GET', `/api/v1/webhook-endpoints/${failing.id}`);
      expect(view.body).toMatchObject({ enabled: false, disabledReason: 'failing' });
      const stillPending = await gateway.db.query(
        `SELECT count(*)::int AS n FROM gateway.webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'`,
        [failing.id],
      );
      expect(stillPending[0]).toEqual({ n: 0 });
      // Its endpoint.disabled went out through the outbox and came back to the endpoint subscribed to it.
      await waitFor(() => at(healthyPath).find((r) => r.body.type === 'endpoint.disabled' && r.body.data.endpointId === failing.id), {
        timeoutMs: 10_000,
        what: 'endpoint.disabled at the healthy endpoint',
      });
      await admin('DELETE', `/api/v1/webhook-endpoints/${slow.id}`);
      await admin('DELETE', `/api/v1/webhook-endpoints/${healthy.id}`);
    },
    Math.max(60_000, Number(process.env.WEBHOOK_BURST_EVENTS ?? 0) * 30),
  );

  it('disables an endpoint that answers 410, and waits as long as Retry-After asks on 429', async () => {
    const gonePath = '/gone';
    behaviours.set(gonePath, () => ({ status: 410 }));
    const gone = await endpoint(gonePath, ['opportunity.lost']);
    await automationWebhook(gone.id);
    await waitFor(() => disabled.find((event) => event.data.endpointId === gone.id), {
      timeoutMs: 10_000,
      what: 'endpoint.disabled (gone)',
    });
    expect(disabled.find((event) => event.data.endpointId === gone.id)?.data.reason).toBe('gone');
    expect(at(gonePath)).toHaveLength(1);
    expect((await admin('GET', `/api/v1/webhook-endpoints/${gone.id}`)).body).toMatchObject({ enabled: false, disabledReason: 'gone' });

    const busyPath = '/busy';
    behaviours.set(busyPath, (_request, count) => (count === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    const busy = await endpoint(busyPath, ['opportunity.lost']);
    await automationWebhook(busy.id);
    await waitFor(() => at(busyPath).length >= 2, { timeoutMs: 10_000, what: 'the attempt after Retry-After' });
    const [first, second] = at(busyPath);
    // The schedule says 200 ms; the receiver asked for 2 s.
    expect((second?.at ?? NaN) - (first?.at ?? NaN)).toBeGreaterThanOrEqual(1900);
    expect(second?.id ?? 'second missing').toBe(first?.id ?? 'first missing');
  }, 30_000);

  it('resends one delivery, recovers the failed ones of a window, and sends a test event', async () => {
    const path = '/recoverable';
    let down = true;
    behaviours.set(path, () => ({ status: down ? 503 : 200 }));
    const { id } = await endpoint(path, ['opportunity.created']);
    const since = new Date(Date.now() - 1000).toISOString();
    const runIds = [randomUUID(), randomUUID(), randomUUID()];
    for (const runId of runIds) await automationWebhook(id, runId);
    await waitFor(
      async () => {
        const log = await admin('GET', `/api/v1/webhook-endpoints/${id}/deliveries?status=failed`);
        return (log.body?.items as unknown[]).length === 3;
      },
      { timeoutMs: 15_000, what: '3 failed deliveries' },
    );
    expect(at(path)).toHaveLength(3 * 8);
    down = false;
    const recovered = await admin('POST', `/api/v1/webhook-endpoints/${id}/recover`, {
      since,
      until: new Date(Date.now() + 1000).toISOString(),
    });
    expect(recovered).toEqual({ status: 202, body: { requeued: 3 } });
    await waitFor(() => at(path).filter((r) => r.at > 0).length === 3 * 8 + 3, { timeoutMs: 10_000, what: 'the recovered deliveries' });
    expect(
      new Set(
        at(path)
          .slice(-3)
          .map((r) => r.id),
      ),
    ).toEqual(new Set(runIds));

    const log = await admin('GET', `/api/v1/webhook-endpoints/${id}/deliveries`);
    const delivery = (log.body?.items as Array<{ id: string; status: string; messageId: string }>)[0] as {
      id: string;
      status: string;
      messageId: string;
    };
    expect(delivery.status).toBe('succeeded');
    const resent = await admin('POST', `/api/v1/webhook-endpoints/${id}/deliveries/${delivery.id}/resend`);
    expect(resent.status).toBe(202);
    await waitFor(() => at(path).length === 3 * 8 + 4, { timeoutMs: 10_000, what: 'the resent delivery' });
    expect(at(path).at(-1)?.id).toBe(delivery.messageId);

    const tested = await admin('POST', `/api/v1/webhook-endpoints/${id}/test`);
    expect(tested.status).toBe(202);
    await waitFor(() => at(path).find((r) => r.body.type === 'webhook.test'), { timeoutMs: 10_000, what: 'the test event' });
    expect(at(path).find((r) => r.body.type === 'webhook.test')?.verifiedWith).toHaveLength(1);

    const audit = await gateway.db.query<{ action: string }>(`SELECT action FROM gateway.audit_log WHERE target = $1 ORDER BY id`, [
      `webhook_endpoint:${id}`,
    ]);
    expect(audit.map((row) => row.action)).toEqual([
      'webhook_endpoint.create',
      'webhook_endpoint.recover',
      'webhook_endpoint.resend',
      'webhook_endpoint.test',
    ]);
  }, 45_000);

  it('signs with both the old and the new secret during a rotation’s overlap', async () => {
    const path = '/rotating';
    const { id, secret: oldSecret } = await endpoint(path, ['opportunity.updated']);
    const rotated = await admin('POST', `/api/v1/webhook-endpoints/${id}/secrets/rotate`);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body?.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.body?.endpoint?.secrets).toHaveLength(2);
    secretsByPath.set(path, [oldSecret, newSecret]);
    await automationWebhook(id);
    await waitFor(() => at(path).length === 1, { timeoutMs: 10_000, what: 'the delivery after the rotation' });
    const [delivery] = at(path);
    expect(delivery?.signature.split(' ')).toHaveLength(2);
    expect(delivery?.verifiedWith).toEqual([oldSecret, newSecret]);
  }, 20_000);

  it('keeps to an endpoint’s rate limit, and fails a body over 256 KB without sending it', async () => {
    const path = '/limited';
    const { id } = await endpoint(path, ['opportunity.updated'], { rateLimitPerSecond: 5 });
    for (let i = 0; i < 6; i += 1) await automationWebhook(id);
    await waitFor(() => at(path).length === 6, { timeoutMs: 10_000, what: 'six rate-limited deliveries' });
    const times = at(path).map((r) => r.at);
    // 5 per second: the 6th starts at least 1 s after the 1st (less a little for timers and jitter).
    expect((times[5] ?? NaN) - (times[0] ?? NaN)).toBeGreaterThanOrEqual(900);

    await automationWebhook(id, randomUUID(), { blob: 'x'.repeat(300 * 1024) });
    const [row] = await gateway.waitForRows<{ status: string; last_error: string; total_attempts: number }>(
      `SELECT status, last_error, total_attempts FROM gateway.webhook_deliveries WHERE endpoint_id = $1 AND status = 'failed'`,
      [id],
    );
    expect(row).toMatchObject({ status: 'failed', total_attempts: 0 });
    expect(row?.last_error).toMatch(/larger than 262144 bytes/);
    expect(at(path)).toHaveLength(6);
  }, 20_000);

  it('sends an intake key’s postback on a stage change or a conversion of its leads, through the same deliveries', async () => {
    const source = `affiliate-${randomUUID().slice(0, 8)}`;
    const template = `${base}/postback/${source}?event={event}&status={stage}&from={from_stage}&lead={lead_id}&contact={contact_id}&offer={offer}&click={click_id}`;
    const refused = await admin('POST', '/api/v1/workspaces/default/api-keys', {
      name: `${source}-bad`,
      scopes: ['intake'],
      postbackUrl: `${base}/postback?secret={api_key}`,
    });
    expect(refused.body?.error?.code).toBe('validation_failed');
    const created = await admin('POST', '/api/v1/workspaces/default/api-keys', { name: source, scopes: ['intake'], postbackUrl: template });
    expect(created.status).toBe(201);
    expect(created.body?.postbackUrl).toBe(template);
    // A lead of a source without a postback, which no endpoint subscribes to: wanted by no one, it is
    // acknowledged without a transaction (no inbox row, no click kept). It goes first on its durable.
    const lead = {
      receivedAt: new Date().toISOString(),
      email: null,
      emailValid: false,
      phone: null,
      phoneValid: false,
      country: null,
      offer: null,
      firstName: null,
      lastName: null,
    };
    const otherLeadId = randomUUID();
    const unwanted = await gateway.publish(EventTypes.leadIngested, {
      ...lead,
      leadId: otherLeadId,
      source: 'someone-else',
      clickId: 'clk-other',
    });
    // The sender's leads, with the click ids it sent: the one that moves the contact, the one that converts.
    const [movingLeadId, leadId] = [randomUUID(), randomUUID()];
    for (const [id, clickId] of [
      [movingLeadId, 'clk-moving'],
      [leadId, 'clk converting/1'],
    ] as const) {
      await gateway.publish(EventTypes.leadIngested, { ...lead, leadId: id, source, clickId });
    }
    await gateway.waitForRows(`SELECT 1 FROM gateway.postback_clicks WHERE lead_id = ANY($1::text[]) HAVING count(*) = 2`, [
      [movingLeadId, leadId],
    ]);
    const recorded = await gateway.db.query(`SELECT event_id::text FROM gateway.inbox WHERE event_id = $1::uuid`, [unwanted.id]);
    expect(recorded).toEqual([]);
    expect(await gateway.db.query(`SELECT lead_id FROM gateway.postback_clicks WHERE lead_id = $1`, [otherLeadId])).toEqual([]);
    // Two stages a lead of another key reaches, and one of this key's: only this key's is told.
    const contactId = randomUUID();
    const stage = { from: 'warm', to: 'hot', at: new Date().toISOString(), offer: 'spring sale', country: null } as const;
    await gateway.publish(EventTypes.stageChanged, { ...stage, contactId: randomUUID(), source: 'someone-else' });
    await gateway.publish(EventTypes.stageChanged, { ...stage, contactId, source, activityId: movingLeadId });
    await gateway.publish(EventTypes.leadConverted, {
      leadId,
      contactId,
      opportunityId: null,
      source,
      offer: null,
      convertedAt: new Date().toISOString(),
    });
    const path = `/postback/${source}`;
    const postbacks = () => received.filter((r) => r.path.startsWith(path));
    await waitFor(() => postbacks().length === 2, { timeoutMs: 10_000, what: 'two postbacks' });
    const urls = postbacks()
      .map((r) => new URL(r.path, base))
      .sort((a, b) => (a.searchParams.get('event') ?? '').localeCompare(b.searchParams.get('event') ?? ''));
    expect(postbacks().every((r) => r.method === 'GET')).toBe(true);
    expect(Object.fromEntries(urls[0]?.searchParams ?? [])).toEqual({
      event: 'lead.converted',
      status: 'converted',
      from: '',
      lead: leadId,
      contact: contactId,
      offer: '',
      click: 'clk converting/1',
    });
    expect(Object.fromEntries(urls[1]?.searchParams ?? [])).toEqual({
      event: 'stage.changed',
      status: 'hot',
      from: 'warm',
      lead: '',
      contact: contactId,
      offer: 'spring sale',
      click: 'clk-moving',
    });

    // A revoked key's postback stops.
    const revoked = await admin('DELETE', `/api/v1/workspaces/default/api-keys/${created.body?.id as string}`);
    expect(revoked.status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await gateway.publish(EventTypes.stageChanged, { ...stage, contactId, source });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(postbacks()).toHaveLength(2);
  }, 30_000);
});

/** A gateway as deployed: webhook endpoints may not reach loopback or private addresses. */
describe('gateway: outbound webhooks without private targets', () => {
  let gateway: AppHarness;
  let receiver: Server;
  let base: string;
  let hits = 0;

  beforeAll(async () => {
    receiver = createServer((_request, response) => {
      hits += 1;
      response.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    gateway = await AppHarness.start('gateway', {
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false',
      WEBHOOK_RETRY_DELAYS_MS: '100',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      LOG_LEVEL: 'info',
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${gateway.port}${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as ApiBody) };
  };

  it('refuses loopback, private and metadata URLs when the endpoint is saved', async () => {
    for (const url of [
      `${base}/hook`,
      'http://localhost:8080/hook',
      'http://10.0.0.5/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/',
    ]) {
      const refused = await admin('POST', '/api/v1/webhook-endpoints', { url, eventTypes: ['stage.changed'] });
      expect(refused.status).toBe(400);
      expect(refused.body?.error?.code).toBe('unsafe_webhook_url');
    }
  });

  it('refuses a host that does not resolve when the endpoint is saved', async () => {
    const created = await admin('POST', '/api/v1/webhook-endpoints', {
      url: 'https://hooks.example.invalid/hook',
      eventTypes: ['stage.changed'],
    });
    expect(created.status).toBe(400);
    expect(created.body?.error?.code).toBe('unsafe_webhook_url');
  });

  it('checks again at each attempt: an endpoint stored with a loopback URL (saved under other rules) is never reached', async () => {
    const id = randomUUID();
    await gateway.db.query(
      `INSERT INTO gateway.webhook_endpoints (id, workspace_id, url, event_types, created_by) VALUES ($1, 'default', $2, '{stage.changed}', 'test')`,
      [id, `${base}/hook`],
    );
    await gateway.db.query(
      `INSERT INTO gateway.webhook_endpoint_secrets (id, endpoint_id, secret) VALUES ($1, $2, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')`,
      [randomUUID(), id],
    );
    const tested = await admin('POST', `/api/v1/webhook-endpoints/${id}/test`);
    expect(tested.status).toBe(202);
    const [row] = await gateway.waitForRows<{ status: string; last_error: string }>(
      `SELECT status, last_error FROM gateway.webhook_deliveries WHERE endpoint_id = $1 AND status = 'failed'`,
      [id],
    );
    expect(row?.last_error).toMatch(/loopback/);
    expect(hits).toBe(0);
  }, 20_000);
});
