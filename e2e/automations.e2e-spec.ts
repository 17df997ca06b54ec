import type {
  AutomationBackfillView,
  AutomationRunView,
  AutomationView,
  AutomationWebhookRequestedData,
  ContactView,
  LeadView,
  Page,
} from '@leadflow/contracts';
import { EventTypes } from '@leadflow/contracts';
import { waitFor } from '@leadflow/testing';
import { E2E_ADMIN_KEY, E2E_INTAKE_KEY, Platform } from './platform';

/**
 * Automations through the gateway: audited CRUD with clear 400s, a stage change scoring makes
 * running an automation whose actions contacts applies and whose webhook is requested once, the run
 * log, a backfill with progress; and a SIGKILL of scoring in the middle of a burst, after which each
 * automation ran exactly once per contact.
 */
describe('automations, through the gateway', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; etag: string | null }> => {
    const response = await fetch(platform.gateway.url(path), {
      method,
      headers: {
        Authorization: `Bearer ${E2E_ADMIN_KEY}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T, etag: response.headers.get('etag') };
  };

  async function postLead(email: string, phone: string): Promise<string> {
    for (;;) {
      try {
        const sent = await fetch(platform.gateway.url('/api/v1/leads'), {
          method: 'POST',
          headers: { 'X-Api-Key': E2E_INTAKE_KEY, 'Content-Type': 'application/json', 'Idempotency-Key': email },
          body: JSON.stringify({ email, phone, offer: 'spring' }),
        });
        if (sent.status === 201 || sent.status === 409) return String(((await sent.json()) as { id: string }).id);
      } catch {
        // The platform is busy restarting: the same key again is safe.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function contactOf(leadId: string): Promise<string> {
    let contactId: string | null = null;
    await waitFor(
      async () => {
        contactId = (await call<LeadView>('GET', `/api/v1/leads/${leadId}`)).body.contactId ?? null;
        return contactId !== null;
      },
      { timeoutMs: 30000, what: 'the lead attributed' },
    );
    return contactId as unknown as string;
  }

  /** A webhook endpoint and an admin of the workspace, which the automations' actions name. */
  let endpointId: string;
  let owner: string;

  beforeAll(async () => {
    const endpoint = await call<{ id: string }>('POST', '/api/v1/webhook-endpoints', {
      url: 'http://127.0.0.1:9/automations',
      eventTypes: ['automation.*'],
    });
    expect(endpoint.status).toBe(201);
    endpointId = endpoint.body.id;
    const admins = await call<{ items: Array<{ accountId: string }> }>('GET', '/api/v1/workspaces/default/admins');
    owner = admins.body.items[0]?.accountId as string;
    expect(owner).toBeDefined();
  });

  it('manages automations with audit and clear 400s, runs one on a stage change once, and backfills the contacts that match', async () => {
    const bad = await call<{ error: { code: string; message: string } }>('POST', '/api/v1/automations', {
      name: 'Bad',
      trigger: { type: 'stage_changed', toStage: 'boiling' },
      actions: [{ type: 'add_tag', tag: 'x' }],
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_automation']);
    const malformed = await call<{ error: { code: string } }>('POST', '/api/v1/automations', { name: 7, trigger: {}, actions: [] });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'validation_failed']);
    expect((await call('GET', '/api/v1/automations/nope')).status).toBe(400);
    // The actions name an endpoint and admins of this workspace.
    const strangers = [
      { type: 'webhook', endpointId: '0190a5b2-0000-7000-8000-0000000000e1' },
      { type: 'assign_owner', strategy: 'fixed', ownerIds: ['0190a5b2-0000-7000-8000-0000000000a1'] },
    ];
    for (const [index, action] of strangers.entries()) {
      const refused = await call<{ error: { code: string; message: string } }>('POST', '/api/v1/automations', {
        name: 'Strangers',
        trigger: { type: 'stage_changed', toStage: 'warm' },
        actions: [{ type: 'add_tag', tag: 'x' }, action],
      });
      expect([refused.status, refused.body.error.code]).toEqual([400, 'invalid_automation']);
      expect(refused.body.error.message).toContain(`actions[1].${index === 0 ? 'endpointId' : 'ownerIds'}`);
    }

    const created = await call<AutomationView>('POST', '/api/v1/automations', {
      name: 'Warm leads',
      trigger: { type: 'stage_changed', toStage: 'warm' },
      conditions: { offer: 'spring' },
      actions: [
        { type: 'webhook', endpointId },
        { type: 'add_tag', tag: 'warm-lead' },
        { type: 'assign_owner', strategy: 'fixed', ownerIds: [owner] },
      ],
      enabled: true,
    });
    expect([created.status, created.etag]).toEqual([201, '"1"']);
    const automation = created.body;
    const got = await call<AutomationView>('GET', `/api/v1/automations/${automation.id}`);
    expect([got.body, got.etag]).toEqual([automation, '"1"']);
    // Changes name the version they were made from.
    expect((await call('PATCH', `/api/v1/automations/${automation.id}`, { name: 'x' })).status).toBe(428);
    const patched = await call<AutomationView>(
      'PATCH',
      `/api/v1/automations/${automation.id}`,
      { name: 'Warm spring leads' },
      { 'If-Match': '"1"' },
    );
    expect([patched.status, patched.body.name, patched.body.version, patched.etag]).toEqual([200, 'Warm spring leads', 2, '"2"']);
    const stale = await call<{ error: { code: string }; current: AutomationView }>(
      'PATCH',
      `/api/v1/automations/${automation.id}`,
      { enabled: false },
      { 'If-Match': '"1"' },
    );
    expect([stale.status, stale.body.error.code, stale.body.current.version, stale.body.current.enabled]).toEqual([
      412,
      'version_conflict',
      2,
      true,
    ]);
    const list = await call<Page<AutomationView>>('GET', '/api/v1/automations');
    expect(list.body.items.map((a) => a.id)).toContain(automation.id);

    const contact = await contactOf(await postLead('auto.one@example.com', '+49 30 901830'));
    const read = await waitFor(
      async () => {
        const current = (await call<ContactView>('GET', `/api/v1/contacts/${contact}`)).body;
        return current.tags.includes('warm-lead') && current.ownerId === owner ? current : undefined;
      },
      { timeoutMs: 30000, what: 'the automation’s tag and owner on the contact' },
    );
    expect(read).toMatchObject({ tags: ['warm-lead'], ownerId: owner, stage: 'warm' });
    expect(read.version).toBeGreaterThanOrEqual(2);

    const runs = await call<Page<AutomationRunView>>('GET', `/api/v1/automations/${automation.id}/runs`);
    expect(runs.body.items).toHaveLength(1);
    expect(runs.body.items[0]).toMatchObject({ contactId: contact, trigger: 'stage_changed', outcome: 'completed', error: null });
    const webhooks = (await platform.published<AutomationWebhookRequestedData>(EventTypes.automationWebhookRequested)).filter(
      (e) => e.data.automationId === automation.id,
    );
    expect(webhooks.map((e) => [e.data.contactId, e.data.endpointId, e.data.runId])).toEqual([
      [contact, endpointId, runs.body.items[0]?.id],
    ]);

    // A second automation for the warm contacts there are already, with its progress.
    const second = await call<AutomationView & { backfill: AutomationBackfillView }>('POST', '/api/v1/automations', {
      name: 'Already warm',
      trigger: { type: 'stage_changed', toStage: 'warm' },
      actions: [{ type: 'add_tag', tag: 'was-warm' }],
      runForExisting: true,
    });
    expect([second.status, second.body.backfill?.status]).toEqual([201, 'running']);
    let progress: AutomationBackfillView | undefined;
    await waitFor(
      async () => {
        progress = (await call<AutomationBackfillView>('GET', `/api/v1/automations/${second.body.id}/backfill`)).body;
        return progress.status === 'done';
      },
      { timeoutMs: 30000, what: 'the backfill done' },
    );
    expect(progress).toMatchObject({ status: 'done', matched: 1 });
    expect(progress?.processed).toBe(progress?.total);
    expect((await call('POST', `/api/v1/automations/${second.body.id}/backfill`)).status).toBe(202);
    await waitFor(async () => (await call<ContactView>('GET', `/api/v1/contacts/${contact}`)).body.tags.includes('was-warm'), {
      timeoutMs: 30000,
      what: 'the backfill’s tag',
    });

    expect((await call('DELETE', `/api/v1/automations/${second.body.id}`)).status).toBe(428);
    expect((await call('DELETE', `/api/v1/automations/${second.body.id}`, undefined, { 'If-Match': '"1"' })).status).toBe(204);
    expect((await call('DELETE', `/api/v1/automations/${second.body.id}`, undefined, { 'If-Match': '"1"' })).status).toBe(404);
    const audit = await platform.db.query<{ action: string }>(
      `SELECT action FROM gateway.audit_log WHERE action LIKE 'automation%' ORDER BY at, id`,
    );
    expect(audit.map((a) => a.action)).toEqual([
      'automation.create',
      'automation.update',
      'automation.create',
      'automation.backfill',
      'automation.delete',
    ]);
  });

  it('runs each automation exactly once per contact when scoring is killed in the middle of a burst', async () => {
    let killedAt = 0;
    const automation = (
      await call<AutomationView>('POST', '/api/v1/automations', {
        name: 'Every new stage',
        trigger: { type: 'stage_changed', fromStage: null },
        actions: [{ type: 'webhook', endpointId }],
      })
    ).body;
    const total = 12;
    const runCount = async () =>
      Number(
        (
          await platform.db.query<{ n: string }>(`SELECT count(*) AS n FROM scoring.automation_runs WHERE automation_id = $1`, [
            automation.id,
          ])
        )[0]?.n,
      );
    const leads: Array<Promise<string>> = [];
    for (let i = 0; i < total; i += 1) {
      leads.push(postLead(`auto.burst.${i}@example.com`, `+49 30 9019${String(i).padStart(2, '0')}`));
      if (i === 5) {
        // Scoring is killed once it has run the automation for some of the burst, the rest still coming.
        await waitFor(async () => (await runCount()) >= 1, { timeoutMs: 30000, what: 'the first runs' });
        await platform.kill('scoring');
        killedAt = await runCount();
        await platform.restart('scoring');
      }
    }
    expect(killedAt).toBeLessThan(total);
    const contacts = await Promise.all((await Promise.all(leads)).map(contactOf));
    expect(new Set(contacts).size).toBe(total);
    await waitFor(
      async () => {
        const rows = await platform.db.query<{ n: string }>(`SELECT count(*) AS n FROM scoring.automation_runs WHERE automation_id = $1`, [
          automation.id,
        ]);
        return Number(rows[0]?.n) === total;
      },
      { timeoutMs: 60000, what: 'a run per contact' },
    );
    const perContact = await platform.db.query<{ contact_id: string; n: string }>(
      `SELECT contact_id, count(*) AS n FROM scoring.automation_runs WHERE automation_id = $1 GROUP BY contact_id`,
      [automation.id],
    );
    expect(perContact.map((r) => r.contact_id).sort()).toEqual([...contacts].sort());
    expect(perContact.every((r) => r.n === '1')).toBe(true);
    const published = await waitFor(
      async () => {
        const list = (await platform.published<AutomationWebhookRequestedData>(EventTypes.automationWebhookRequested)).filter(
          (e) => e.data.automationId === automation.id,
        );
        return list.length >= total ? list : undefined;
      },
      { timeoutMs: 30000, what: 'the webhooks published' },
    );
    expect(published.map((e) => e.data.contactId).sort()).toEqual([...contacts].sort());
  });

  it('runs a contact_created automation for a contact a lead makes, and delivers that contact to webhooks as a contact.created', async () => {
    const endpoint = await call<{ id: string }>('POST', '/api/v1/webhook-endpoints', {
      url: 'http://127.0.0.1:9/contacts',
      eventTypes: ['contact.created'],
    });
    expect(endpoint.status).toBe(201);
    const welcome = await call<AutomationView>('POST', '/api/v1/automations', {
      name: 'Welcome',
      trigger: { type: 'contact_created' },
      actions: [{ type: 'add_tag', tag: 'welcome' }],
    });
    expect(welcome.status).toBe(201);

    const leadId = await postLead('auto.welcome@example.com', '+49 30 901899');
    const contact = await contactOf(leadId);
    await waitFor(async () => (await call<ContactView>('GET', `/api/v1/contacts/${contact}`)).body.tags.includes('welcome'), {
      timeoutMs: 30000,
      what: 'the contact_created automation’s tag on the contact the lead made',
    });
    // (Contacts the previous test's leads made just before may run it too: a consumer that starts on
    // demand takes what was stored since the last check that found nothing wanted.)
    const runs = await call<Page<AutomationRunView>>('GET', `/api/v1/automations/${welcome.body.id}/runs?limit=100`);
    expect(runs.body.items.filter((run) => run.contactId === contact).map((run) => [run.trigger, run.outcome])).toEqual([
      ['contact_created', 'completed'],
    ]);

    // The contact was announced on its own subject, naming the lead, and on no other.
    const announced = (await platform.published<{ contactId: string; leadId?: string }>(EventTypes.contactCreatedFromLead)).filter(
      (e) => e.data.contactId === contact,
    );
    expect(announced.map((e) => e.data.leadId)).toEqual([leadId]);
    const plain = (await platform.published<{ contactId: string }>(EventTypes.contactCreated)).filter((e) => e.data.contactId === contact);
    expect(plain).toEqual([]);
    const deliveries = await waitFor(
      async () => {
        const page = await call<Page<{ messageId: string; eventType: string }>>(
          'GET',
          `/api/v1/webhook-endpoints/${endpoint.body.id}/deliveries?limit=100`,
        );
        const ours = page.body.items.filter((delivery) => delivery.messageId === announced[0]?.id);
        return ours.length > 0 ? ours : undefined;
      },
      { timeoutMs: 30000, what: 'the webhook delivery of the new contact' },
    );
    expect(deliveries.map((d) => d.eventType)).toEqual(['contact.created']);
  });
});
