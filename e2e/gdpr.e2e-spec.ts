// GDPR over the whole platform: a person's leads go through every app, the person is exported,
// erased, and then searched for in every column of every table of every app's schema.
import type { ContactView, ErasureView, ImportView, PersonExport, SuppressionView } from '@leadflow/contracts';
import { waitFor } from '@leadflow/testing';
import { createHash, randomUUID } from 'node:crypto';
import { E2E_ADMIN_KEY, E2E_INTAKE_KEY, Platform } from './platform';

const SCHEMAS = ['gateway', 'ingestion', 'contacts', 'scoring', 'metrics'];
/** Every column that can hold text: searched as text (bytea as its bytes, escaped). */
const TEXT_TYPES = ['text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED'];
const ERASURE_DEADLINE_MS = 60_000;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('GDPR: erase, export and suppression, through the gateway, across all five apps', () => {
  let platform: Platform;
  const tag = randomUUID().slice(0, 8);
  // Mixed case as senders type it; stored lower-cased by normalization.
  const email = `Gdpr.Person.${tag}@Erase-Me.example.com`;
  const phoneTyped = `+49 151 2${tag
    .replace(/[^0-9]/g, '')
    .padEnd(7, '7')
    .slice(0, 7)}`;
  const phone = phoneTyped.replace(/ /g, '');
  const suppressedEmail = `never.${tag}@suppressed.example.com`;

  beforeAll(async () => {
    platform = await Platform.start({ env: { LOG_LEVEL: 'info' } });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, credential = E2E_ADMIN_KEY) => {
    const response = await fetch(platform.gateway.url(path), {
      method,
      headers: { Authorization: `Bearer ${credential}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as T };
  };

  const sendLead = async (lead: Record<string, unknown>, idempotencyKey = randomUUID()): Promise<string> => {
    const response = await fetch(platform.gateway.url('/api/v1/leads'), {
      method: 'POST',
      headers: { 'X-Api-Key': E2E_INTAKE_KEY, 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
      body: JSON.stringify(lead),
    });
    expect(response.status).toBe(201);
    return String(((await response.json()) as { id: string }).id);
  };

  const attributedContact = async (leadId: string): Promise<string | undefined> => {
    const [row] = await platform.db.query<{ contact_id: string }>(`SELECT contact_id FROM contacts.contact_leads WHERE lead_id = $1`, [
      leadId,
    ]);
    return row?.contact_id;
  };

  /** Sends a lead nobody suppresses and waits for it to be attributed: what was sent before it has been through contacts by then. */
  const drainContacts = async (): Promise<void> => {
    const control = await sendLead({ email: `control.${randomUUID()}@example.com` });
    await waitFor(() => attributedContact(control), { timeoutMs: 20000, what: 'a control lead attributed' });
  };

  /** Every (schema, table, column) that can hold text, and the rows in which any needle appears. */
  async function findEverywhere(needles: string[]): Promise<Array<{ where: string; rows: number }>> {
    const columns = await platform.db.query<{ table_schema: string; table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
       WHERE c.table_schema = ANY($1::text[]) AND c.data_type = ANY($2::text[])`,
      [SCHEMAS, TEXT_TYPES],
    );
    expect(columns.length).toBeGreaterThan(50);
    const patterns = needles.map((needle) => `%${needle.replace(/[%_\\]/g, (c) => `\\${c}`)}%`);
    const found: Array<{ where: string; rows: number }> = [];
    for (const { table_schema, table_name, column_name, data_type } of columns) {
      const column = `"${column_name}"`;
      const asText = data_type === 'bytea' ? `encode(${column}, 'escape')` : `${column}::text`;
      const [hit] = await platform.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${table_schema}"."${table_name}" WHERE ${asText} ILIKE ANY($1::text[])`,
        [patterns],
      );
      if ((hit?.n ?? 0) > 0) found.push({ where: `${table_schema}.${table_name}.${column_name}`, rows: hit?.n ?? 0 });
    }
    return found;
  }

  const writeContact = async (method: string, path: string, body: unknown, ifMatch?: string) => {
    const response = await fetch(platform.gateway.url(path), {
      method,
      headers: {
        Authorization: `Bearer ${E2E_ADMIN_KEY}`,
        'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
        ...(ifMatch === undefined ? {} : { 'If-Match': ifMatch }),
      },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      etag: response.headers.get('etag'),
      body: ((await response.json().catch(() => null)) ?? {}) as { id?: string; error?: { code: string } },
    };
  };

  const importCsv = async (csv: string): Promise<ImportView> => {
    const response = await fetch(platform.gateway.url('/api/v1/imports'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}`, 'Content-Type': 'text/csv' },
      body: csv,
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    return waitFor(
      async () => {
        const view = await call<ImportView>('GET', `/api/v1/imports/${id}`);
        return view.body.status === 'completed' || view.body.status === 'failed' ? view.body : undefined;
      },
      { timeoutMs: 30000, intervalMs: 100, what: `import ${id} finished` },
    );
  };

  it('exports a person, erases them within 60 s, idempotently, and then finds their email and phone nowhere', async () => {
    // The person is first made by hand through the contacts API, then their leads arrive.
    const made = await writeContact('POST', '/api/v1/contacts', {
      email,
      firstName: 'Greta',
      lastName: `Privacy${tag}`,
      company: `${email} GmbH`,
    });
    expect(made.status).toBe(201);
    // The person's leads: email and phone, email only (another spelling), phone only.
    const leadIds = [
      await sendLead({ email, phone: phoneTyped, firstName: 'Greta', lastName: `Privacy${tag}`, offer: 'spring', country: 'DE' }),
      await sendLead({ email: email.toUpperCase(), offer: 'summer', note: `reach me at ${email}` }),
      await sendLead({ phone: phoneTyped, country: 'DE', offer: 'spring' }),
    ];
    // A refused body that names the person: ingestion keeps it for audit, so it must go too.
    const refused = await fetch(platform.gateway.url('/api/v1/leads'), {
      method: 'POST',
      headers: { 'X-Api-Key': E2E_INTAKE_KEY, 'Content-Type': 'application/json' },
      body: `{"email":"${email}", "phone": `,
    });
    expect(refused.status).toBe(400);

    // The pipeline attributes, scores and counts them.
    const contactIds = await waitFor(
      async () => {
        const ids: Array<string | undefined> = [];
        for (const leadId of leadIds) ids.push(await attributedContact(leadId));
        return ids.every((id) => id !== undefined) ? ids : undefined;
      },
      { timeoutMs: 30000, what: 'the three leads attributed' },
    );
    const contactId = await waitFor(
      async () => {
        const answer = await call<ContactView & { score: number }>('GET', `/api/v1/contacts/${contactIds[0]}`);
        return answer.status === 200 && answer.body.leadIds.length === 3 && answer.body.score > 0 ? answer.body.id : undefined;
      },
      { timeoutMs: 30000, what: 'one contact, scored, with the three leads' },
    );
    await waitFor(
      async () => {
        const [row] = await platform.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM metrics.counted_lead_events WHERE lead_id = ANY($1::text[])`,
          [leadIds],
        );
        return (row?.n ?? 0) >= 6;
      },
      { timeoutMs: 30000, what: 'the leads counted by metrics (ingested and attributed)' },
    );
    expect((await findEverywhere([email])).length).toBeGreaterThan(0);

    expect(contactId).toBe(made.body.id);
    // An audited admin write about the contact: a merge patch at the version read.
    const read = await fetch(platform.gateway.url(`/api/v1/contacts/${contactId}`), {
      headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}` },
    });
    const patched = await writeContact(
      'PATCH',
      `/api/v1/contacts/${contactId}`,
      { title: `Head of ${email}` },
      read.headers.get('etag') ?? '',
    );
    expect(patched.status).toBe(200);
    const audit = await call<{ items: Array<{ target: string; before: unknown }> }>('GET', '/api/v1/audit?limit=200');
    expect(audit.body.items.filter((entry) => entry.target === `contact:${contactId}`)).toHaveLength(2);

    // The first lead converted, with an opportunity whose name holds the email.
    const converted = await call<{ opportunity: { id: string } | null }>('POST', `/api/v1/leads/${leadIds[0]}/convert`, {
      opportunity: { name: `Deal with ${email}`, amount: { amount: '129900', currency: 'EUR' } },
    });
    expect(converted.status).toBe(200);
    const opportunityId = converted.body.opportunity?.id;

    // An import holding the person's row (a duplicate of the contact) beside somebody else's.
    const imported = await importCsv(`Email,FirstName,LastName\r\n${email},Greta,Privacy${tag}\r\nother.${tag}@example.com,Olga,Other\r\n`);
    expect(imported).toMatchObject({ status: 'completed', created: 1, duplicates: 1, errors: 0 });

    // Export: everything about the person, from every app, in one document.
    const exported = await call<PersonExport>('GET', `/api/v1/contacts/${contactId}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body.contactId).toBe(contactId);
    expect(exported.body.contacts.contact).toMatchObject({ id: contactId, email: email.toLowerCase(), phone });
    expect(exported.body.contacts.identities.map((i) => i.value).sort()).toEqual([email.toLowerCase(), phone].sort());
    expect(exported.body.ingestion.leads.map((lead) => lead.id).sort()).toEqual([...leadIds].sort());
    expect(exported.body.ingestion.leads.find((lead) => lead.id === leadIds[0])?.raw.body).toContain(email);
    expect(exported.body.ingestion.rejectedRequests.map((request) => request.body)).toEqual([`{"email":"${email}", "phone": `]);
    expect(exported.body.scoring.score).toMatchObject({ contact_id: contactId, state: 'active' });
    expect(Number(exported.body.scoring.score?.['score'])).toBeGreaterThan(0);
    expect(exported.body.scoring.history.length).toBeGreaterThanOrEqual(3);
    expect(exported.body.contacts.opportunities.map((o) => [o['id'], o['name']])).toEqual([[opportunityId, `Deal with ${email}`]]);
    expect(exported.body.contacts.conversions.map((c) => c['lead_id'])).toEqual([leadIds[0]]);
    expect(exported.body.contacts.importRows.map((r) => [r['kind'], r['contact_id']])).toEqual([['duplicate', contactId]]);
    const scoreBefore = exported.body.scoring.score?.['score'];

    // Erase, and follow it until every app has recorded its step.
    const started = Date.now();
    const erase = await call<ErasureView>('POST', `/api/v1/contacts/${contactId}/erase`);
    expect(erase.status).toBe(202);
    expect(erase.body).toMatchObject({
      contactId,
      requestedBy: expect.stringMatching(/^key:/),
      emailHashes: [sha256(`email:${email.toLowerCase()}`)],
      phoneHashes: [sha256(`phone:${phone}`)],
    });
    expect([...erase.body.leadIds].sort()).toEqual([...leadIds].sort());
    const erasureId = erase.body.id;
    const completed = await waitFor(
      async () => {
        const view = await call<ErasureView>('GET', `/api/v1/erasures/${erasureId}`);
        return view.status === 200 && view.body.status === 'completed' ? view.body : undefined;
      },
      { timeoutMs: ERASURE_DEADLINE_MS, intervalMs: 50, what: 'the erasure completed by every app' },
    );
    const erasureMs = Date.now() - started;
    process.stdout.write(`erasure ${erasureId} completed by all five apps in ${erasureMs} ms\n`);
    expect(erasureMs).toBeLessThan(ERASURE_DEADLINE_MS);
    expect(completed.steps.map((step) => step.app).sort()).toEqual(['contacts', 'gateway', 'ingestion', 'metrics', 'scoring']);
    expect(completed.steps.find((step) => step.app === 'ingestion')?.summary).toMatchObject({
      leadsRedacted: 3,
      rejectedRequestsRedacted: 1,
      suppressionsAdded: 2,
    });

    // Erasing again is the same erasure; the contact stays erased.
    const again = await call<ErasureView>('POST', `/api/v1/contacts/${contactId}/erase`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: erasureId, status: 'completed' });
    const erasedContact = await call<ContactView>('GET', `/api/v1/contacts/${contactId}`);
    if (erasedContact.status === 200)
      expect(erasedContact.body).toMatchObject({ email: null, phone: null, firstName: null, emails: [], phones: [] });
    const scoreAfter = await call<PersonExport>('GET', `/api/v1/contacts/${contactId}/export`);
    expect(scoreAfter.body.scoring.score?.['score']).toBe(scoreBefore);

    // The erased contact takes no more writes, and the person is not made again by hand or by import.
    const etag = `"${(await call<ContactView>('GET', `/api/v1/contacts/${contactId}`)).body.version}"`;
    const refusedPatch = await writeContact('PATCH', `/api/v1/contacts/${contactId}`, { firstName: 'Greta' }, etag);
    expect([refusedPatch.status, refusedPatch.body.error?.code]).toEqual([410, 'contact_erased']);
    const refusedRestore = await writeContact('POST', `/api/v1/contacts/${contactId}/restore`, {}, etag);
    expect([refusedRestore.status, refusedRestore.body.error?.code]).toEqual([410, 'contact_erased']);
    const remade = await writeContact('POST', '/api/v1/contacts', { email: email.toUpperCase(), firstName: 'Greta' });
    expect([remade.status, remade.body.error?.code]).toEqual([409, 'identity_erased']);
    const reimported = await importCsv(`Email,FirstName\r\n${email},Greta\r\n`);
    expect(reimported).toMatchObject({ status: 'completed', created: 0, duplicates: 0, errors: 1 });
    const report = await fetch(platform.gateway.url(`/api/v1/imports/${reimported.id}/errors`), {
      headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}` },
    });
    const reportText = await report.text();
    expect([report.status, reportText]).toEqual([200, expect.stringContaining('identity_erased')]);
    expect(reportText.toLowerCase()).not.toContain(email.toLowerCase());

    // What the person sends afterwards is stored redacted and makes no contact: erased identities are suppressed.
    const contactsBefore = await platform.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts.contacts`);
    const later = await sendLead({ email: email.toLowerCase(), phone: phoneTyped, firstName: 'Greta' });
    await drainContacts();
    expect(await attributedContact(later)).toBeUndefined();
    const contactsAfter = await platform.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts.contacts`);
    expect(contactsAfter[0]?.n).toBe((contactsBefore[0]?.n ?? 0) + 1); // the control lead's contact only

    // The hard check: nowhere, in any column of any table of any app's schema.
    const needles = [email, email.toLowerCase(), phone, phone.slice(1), phoneTyped, `Privacy${tag}`];
    expect(await findEverywhere(needles)).toEqual([]);
  });

  it("erases a tracked visitor's activities too, those naming them by anonymous id, user id or contact id only included", async () => {
    const keyAnswer = await call<{ key: string }>('POST', '/api/v1/workspaces/default/api-keys', {
      name: `tracker-${tag}`,
      scopes: ['events'],
    });
    expect(keyAnswer.status).toBe(201);
    const anonymousId = `anon-${tag}-visitor`;
    const userId = `user-${tag}-account`;
    const visitorEmail = `tracked.${tag}@erase-me.example.com`;
    const secret = (what: string) => `secret-${tag}-${what}`;
    const track = async (event: Record<string, unknown>): Promise<string> => {
      const response = await fetch(platform.gateway.url('/api/v1/events'), {
        method: 'POST',
        headers: { 'X-Api-Key': keyAnswer.body.key, 'Content-Type': 'application/json' },
        body: JSON.stringify({ messageId: randomUUID(), ...event }),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { id: string }).id;
    };
    const attributed = (activityIds: string[]) =>
      platform.db.query<{ activity_id: string; contact_id: string }>(
        `SELECT activity_id, contact_id FROM contacts.contact_activities WHERE activity_id = ANY($1::uuid[])`,
        [activityIds],
      );

    // An anonymous visit (an anonymous profile), then the visitor identifies (the profile joins the
    // person), then events naming them by one tracker id only, and one by the contact's id only.
    const activityIds = [await track({ type: 'page', anonymousId, properties: { path: `/pricing?ref=${secret('first-visit')}` } })];
    await waitFor(async () => (await attributed(activityIds)).length === 1, { timeoutMs: 20000, what: 'the anonymous visit attributed' });
    activityIds.push(
      await track({ type: 'identify', anonymousId, userId, traits: { email: visitorEmail, firstName: 'Tracy', note: secret('traits') } }),
    );
    await waitFor(async () => (await attributed(activityIds)).length === 2, { timeoutMs: 20000, what: 'the identify attributed' });
    activityIds.push(
      await track({ type: 'track', event: 'video_played', anonymousId, properties: { title: secret('anonymous-only') } }),
      await track({ type: 'track', event: 'demo_request', userId, properties: { message: secret('user-only') } }),
      await track({ type: 'alias', userId, previousId: anonymousId }),
    );
    const rows = await waitFor(async () => ((await attributed(activityIds)).length === 5 ? attributed(activityIds) : undefined), {
      timeoutMs: 20000,
      what: 'the five activities attributed',
    });
    const contactId = rows.find((row) => row.activity_id === activityIds[1])?.contact_id ?? '';
    activityIds.push(await track({ type: 'track', event: 'webinar_joined', contactId, properties: { question: secret('contact-only') } }));
    await waitFor(async () => (await attributed(activityIds)).length === 6, { timeoutMs: 20000, what: 'the contact-id event attributed' });
    await waitFor(
      async () => {
        const [row] = await platform.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM scoring.activities WHERE activity_id = ANY($1::text[])`,
          [activityIds],
        );
        return row?.n === 6;
      },
      { timeoutMs: 20000, what: 'the six activities stored by scoring' },
    );
    const needles = [anonymousId, userId, visitorEmail, secret('')];
    expect((await findEverywhere(needles)).map((hit) => hit.where)).toEqual(
      expect.arrayContaining(['ingestion.activities.anonymous_id', 'ingestion.activities.user_id', 'ingestion.raw_activity_requests.body']),
    );

    const erase = await call<ErasureView>('POST', `/api/v1/contacts/${contactId}/erase`);
    expect(erase.status).toBe(202);
    const completed = await waitFor(
      async () => {
        const view = await call<ErasureView>('GET', `/api/v1/erasures/${erase.body.id}`);
        return view.status === 200 && view.body.status === 'completed' ? view.body : undefined;
      },
      { timeoutMs: ERASURE_DEADLINE_MS, intervalMs: 50, what: 'the erasure completed by every app' },
    );
    expect(completed.steps.find((step) => step.app === 'ingestion')?.summary).toMatchObject({
      activitiesRedacted: 6,
      suppressionsAdded: 3, // the email, the anonymous id and the user id
    });
    // The rows stay (ids, kinds, names, times), emptied of who and what.
    const redacted = await platform.db.query<{ name: string; redacted: boolean; raw_bytes: number; raw_sha256: string | null }>(
      `SELECT a.name, a.redacted_at IS NOT NULL AS redacted, length(r.body) AS raw_bytes, r.body_sha256 AS raw_sha256
       FROM ingestion.activities a JOIN ingestion.raw_activity_requests r ON r.id = a.raw_request_id
       WHERE a.id = ANY($1::uuid[]) ORDER BY a.id`,
      [activityIds],
    );
    expect(redacted.map((row) => row.name)).toEqual(['page_view', 'identify', 'video_played', 'demo_request', 'alias', 'webinar_joined']);
    for (const row of redacted)
      expect(row).toMatchObject({ redacted: true, raw_bytes: 0, raw_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await findEverywhere(needles)).toEqual([]);

    // Erasing again is the same erasure, and redacts nothing twice.
    const again = await call<ErasureView>('POST', `/api/v1/contacts/${contactId}/erase`);
    expect(again).toMatchObject({ status: 200, body: { id: erase.body.id, status: 'completed' } });

    // The visitor's tracker keeps sending by its ids: stored redacted, attributed to nobody.
    const later = [
      await track({ type: 'page', anonymousId, properties: { path: `/again?ref=${secret('later-visit')}` } }),
      await track({ type: 'track', event: 'demo_request', userId, properties: { message: secret('later-user') } }),
    ];
    await drainContacts();
    expect(await attributed(later)).toEqual([]);
    const laterRows = await platform.db.query<{ suppressed: boolean }>(
      `SELECT suppressed FROM ingestion.activities WHERE id = ANY($1::uuid[])`,
      [later],
    );
    expect(laterRows).toEqual([{ suppressed: true }, { suppressed: true }]);
    expect(await findEverywhere(needles)).toEqual([]);
  });

  it('keeps a suppression list of hashes: a suppressed email never makes a contact, and every change is audited', async () => {
    const added = await call<SuppressionView>('POST', '/api/v1/suppressions', { email: `  ${suppressedEmail.toUpperCase()} ` });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ kind: 'email', reason: 'manual', hash: sha256(`email:${suppressedEmail}`) });
    const repeated = await call<SuppressionView>('POST', '/api/v1/suppressions', {
      hash: sha256(`email:${suppressedEmail}`),
      kind: 'email',
    });
    expect(repeated).toEqual({ status: 200, body: added.body });
    expect((await call('POST', '/api/v1/suppressions', { email: 'not an email' })).status).toBe(400);
    expect((await call('POST', '/api/v1/suppressions', { email: suppressedEmail }, E2E_INTAKE_KEY)).status).toBe(403);
    const list = await call<{ items: SuppressionView[] }>('GET', '/api/v1/suppressions?limit=200');
    expect(list.body.items.map((item) => item.id)).toContain(added.body.id);

    const leadId = await sendLead({ email: suppressedEmail, phone: '+49 30 901820', firstName: 'Sam' });
    await drainContacts();
    expect(await attributedContact(leadId)).toBeUndefined();
    const [stored] = await platform.db.query<{ suppressed: boolean; email: string | null }>(
      `SELECT suppressed, email FROM ingestion.leads WHERE id = $1`,
      [leadId],
    );
    expect(stored).toEqual({ suppressed: true, email: null });
    const [raw] = await platform.db.query<{ body_sha256: string | null; bytes: number }>(
      `SELECT body_sha256, length(body) AS bytes FROM ingestion.raw_leads WHERE id = $1`,
      [leadId],
    );
    expect(raw).toEqual({ body_sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: 0 });
    expect((await call('GET', `/api/v1/leads/${leadId}`)).status).toBe(200);
    expect(await findEverywhere([suppressedEmail])).toEqual([]);

    expect((await call('DELETE', `/api/v1/suppressions/${added.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/suppressions/${added.body.id}`)).status).toBe(404);
    const audit = await call<{ items: Array<{ action: string; target: string }> }>('GET', '/api/v1/audit?limit=200');
    const actions = audit.body.items.filter((entry) => entry.target === `suppression:${added.body.id}`).map((entry) => entry.action);
    expect(actions.sort()).toEqual(['suppression.add', 'suppression.remove']);
  });

  it('answers 404 for an unknown contact or erasure and 400 for a malformed id', async () => {
    expect((await call('POST', `/api/v1/contacts/${randomUUID()}/erase`)).status).toBe(404);
    expect((await call('GET', `/api/v1/contacts/${randomUUID()}/export`)).status).toBe(404);
    expect((await call('GET', `/api/v1/erasures/${randomUUID()}`)).status).toBe(404);
    const malformed = await call('GET', '/api/v1/erasures/not-a-uuid');
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'invalid_id' } } });
  });
});
