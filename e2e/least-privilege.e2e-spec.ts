// Least privilege between the parts of the running platform: each app signs in to PostgreSQL as a
// role that owns its own schema alone, and to NATS as a user allowed its own subjects alone.
import { NatsNamespace, RpcSubjects, SERVICE_NAMES, type ServiceName } from '@leadflow/contracts';
import { waitFor } from '@leadflow/testing';
import { connect } from 'nats';
import { Client } from 'pg';
import { E2E_INTAKE_KEY, Platform } from './platform';

describe('least privilege between the apps of the running platform', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start();
    // One lead through the whole pipeline, so that every schema has rows to (not) read.
    const response = await fetch(platform.gateway.url('/api/lead'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': E2E_INTAKE_KEY },
      body: JSON.stringify({ email: 'privilege@example.com', phone: '+14155550123' }),
    });
    expect(response.status).toBe(201);
    // Metrics counts the lead as contacts makes its contact: both are waited for.
    await waitFor(
      async () =>
        (await platform.db.query(`SELECT 1 FROM metrics.lead_daily_counters`)).length > 0 &&
        (await platform.db.query(`SELECT 1 FROM contacts.contacts`)).length > 0,
      { what: 'the lead to reach metrics and contacts' },
    );
  });

  afterAll(async () => {
    await platform?.stop();
  });

  /** Runs `sql` as `service`'s own role; resolves with the rows or the PostgreSQL error code. */
  async function asApp(service: ServiceName, sql: string): Promise<unknown[] | string> {
    const client = new Client({ connectionString: platform.app(service).env.DATABASE_URL });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    } finally {
      await client.end();
    }
  }

  it('runs every app as its own database role', async () => {
    const sessions = await platform.db.query<{ application_name: string; usename: string }>(
      `SELECT DISTINCT application_name, usename FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'leadflow-%'`,
    );
    const roleOf = new Map(sessions.map((session) => [session.application_name.replace('leadflow-', ''), session.usename]));
    for (const service of SERVICE_NAMES) {
      expect(roleOf.get(service)).toBe(new URL(platform.app(service).env.DATABASE_URL).username);
      expect(roleOf.get(service)).toMatch(new RegExp(`_${service}$`));
    }
  });

  it("refuses ingestion's role any read or write in the contacts schema, and lets it read its own", async () => {
    expect(await asApp('ingestion', `SELECT count(*)::int AS n FROM ingestion.leads`)).toEqual([{ n: 1 }]);
    // 42501: insufficient_privilege.
    expect(await asApp('ingestion', `SELECT * FROM contacts.contacts`)).toBe('42501');
    expect(await asApp('ingestion', `DELETE FROM contacts.contacts`)).toBe('42501');
    expect(await asApp('ingestion', `SELECT * FROM metrics.lead_daily_counters`)).toBe('42501');
    expect(await asApp('ingestion', `SELECT * FROM gateway.api_keys`)).toBe('42501');
    // Nor can it make room for itself elsewhere.
    expect(await asApp('ingestion', `CREATE SCHEMA elsewhere`)).toBe('42501');
    expect(await asApp('ingestion', `CREATE TABLE public.elsewhere (id int)`)).toBe('42501');
    expect(await asApp('ingestion', `GRANT USAGE ON SCHEMA contacts TO CURRENT_USER`)).toBe('42501');
    // Every app is held to its own schema alike.
    expect(await asApp('contacts', `SELECT * FROM ingestion.leads`)).toBe('42501');
    expect(await asApp('metrics', `SELECT * FROM scoring.contact_scores`)).toBe('42501');
    expect(await platform.db.query(`SELECT 1 FROM contacts.contacts`)).toHaveLength(1);
  });

  it("does not let one app subscribe to another app's request subjects on NATS", async () => {
    const ns = new NatsNamespace(platform.namespace);
    const credentials = platform.nats.credentials('ingestion');
    const connection = await connect({ servers: platform.nats.url, user: credentials?.user, pass: credentials?.pass });
    try {
      const refusals: string[] = [];
      for (const subject of [RpcSubjects.contacts.contactGet, RpcSubjects.metrics.leadsSummary, RpcSubjects.scoring.scoreGet]) {
        connection.subscribe(ns.subject(subject), {
          queue: ns.queue('contacts'),
          callback: (error) => {
            if (error) refusals.push(error.message);
          },
        });
      }
      await connection.flush();
      await waitFor(() => refusals.length === 3, { what: 'three refusals', timeoutMs: 2000 });
      expect(refusals.every((message) => /permissions violation for subscription/i.test(message))).toBe(true);
      // Had one got through, it would share contacts' queue group and take some of its requests.
      for (let i = 0; i < 5; i++) {
        const page = await platform.admin<{ items: Array<{ email: string | null }> }>('/api/v1/contacts');
        expect(page.items.map((contact) => contact.email)).toEqual(['privilege@example.com']);
      }
    } finally {
      await connection.close();
    }
  });
});
