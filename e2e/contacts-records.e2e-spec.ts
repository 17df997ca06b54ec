// Contacts as records admins edit, through the gateway, with the pipeline running beside them.
import type { ContactsDailyReport, ContactView, LeadView, ScoreView } from '@leadflow/contracts';
import { findInvariantViolations, waitFor } from '@leadflow/testing';
import { E2E_ADMIN_KEY, E2E_INTAKE_KEY, Platform } from './platform';

interface Answer<T = Record<string, unknown>> {
  status: number;
  etag: string | null;
  body: T;
}

const MERGE_PATCH = 'application/merge-patch+json';

describe('contact records, through the gateway, across all five apps', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; ifMatch?: string; contentType?: string; key?: string } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { Authorization: `Bearer ${options.key ?? E2E_ADMIN_KEY}` };
    if (options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    if (options.ifMatch !== undefined) headers['If-Match'] = options.ifMatch;
    const response = await fetch(platform.gateway.url(path), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return { status: response.status, etag: response.headers.get('etag'), body: (await response.json().catch(() => null)) as T };
  }

  async function createContact(fields: Record<string, unknown>): Promise<{ contact: ContactView; etag: string }> {
    const created = await call<ContactView>('POST', '/api/v1/contacts', { body: fields });
    expect(created.status).toBe(201);
    return { contact: created.body, etag: String(created.etag) };
  }

  /** Sends a lead through the public intake and waits until contacts attributed it; returns its contact. */
  async function sendLead(lead: Record<string, unknown>): Promise<string> {
    const response = await fetch(platform.gateway.url('/api/v1/leads'), {
      method: 'POST',
      headers: { 'X-Api-Key': E2E_INTAKE_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify(lead),
    });
    expect(response.status).toBe(201);
    const leadId = String(((await response.json()) as { id: string }).id);
    return waitFor(
      async () => {
        const answer = await call<LeadView>('GET', `/api/v1/leads/${leadId}`);
        return answer.status === 200 && typeof answer.body.contactId === 'string' ? answer.body.contactId : undefined;
      },
      { timeoutMs: 20000, what: `lead ${leadId} attributed` },
    );
  }

  /** Waits until scoring's stage reached the contact's copy, after which only new leads or admins change it. */
  async function settled(contactId: string, email: string): Promise<void> {
    await waitFor(
      async () => {
        const page = await call<{ items: Array<{ id: string; stage: string | null }> }>(
          'GET',
          `/api/v1/contacts?email=${encodeURIComponent(email)}`,
        );
        return page.body.items.some((item) => item.id === contactId && item.stage !== null);
      },
      { timeoutMs: 20000, what: `the stage of ${contactId} copied` },
    );
  }

  it('gives exactly one 200 and one 412 to two concurrent PATCHes with the same ETag', async () => {
    const { contact, etag } = await createContact({ firstName: 'Ana', email: 'concurrent@example.com' });
    expect(etag).toBe('"1"');
    const patches = await Promise.all(
      ['Anna', 'Annie'].map((firstName) =>
        call<Record<string, unknown>>('PATCH', `/api/v1/contacts/${contact.id}`, {
          body: { firstName },
          contentType: MERGE_PATCH,
          ifMatch: etag,
        }),
      ),
    );
    expect(patches.map((p) => p.status).sort()).toEqual([200, 412]);
    const won = patches.find((p) => p.status === 200) as Answer;
    const lost = patches.find((p) => p.status === 412) as Answer<{ error: { code: string }; current: ContactView }>;
    expect(won.etag).toBe('"2"');
    expect(lost.body.error.code).toBe('version_conflict');
    expect(lost.body.current).toMatchObject({ id: contact.id, version: 2, firstName: won.body.firstName });
    expect(lost.etag).toBe('"2"');
    const read = await call<ContactView>('GET', `/api/v1/contacts/${contact.id}`);
    expect(read).toMatchObject({ status: 200, etag: '"2"', body: { firstName: won.body.firstName } });
  });

  it('answers a PUT with an ETag read before a pipeline merge with 412 and the merged contact', async () => {
    const email = 'merge.me@example.com';
    const phone = '+4915112340001';
    const first = await sendLead({ email, firstName: 'Mia' });
    const second = await sendLead({ phone, lastName: 'Berg' });
    expect(second).not.toBe(first);
    await settled(first, email);
    // A write with the ETag just read succeeds: it is fresh until the merge.
    const read = await call<ContactView>('GET', `/api/v1/contacts/${first}`);
    const patched = await call<ContactView>('PATCH', `/api/v1/contacts/${first}`, {
      body: { company: 'Acme' },
      contentType: MERGE_PATCH,
      ifMatch: String(read.etag),
    });
    expect(patched.status).toBe(200);
    const etag = String(patched.etag);
    const loser = await call<ContactView>('GET', `/api/v1/contacts/${second}`);

    // A lead with both identities ties the two contacts: the pipeline merges the newer into the older.
    expect(await sendLead({ email, phone })).toBe(first);
    await waitFor(async () => (await call<ContactView>('GET', `/api/v1/contacts/${second}`)).body.id === first, {
      timeoutMs: 20000,
      what: 'the merge',
    });

    const stale = await call<{ error: { code: string }; current: ContactView }>('PUT', `/api/v1/contacts/${first}`, {
      body: { firstName: 'Mia', company: 'Other' },
      ifMatch: etag,
    });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('version_conflict');
    expect(stale.body.current).toMatchObject({ id: first, company: 'Acme', phones: [phone], mergedIds: [second] });
    expect(stale.body.current.version).toBeGreaterThan(Number(etag.replaceAll('"', '')));
    // The merged contact's own last ETag is stale too; the answer is its survivor.
    const viaLoser = await call<{ current: ContactView }>('PUT', `/api/v1/contacts/${second}`, { body: {}, ifMatch: String(loser.etag) });
    expect(viaLoser.status).toBe(412);
    expect(viaLoser.body.current.id).toBe(first);
  });

  it('requires If-Match (428), a merge patch content type (415), valid values (400) and unique identities (409)', async () => {
    const { contact, etag } = await createContact({ email: 'rules@example.com', phone: '+49 30 901820' });
    const path = `/api/v1/contacts/${contact.id}`;
    expect((await call('PUT', path, { body: {} })).body).toMatchObject({ error: { code: 'precondition_required' } });
    expect((await call('PUT', path, { body: {} })).status).toBe(428);
    expect((await call('DELETE', path)).status).toBe(428);
    expect((await call('POST', `${path}/restore`)).status).toBe(428);
    expect(await call('PATCH', path, { body: { title: 'x' }, ifMatch: etag })).toMatchObject({
      status: 415,
      body: { error: { code: 'unsupported_media_type' } },
    });
    expect(await call('PUT', path, { body: {}, ifMatch: '*' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_precondition' } },
    });
    for (const [fields, code] of [
      [{ email: 'not-an-email' }, 'invalid_email'],
      [{ phone: '12' }, 'invalid_phone'],
      [{ ownerId: '0190a5b2-0000-7000-8000-000000000000' }, 'invalid_owner'],
      [{ properties: { blob: 'x'.repeat(17 * 1024) } }, 'properties_too_large'],
      [{ lifecycle: 'prospect' }, 'validation_failed'],
      [{ nickname: 'Al' }, 'validation_failed'],
    ] as const) {
      expect(await call('POST', '/api/v1/contacts', { body: fields })).toMatchObject({ status: 400, body: { error: { code } } });
    }
    const taken = await call('POST', '/api/v1/contacts', { body: { email: 'RULES@example.com' } });
    expect(taken).toMatchObject({ status: 409, body: { error: { code: 'identity_conflict', contactId: contact.id, field: 'email' } } });
    const other = await createContact({ phone: '+4915112340002' });
    const clash = await call('PATCH', `/api/v1/contacts/${other.contact.id}`, {
      body: { phone: '+4930901820' },
      contentType: MERGE_PATCH,
      ifMatch: other.etag,
    });
    expect(clash).toMatchObject({ status: 409, body: { error: { code: 'identity_conflict', contactId: contact.id, field: 'phone' } } });
    expect((await call('GET', path, { key: E2E_INTAKE_KEY })).status).toBe(403);
    expect((await call('POST', '/api/v1/contacts', { body: {}, key: E2E_INTAKE_KEY })).status).toBe(403);
  });

  it('applies merge patches, takes an owner who is an admin of the workspace, and audits every write', async () => {
    const admins = await call<{ items: Array<{ accountId: string }> }>('GET', '/api/v1/workspaces/default/admins');
    const ownerId = admins.body.items[0]?.accountId as string;
    expect(ownerId).toEqual(expect.any(String));
    const { contact, etag } = await createContact({
      firstName: 'Lea',
      lastName: 'Stein',
      tags: ['vip'],
      lifecycle: 'customer',
      ownerId,
      properties: { plan: 'pro', seats: 5 },
    });
    expect(contact).toMatchObject({ ownerId, createdBy: expect.stringMatching(/^key:/) });
    const patched = await call<ContactView>('PATCH', `/api/v1/contacts/${contact.id}`, {
      body: { lastName: null, ownerId: null, properties: { seats: null, region: 'EU' } },
      contentType: `${MERGE_PATCH}; charset=utf-8`,
      ifMatch: etag,
    });
    expect(patched).toMatchObject({
      status: 200,
      body: {
        firstName: 'Lea',
        lastName: null,
        ownerId: null,
        tags: ['vip'],
        lifecycle: 'customer',
        properties: { plan: 'pro', region: 'EU' },
      },
    });
    const audit = await call<{ items: Array<{ action: string; target: string; actor: string; before: unknown; after: unknown }> }>(
      'GET',
      '/api/v1/audit?limit=200',
    );
    const rows = audit.body.items.filter((row) => row.target === `contact:${contact.id}`);
    expect(rows.map((row) => row.action)).toEqual(['contact.patch', 'contact.create']);
    expect(rows[0]).toMatchObject({
      actor: expect.stringMatching(/^key:/),
      before: { lastName: 'Stein', version: 1 },
      after: { lastName: null, version: 2, properties: { plan: 'pro', region: 'EU' } },
    });
    expect(rows[1]).toMatchObject({ before: null, after: { lastName: 'Stein', version: 1 } });
  });

  it('soft-deletes and restores: lists, events, metrics and the leaderboard follow', async () => {
    const email = 'soft.delete@example.com';
    const contactId = await sendLead({ email, firstName: 'Sam', lastName: 'Delete-Me', company: 'Ghost Ltd' });
    await settled(contactId, email);
    const onBoard = async () =>
      (await call<{ items: Array<{ contactId: string }> }>('GET', '/api/v1/scores/leaderboard?limit=200')).body.items.some(
        (entry) => entry.contactId === contactId,
      );
    await waitFor(onBoard, { timeoutMs: 20000, what: 'the contact on the leaderboard' });

    const read = await call<ContactView>('GET', `/api/v1/contacts/${contactId}`);
    const deleted = await call<ContactView>('DELETE', `/api/v1/contacts/${contactId}`, { ifMatch: String(read.etag) });
    expect(deleted).toMatchObject({ status: 200, body: { deletedAt: expect.any(String) } });
    const listed = async (query: string) =>
      (await call<{ items: Array<{ id: string }> }>('GET', `/api/v1/contacts?q=delete-me${query}`)).body.items.map((item) => item.id);
    expect(await listed('')).toEqual([]);
    expect(await listed('&include=deleted')).toEqual([contactId]);
    await waitFor(async () => !(await onBoard()), { timeoutMs: 20000, what: 'the deleted contact off the leaderboard' });
    expect((await call('GET', `/api/v1/contacts/${contactId}/score`)).body).toMatchObject({ contactDeleted: true });

    // A new lead of the person stays with the deleted contact: no second contact, still deleted.
    expect(await sendLead({ email })).toBe(contactId);
    expect(await listed('&include=deleted')).toEqual([contactId]);
    const leads = await call<{ items: Array<{ leadId: string }> }>('GET', `/api/v1/contacts/${contactId}/leads`);
    expect(leads.body.items).toHaveLength(2);
    // The second lead is scored, and every stage change scoring announced for the contact is
    // copied onto it (each copy a new version), in the background: the restore's ETag is read once
    // scoring has published all it wrote and contacts has applied each of those changes.
    await waitFor(
      async () => {
        const score = await call<ScoreView>('GET', `/api/v1/contacts/${contactId}/score`);
        if (score.body.history.filter((h) => h.ruleId === 'lead_submitted').length !== 2) return false;
        if ((await platform.db.query(`SELECT 1 FROM scoring.outbox`)).length > 0) return false;
        const changes = (await platform.published<{ contactId: string; at: string }>('stage.changed')).filter(
          (e) => e.data.contactId === contactId,
        );
        // The stage copy keeps no inbox rows: the latest change is copied when the contact's stage
        // time is its time, and an older one arriving later is skipped without a new version.
        const [copied] = await platform.db.query<{ stage_at: Date | null }>(`SELECT stage_at FROM contacts.contacts WHERE id = $1`, [
          contactId,
        ]);
        return changes.length > 0 && copied?.stage_at?.getTime() === Math.max(...changes.map((e) => Date.parse(e.data.at)));
      },
      { timeoutMs: 20000, what: 'the second lead scored and its stage changes copied' },
    );

    const current = await call<ContactView>('GET', `/api/v1/contacts/${contactId}`);
    expect(current.body.deletedAt).not.toBeNull();
    const restored = await call<ContactView>('POST', `/api/v1/contacts/${contactId}/restore`, { ifMatch: String(current.etag) });
    expect(restored).toMatchObject({ status: 200, body: { deletedAt: null } });
    expect(await listed('')).toEqual([contactId]);
    await waitFor(onBoard, { timeoutMs: 20000, what: 'the restored contact back on the leaderboard' });

    const deletedEvents = await platform.published<{ contactId: string; version: number }>('contact.deleted');
    const restoredEvents = await platform.published<{ contactId: string; version: number }>('contact.restored');
    expect(deletedEvents.filter((e) => e.data.contactId === contactId).map((e) => e.data.version)).toEqual([deleted.body.version]);
    expect(restoredEvents.filter((e) => e.data.contactId === contactId).map((e) => e.data.version)).toEqual([restored.body.version]);

    const today = new Date().toISOString().slice(0, 10);
    const report = await waitFor(
      async () => {
        const answer = await call<ContactsDailyReport>('GET', `/api/v1/metrics/contacts/daily?from=${today}&to=${today}`);
        return answer.body.total.restored >= 1 ? answer.body : undefined;
      },
      { timeoutMs: 20000, what: 'the restore counted' },
    );
    const sum = (key: 'created' | 'deleted' | 'restored') => report.breakdown.reduce((total, day) => total + day[key], 0);
    expect(report.total).toEqual({ created: sum('created'), deleted: sum('deleted'), restored: sum('restored') });
    expect(report.total.deleted).toBeGreaterThanOrEqual(1);
    expect(report.total.created).toBeGreaterThanOrEqual(5);
  });

  it('answers malformed writes with a 4xx and a stable code, never a 5xx', async () => {
    const { contact, etag } = await createContact({});
    const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const bodies: Array<[string, string]> = [
      ['not JSON', '{"firstName":'],
      ['an array', '[]'],
      ['null', 'null'],
      ['a number for a name', '{"firstName":5}'],
      ['numbers for tags', '{"tags":[1,2]}'],
      ['a string for properties', '{"properties":"x"}'],
      ['a NUL in a name', '{"firstName":"a\\u0000b"}'],
      ['deeply nested properties', `{"properties":${deep(2000)}}`],
      ['an unknown field', '{"id":"x"}'],
    ];
    for (const [label, body] of bodies) {
      for (const [method, path, contentType] of [
        ['POST', '/api/v1/contacts', 'application/json'],
        ['PUT', `/api/v1/contacts/${contact.id}`, 'application/json'],
        ['PATCH', `/api/v1/contacts/${contact.id}`, MERGE_PATCH],
      ] as const) {
        const response = await fetch(platform.gateway.url(path), {
          method,
          headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}`, 'Content-Type': contentType, 'If-Match': etag },
          body,
        });
        const answer = (await response.json()) as { error?: { code?: string } };
        expect({ label, method, status: response.status, code: typeof answer.error?.code }).toEqual({
          label,
          method,
          status: 400,
          code: 'string',
        });
      }
    }
    expect((await call<ContactView>('GET', `/api/v1/contacts/${contact.id}`)).etag).toBe(etag);
  });

  it('filters and sorts the list with cursor pages', async () => {
    const tag = `t-${Date.now()}`;
    const made = [];
    for (const lastName of ['Zorn', 'Adler', 'Mayer'])
      made.push((await createContact({ lastName, tags: [tag], lifecycle: 'contact' })).contact);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer<{ items: ContactView[]; nextCursor: string | null }> = await call(
        'GET',
        `/api/v1/contacts?tag=${tag}&lifecycle=contact&sort=lastName&order=asc&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item) => String(item.lastName)));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Adler', 'Mayer', 'Zorn']);
    expect((await call('GET', `/api/v1/contacts?sort=rank`)).status).toBe(400);
    expect((await call('GET', `/api/v1/contacts?sort=lastName&cursor=nope`)).body).toMatchObject({ error: { code: 'invalid_cursor' } });
  });

  it('leaves every data invariant holding once the pipeline drained, soft deletions included', async () => {
    await waitFor(async () => (await findInvariantViolations(platform.db, { drained: true })).length === 0, {
      timeoutMs: 30000,
      what: 'the drained invariants to hold',
    }).catch(async (error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(await findInvariantViolations(platform.db, { drained: true }), null, 2)}`);
    });
  });
});
