import type { ServiceName } from '@leadflow/contracts';
import { type CrmWebhookPayload, type CrmWebhookPlan, planCrmWebhooks, waitFor } from '@leadflow/testing';
import { Webhook } from 'standardwebhooks';
import { inParallel } from './lead-load';
import { E2E_ADMIN_KEY, Platform } from './platform';

/**
 * CRM webhooks through the gateway with all five apps: signed with the `standardwebhooks` package
 * as a partner CRM signs them, stored by ingestion before the answer, applied by contacts. A burst
 * with resends and late events ends in exactly the newest state of every CRM record, also when
 * ingestion and contacts are SIGKILLed during it; a paused integration keeps what it receives and
 * applies all of it once resumed.
 */

/**
 * Redelivery after a SIGKILL comes after the ack wait, and an opportunity that arrives before its
 * contact is retried after the CRM retry delay: keep both short so the suite stays quick.
 */
const FAST_REDELIVERY = { EVENT_ACK_WAIT_SECONDS: '5', CRM_RETRY_BASE_MS: '1000' };
const SENDERS = 50;
const BURST = { count: 5_000, duplicateRate: 0.1, outOfOrderRate: 0.2 };
const PAUSED_EVENTS = 1_000;
const SETTLE_TIMEOUT_MS = 120_000;

/** The CRM time of a plan's first event: far enough back that its last one (a burst spans about two days) is not in the future. */
const crmPast = (): Date => new Date(Date.now() - 4 * 86_400_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Integration {
  id: string;
  secret: string;
}

interface Delivery {
  status: number;
  /** Sends again after no answer or a 5xx. */
  retries: number;
}

describe('CRM webhooks: signed, stored first, applied once in their newest state', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start({ env: FAST_REDELIVERY });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  async function admin<T>(method: string, pathname: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(platform.gateway.url(pathname), {
      method,
      headers: { authorization: `Bearer ${E2E_ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
  }

  async function createIntegration(name: string): Promise<Integration> {
    const created = await admin<Integration & { kind: string }>('POST', '/api/v1/integrations', { name, kind: 'standard' });
    expect({ status: created.status, kind: created.body.kind, secret: created.body.secret.startsWith('whsec_') }).toEqual({
      status: 201,
      kind: 'standard',
      secret: true,
    });
    return created.body;
  }

  /** The request a Standard Webhooks sender makes, signed by the ecosystem's own package. */
  function signed(integration: Integration, payload: CrmWebhookPayload, at = new Date(), secret = integration.secret) {
    const body = JSON.stringify(payload);
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': payload.id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(payload.id, at, body),
      },
    };
  }

  async function post(integration: Integration, request: { body: string; headers: Record<string, string> }) {
    const response = await fetch(platform.gateway.url(`/api/v1/webhooks/${integration.id}`), {
      method: 'POST',
      headers: request.headers,
      body: request.body,
    });
    return { status: response.status, text: await response.text() };
  }

  /** Sends one webhook as a CRM does: again (signed anew, the same id) while the platform is unreachable or answers 5xx. */
  async function deliver(integration: Integration, payload: CrmWebhookPayload): Promise<Delivery> {
    for (let retries = 0; ; retries += 1) {
      try {
        const answer = await post(integration, signed(integration, payload));
        if (answer.status < 500) return { status: answer.status, retries };
      } catch {
        // The gateway restarting or the connection reset: send again.
      }
      if (retries > 100) throw new Error(`webhook ${payload.id} was not acknowledged after 100 retries`);
      await sleep(200);
    }
  }

  /** The log of an integration, from the database: each webhook id and its status. */
  async function logOf(integrationId: string) {
    return platform.db.query<{
      external_event_id: string;
      status: string;
      reason: string | null;
      error: string | null;
      attempts: number;
      dead_lettered: boolean;
      held: boolean;
    }>(
      `SELECT "external_event_id", "status", "reason", "error", "attempts", "dead_lettered", "held" FROM ingestion.crm_events_log WHERE "integration_id" = $1`,
      [integrationId],
    );
  }

  /** Waits until no event of the integration waits: none received and unanswered, none failed with a retry to come. */
  async function waitUntilSettled(integrationId: string, events: number): Promise<void> {
    await waitFor(
      async () => {
        const log = await logOf(integrationId);
        // A failure that ingestion refused on reading (attempt 0) is final: the assertions after the wait name it.
        const waiting = log.filter((e) => e.status === 'received' || (e.status === 'failed' && !e.dead_lettered && e.attempts > 0));
        if (log.length === events && waiting.length === 0) return true;
        const byStatus = new Map<string, number>();
        for (const e of waiting) {
          const key = `${e.status}${e.held ? ' (held)' : ''}${e.error ? `: ${e.error.slice(0, 120)}` : ''} (attempt ${e.attempts})`;
          byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
        }
        throw new Error(`${log.length} stored, waiting: ${JSON.stringify(Object.fromEntries(byStatus))}`);
      },
      { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 500, what: `the ${events} events of integration ${integrationId} applied` },
    );
  }

  async function contactsOf(integrationId: string) {
    return platform.db.query<{
      external_id: string;
      email: string;
      phone: string | null;
      first_name: string;
      last_name: string;
      company: string;
      title: string;
    }>(
      `SELECT l."external_id", c."email", c."phone", c."first_name", c."last_name", c."company", c."title"
       FROM contacts.crm_links l JOIN contacts.contacts c ON c."id" = l."record_id"
       WHERE l."integration_id" = $1 AND l."object_type" = 'contact' AND c."deleted_at" IS NULL
       ORDER BY l."external_id"`,
      [integrationId],
    );
  }

  async function opportunitiesOf(integrationId: string) {
    return platform.db.query<{ external_id: string; contact: string; name: string; amount: string; currency: string; stage: string }>(
      `SELECT l."external_id", cl."external_id" AS "contact", o."name", o."amount"::text AS "amount", o."currency", o."stage"
       FROM contacts.crm_links l JOIN contacts.opportunities o ON o."id" = l."record_id"
       JOIN contacts.crm_links cl ON cl."integration_id" = l."integration_id" AND cl."object_type" = 'contact' AND cl."record_id" = o."contact_id"
       WHERE l."integration_id" = $1 AND l."object_type" = 'opportunity' AND o."deleted_at" IS NULL
       ORDER BY l."external_id"`,
      [integrationId],
    );
  }

  const byExternalId = (a: { external_id: string }, b: { external_id: string }) => (a.external_id < b.external_id ? -1 : 1);

  function expectedContacts(plan: CrmWebhookPlan) {
    return plan.expected.contacts
      .filter((c) => !c.deleted)
      .map((c) => ({
        external_id: c.externalId,
        email: c.email,
        phone: c.phone,
        first_name: c.firstName,
        last_name: c.lastName,
        company: c.company,
        title: c.title,
      }))
      .sort(byExternalId);
  }

  function expectedOpportunities(plan: CrmWebhookPlan) {
    return plan.expected.opportunities
      .map((o) => ({
        external_id: o.externalId,
        contact: o.contactExternalId,
        name: o.name,
        amount: o.amount,
        currency: o.currency,
        stage: o.stage,
      }))
      .sort(byExternalId);
  }

  it('answers a valid webhook 202 once and its resend 200; a tampered body, a wrong secret and an old timestamp get 401 and are kept', async () => {
    const integration = await createIntegration('signatures');
    const plan = planCrmWebhooks({ count: 1, seed: 7, duplicateRate: 0, outOfOrderRate: 0, startAt: crmPast() });
    const payload = plan.webhooks[0]?.payload as CrmWebhookPayload;
    const valid = signed(integration, payload);

    const first = await post(integration, valid);
    const again = await post(integration, valid);
    const tampered = await post(integration, { ...valid, body: valid.body.replace(payload.data.id, `${payload.data.id}x`) });
    const wrongSecret = await post(
      integration,
      signed(integration, payload, new Date(), 'whsec_' + Buffer.alloc(32, 7).toString('base64')),
    );
    const old = await post(integration, signed(integration, payload, new Date(Date.now() - 3_600_000)));

    const code = (text: string) => (JSON.parse(text) as { error?: { code?: string } }).error?.code;
    expect({
      first: first.status,
      again: again.status,
      tampered: [tampered.status, code(tampered.text)],
      wrongSecret: [wrongSecret.status, code(wrongSecret.text)],
      old: [old.status, code(old.text)],
    }).toEqual({
      first: 202,
      again: 200,
      tampered: [401, 'invalid_signature'],
      wrongSecret: [401, 'invalid_signature'],
      old: [401, 'stale_timestamp'],
    });
    await waitUntilSettled(integration.id, 1);
    expect((await logOf(integration.id)).map((e) => [e.external_event_id, e.status])).toEqual([[payload.id, 'processed']]);
    const rejected = await platform.db.query<{ code: string }>(
      `SELECT "code" FROM ingestion.crm_rejected_webhooks WHERE "integration_id" = $1 ORDER BY "received_at", "code"`,
      [integration.id],
    );
    expect(rejected.map((r) => r.code).sort()).toEqual(['invalid_signature', 'invalid_signature', 'stale_timestamp']);
    expect(await contactsOf(integration.id)).toHaveLength(1);
  }, 60_000);

  it(`ends a burst of ${BURST.count} webhooks (10 % resent, 20 % late) in the newest state of every record, with ingestion and contacts SIGKILLed during it`, async () => {
    const integration = await createIntegration('burst');
    const plan = planCrmWebhooks({ ...BURST, seed: 2026, startAt: crmPast() });
    const victims: ServiceName[] = ['ingestion', 'contacts'];
    let answered = 0;
    const kills: Array<{ service: ServiceName; at: number; restartMs: number }> = [];
    let killing = Promise.resolve();
    const deliveries = await inParallel(plan.webhooks, SENDERS, async (webhook) => {
      const delivery = await deliver(integration, webhook.payload);
      answered += 1;
      // One kill at a third of the burst, the next at two thirds, each app back before the next dies.
      const victim = victims[kills.length];
      if (victim && answered >= ((kills.length + 1) * plan.webhooks.length) / 3) {
        kills.push({ service: victim, at: answered, restartMs: 0 });
        const kill = kills[kills.length - 1] as (typeof kills)[number];
        killing = killing.then(async () => {
          const started = Date.now();
          await platform.kill(victim);
          await platform.restart(victim);
          kill.restartMs = Date.now() - started;
        });
      }
      return delivery;
    });
    await killing;
    await waitUntilSettled(integration.id, plan.counts.distinct);

    const statuses = deliveries.map((d) => d.status);
    const log = await logOf(integration.id);
    const count = (predicate: (e: (typeof log)[number]) => boolean) => log.filter(predicate).length;
    process.stdout.write(
      `[crm-webhooks] ${plan.webhooks.length} webhooks (${plan.counts.duplicates} resent, ${plan.counts.outOfOrder} late), ` +
        `${deliveries.reduce((n, d) => n + d.retries, 0)} retries, kills: ${kills.map((k) => `${k.service} at ${k.at} (restart ${k.restartMs} ms)`).join(', ')}; ` +
        `${count((e) => e.status === 'processed')} processed, ${count((e) => e.status === 'skipped')} skipped\n`,
    );
    expect(kills.map((k) => k.service)).toEqual(victims);
    // Every webhook acknowledged: 202 stored, or 200 for one whose id was stored before.
    expect(statuses.filter((s) => s !== 202 && s !== 200)).toEqual([]);
    // Each distinct webhook stored once, none failed for good.
    expect(new Set(log.map((e) => e.external_event_id)).size).toBe(plan.counts.distinct);
    expect(log.filter((e) => e.status === 'failed')).toEqual([]);
    expect(await contactsOf(integration.id)).toEqual(expectedContacts(plan));
    expect(await opportunitiesOf(integration.id)).toEqual(expectedOpportunities(plan));
  }, 300_000);

  it(`keeps ${PAUSED_EVENTS} webhooks received while paused and applies every one after resume`, async () => {
    const integration = await createIntegration('paused');
    expect((await admin('POST', `/api/v1/integrations/${integration.id}/pause`)).status).toBe(200);
    const plan = planCrmWebhooks({ count: PAUSED_EVENTS, seed: 99, duplicateRate: 0, outOfOrderRate: 0, startAt: crmPast() });
    const deliveries = await inParallel(plan.webhooks, SENDERS, (webhook) => deliver(integration, webhook.payload));
    expect(deliveries.filter((d) => d.status !== 202)).toEqual([]);

    // Paused: all stored and held, nothing applied.
    await sleep(1_000);
    const held = await logOf(integration.id);
    expect({ stored: held.length, held: held.filter((e) => e.held && e.status === 'received').length }).toEqual({
      stored: PAUSED_EVENTS,
      held: PAUSED_EVENTS,
    });
    expect(await contactsOf(integration.id)).toEqual([]);

    expect((await admin('POST', `/api/v1/integrations/${integration.id}/resume`)).status).toBe(200);
    await waitUntilSettled(integration.id, PAUSED_EVENTS);
    const log = await logOf(integration.id);
    expect(log.filter((e) => e.status !== 'processed' && e.status !== 'skipped')).toEqual([]);
    expect(await contactsOf(integration.id)).toEqual(expectedContacts(plan));
    expect(await opportunitiesOf(integration.id)).toEqual(expectedOpportunities(plan));
  }, 180_000);
});
