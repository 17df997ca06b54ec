// Two workspaces on the running platform: each sees only its own leads, contacts and counts.
import type { ContactView, LeadView, LeadsSummaryReport } from '@leadflow/contracts';
import { waitFor } from '@leadflow/testing';
import { E2E_ADMIN_KEY, E2E_INTAKE_KEY, E2E_OWNER, Platform } from './platform';

describe('workspaces, through the gateway, across all five apps', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const call = async (method: string, path: string, credential: string, body?: unknown) => {
    const response = await fetch(platform.gateway.url(path), {
      method,
      headers: { Authorization: `Bearer ${credential}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null };
  };

  it("keeps each workspace's leads, contacts and metrics to itself", async () => {
    // The bootstrap owner creates a second workspace, switches to it, and makes its keys.
    const signedIn = await call('POST', '/api/v1/auth/login', '', { email: E2E_OWNER.email, password: E2E_OWNER.password });
    expect(signedIn.status).toBe(200);
    const created = await call('POST', '/api/v1/workspaces', String(signedIn.body?.accessToken), { name: 'Second brand' });
    expect(created.status).toBe(201);
    const brandId = String(created.body?.id);
    const switched = await call('POST', '/api/v1/auth/refresh', '', { refreshToken: signedIn.body?.refreshToken, workspaceId: brandId });
    const brandToken = String(switched.body?.accessToken);
    const intake = await call('POST', `/api/v1/workspaces/${brandId}/api-keys`, brandToken, { name: 'brand-site', scopes: ['intake'] });
    const brandIntakeKey = String(intake.body?.key);

    // The same person writes to both workspaces.
    const lead = { email: 'same.person@example.com', phone: '+49 30 901820', offer: 'spring' };
    const send = async (key: string) => {
      const response = await fetch(platform.gateway.url('/api/v1/leads'), {
        method: 'POST',
        headers: { 'X-Api-Key': key, 'Content-Type': 'application/json' },
        body: JSON.stringify(lead),
      });
      expect(response.status).toBe(201);
      return String(((await response.json()) as { id: string }).id);
    };
    const brandLead = await send(brandIntakeKey);
    const defaultLead = await send(E2E_INTAKE_KEY);

    const attributed = async (credential: string, id: string) => {
      let view: LeadView | undefined;
      await waitFor(
        async () => {
          const answer = await call('GET', `/api/v1/leads/${id}`, credential);
          view = answer.body as unknown as LeadView;
          return answer.status === 200 && typeof view.contactId === 'string';
        },
        { timeoutMs: 20000, what: `lead ${id} attributed` },
      );
      return view as LeadView;
    };
    const brandView = await attributed(brandToken, brandLead);
    const defaultView = await attributed(E2E_ADMIN_KEY, defaultLead);
    expect(brandView).toMatchObject({ workspaceId: brandId, source: 'brand-site' });
    expect(defaultView).toMatchObject({ workspaceId: 'default', source: 'default' });
    // One person, two workspaces: two contacts, neither visible from the other workspace.
    expect(brandView.contactId).not.toBe(defaultView.contactId);

    const crossed = await Promise.all([
      call('GET', `/api/v1/leads/${brandLead}`, E2E_ADMIN_KEY),
      call('GET', `/api/v1/contacts/${brandView.contactId}`, E2E_ADMIN_KEY),
      call('GET', `/api/v1/contacts/${brandView.contactId}/score`, E2E_ADMIN_KEY),
      call('GET', `/api/v1/leads/${defaultLead}`, brandToken),
      call('GET', `/api/v1/contacts/${defaultView.contactId}`, brandToken),
      call('GET', `/api/v1/workspaces/default/api-keys`, brandToken),
    ]);
    expect(crossed.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 404]);
    const own = await call('GET', `/api/v1/contacts/${brandView.contactId}`, brandToken);
    expect((own.body as unknown as ContactView).leadIds).toEqual([brandLead]);

    const listed = await call('GET', `/api/v1/contacts?email=${encodeURIComponent(lead.email)}`, brandToken);
    expect((listed.body?.items as Array<{ id: string }>).map((contact) => contact.id)).toEqual([brandView.contactId]);

    // Each workspace counts its own lead; the two leads' events may reach metrics in separate batches.
    const today = new Date().toISOString().slice(0, 10);
    const total = async (credential: string) =>
      ((await call('GET', `/api/v1/metrics/leads/summary?from=${today}&to=${today}`, credential)).body as unknown as LeadsSummaryReport)
        .total;
    await waitFor(async () => (await total(brandToken)) === 1 && (await total(E2E_ADMIN_KEY)) === 1, {
      timeoutMs: 20000,
      what: "each workspace's metrics",
    });
    // Counted once each, and neither workspace's lead in the other's count.
    expect([await total(brandToken), await total(E2E_ADMIN_KEY)]).toEqual([1, 1]);
  });
});
