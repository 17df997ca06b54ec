// An admin's merge of two contacts and a contact's timeline, through the gateway, across all five apps.
import type { ContactView } from '@leadflow/contracts';
import { waitFor } from '@leadflow/testing';
import { E2E_ADMIN_KEY, E2E_INTAKE_KEY, Platform } from './platform';

interface Answer<T = Record<string, unknown>> {
  status: number;
  etag: string | null;
  body: T;
}

interface TimelinePage {
  contactId: string;
  items: Array<{ kind: string; at: string; leadId?: string; mergedId?: string; name?: string }>;
  nextCursor: string | null;
  partial: string[];
}

describe('contact merge and timeline, through the gateway', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const headers: Record<string, string> = { Authorization: `Bearer ${E2E_ADMIN_KEY}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(platform.gateway.url(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, etag: response.headers.get('etag'), body: (await response.json().catch(() => null)) as T };
  }

  async function sendLead(lead: Record<string, unknown>): Promise<{ leadId: string; contactId: string }> {
    const response = await fetch(platform.gateway.url('/api/v1/leads'), {
      method: 'POST',
      headers: { 'X-Api-Key': E2E_INTAKE_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify(lead),
    });
    expect(response.status).toBe(201);
    const leadId = String(((await response.json()) as { id: string }).id);
    const contactId = await waitFor(
      async () => {
        const answer = await call<{ contactId?: string }>('GET', `/api/v1/leads/${leadId}`);
        return answer.status === 200 && typeof answer.body.contactId === 'string' ? answer.body.contactId : undefined;
      },
      { timeoutMs: 20000, what: `lead ${leadId} attributed` },
    );
    return { leadId, contactId };
  }

  it('merges one contact into another: 200 with the survivor and its ETag, audited, on the timeline; 404 and 409 otherwise', async () => {
    const a = await sendLead({ email: 'merge-a@example.com', firstName: 'Ana' });
    const b = await sendLead({ email: 'merge-b@example.com', firstName: 'Bea' });
    const before = await call<ContactView>('GET', `/api/v1/contacts/${b.contactId}`);

    const merged = await call<ContactView>('POST', `/api/v1/contacts/${a.contactId}/merge`, { intoId: b.contactId });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ id: b.contactId, mergedIds: [a.contactId] });
    expect([...merged.body.emails].sort()).toEqual(['merge-a@example.com', 'merge-b@example.com']);
    expect(merged.body.version).toBeGreaterThan(before.body.version);
    expect(merged.etag).toBe(`"${merged.body.version}"`);
    expect((await call<ContactView>('GET', `/api/v1/contacts/${a.contactId}`)).body.id).toBe(b.contactId);

    const audit = await call<{ items: Array<{ action: string; target: string }> }>('GET', '/api/v1/audit?limit=50');
    expect(audit.body.items).toContainEqual(expect.objectContaining({ action: 'contact.merge', target: `contact:${b.contactId}` }));

    // Scoring folds the merged contact's score history into the survivor's on its own time: the
    // pages below are compared once it has (the lead's activity id is the lead's id).
    await waitFor(
      async () => {
        const score = await call<{ history?: Array<{ activityId: string | null }> }>('GET', `/api/v1/contacts/${b.contactId}/score`);
        return score.body.history?.some((row) => row.activityId === a.leadId) ? true : undefined;
      },
      { timeoutMs: 20000, what: 'the merged contact’s score history folded into the survivor’s' },
    );
    const timeline = await call<TimelinePage>('GET', `/api/v1/contacts/${a.contactId}/timeline?limit=10`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.contactId).toBe(b.contactId);
    expect(timeline.body.items[0]).toMatchObject({ kind: 'merge', mergedId: a.contactId, name: 'admin' });
    const leadIds = timeline.body.items.filter((item) => item.kind === 'lead').map((item) => item.leadId);
    expect(leadIds.sort()).toEqual([a.leadId, b.leadId].sort());
    expect(Array.isArray(timeline.body.partial)).toBe(true);
    const firstPage = await call<TimelinePage>('GET', `/api/v1/contacts/${b.contactId}/timeline?limit=1`);
    expect(firstPage.body.items).toHaveLength(1);
    expect(firstPage.body.nextCursor).toEqual(expect.any(String));
    const nextPage = await call<TimelinePage>(
      'GET',
      `/api/v1/contacts/${b.contactId}/timeline?limit=1&cursor=${encodeURIComponent(String(firstPage.body.nextCursor))}`,
    );
    expect(nextPage.body.items[0]).toEqual(timeline.body.items[1]);

    expect((await call('POST', `/api/v1/contacts/${b.contactId}/merge`, { intoId: b.contactId })).body).toMatchObject({
      error: { code: 'merge_into_self' },
    });
    const unknown = await call('POST', `/api/v1/contacts/${b.contactId}/merge`, { intoId: '0190a5b2-0000-7000-8000-0000000000ff' });
    expect(unknown.status).toBe(404);
    expect((await call('POST', `/api/v1/contacts/${b.contactId}/merge`, { intoId: 'nope' })).status).toBe(400);
    expect((await call('GET', `/api/v1/contacts/${b.contactId}/timeline?cursor=bad!`)).body).toMatchObject({
      error: { code: 'invalid_cursor' },
    });
  });
});
