// Bulk contact imports through the gateway: the file streamed to contacts in chunks, read by a job.
import type { ContactSummary, ImportIssuePage, ImportView, Page } from '@leadflow/contracts';
import { waitFor } from '@leadflow/testing';
import { parse } from 'csv-parse/sync';
import { httpRequest, rawExchange } from './raw-http';
import { E2E_ADMIN_KEY, E2E_INTAKE_KEY, Platform } from './platform';

/** A small upload limit, so that "too large" costs megabytes here rather than 100. */
const IMPORT_MAX_BYTES = 4 * 1024 * 1024;
/** A short lease: after a SIGKILL the job is taken over within seconds (slices of 750 ms). */
const JOB_LEASE_MS = 3000;
const CHUNK_BYTES = 512 * 1024;

interface AuditEntry {
  action: string;
  actor: string;
  target: string;
}

describe('contact imports, through the gateway', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start({
      env: { IMPORT_MAX_BYTES: String(IMPORT_MAX_BYTES), JOB_LEASE_MS: String(JOB_LEASE_MS), LOG_LEVEL: 'info' },
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  async function upload(csv: string | Buffer, query = ''): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(platform.gateway.url(`/api/v1/imports${query}`), {
      method: 'POST',
      headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}`, 'Content-Type': 'text/csv' },
      body: csv,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function completed(id: string, timeoutMs = 60_000): Promise<ImportView> {
    return waitFor(
      async () => {
        const view = await platform.admin<ImportView>(`/api/v1/imports/${id}`);
        return view.status === 'completed' || view.status === 'failed' ? view : undefined;
      },
      { timeoutMs, intervalMs: 200, what: `import ${id} to finish` },
    );
  }

  const phoneOf = (n: number) => `+49151${String(n).padStart(8, '0')}`;

  it('imports a file with 5 % duplicate and 2 % broken rows, reporting exactly those rows', async () => {
    // Ten people the platform already knows, from leads.
    const existing: string[] = [];
    for (let k = 0; k < 10; k += 1) {
      const sent = await fetch(platform.gateway.url('/api/lead'), {
        method: 'POST',
        headers: { 'X-Api-Key': E2E_INTAKE_KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: `known${k}@example.com`, phone: phoneOf(90_000_000 + k), firstName: `Known${k}` }),
      });
      expect(sent.status).toBe(201);
    }
    for (let k = 0; k < 10; k += 1) {
      const page = await waitFor(
        async () => {
          const found = await platform.admin<Page<ContactSummary>>(`/api/v1/contacts?email=known${k}@example.com`);
          return found.items.length === 1 ? found : undefined;
        },
        { timeoutMs: 30_000, what: `contact known${k}` },
      );
      existing.push(page.items[0]?.id as string);
    }

    // 1000 rows: every 20th from row 7 a duplicate (of a known person by email, or of row i-6 by phone),
    // every 50th from row 13 broken in one of five ways; the others new people.
    const broken = ['invalid_email', 'missing_identity', 'invalid_phone', 'column_count', 'invalid_csv'];
    const lines = ['email,phone,firstName,lastName,company,tags'];
    const expectedErrors = new Map<number, string>();
    const expectedDuplicates = new Map<number, { of: 'known'; k: number } | { of: 'row'; row: number }>();
    const created = new Set<string>();
    for (let i = 1; i <= 1000; i += 1) {
      if (i % 50 === 13) {
        const code = broken[Math.floor(i / 50) % broken.length] as string;
        expectedErrors.set(i, code);
        lines.push(
          {
            invalid_email: `person${i}.example.com,,P${i},,,`,
            missing_identity: `,,P${i},Nobody,,`,
            invalid_phone: `person${i}@example.com,+49 1,P${i},,,`,
            column_count: `person${i}@example.com,${phoneOf(i)},P${i}`,
            invalid_csv: `person${i}@example.com,${phoneOf(i)},P"${i},,,`,
          }[code] as string,
        );
      } else if (i % 20 === 7) {
        const k = Math.floor(i / 20);
        if (k % 2 === 0) {
          expectedDuplicates.set(i, { of: 'known', k: k % 10 });
          lines.push(`KNOWN${k % 10}@Example.com,,Again,,,`);
        } else {
          expectedDuplicates.set(i, { of: 'row', row: i - 6 });
          // The same phone written another way, with an email nobody has.
          lines.push(`other${i}@example.com,0049 151 ${String(i - 6).padStart(8, '0')},Twin,,,`);
        }
      } else {
        created.add(`person${i}@example.com`);
        lines.push(`person${i}@example.com,${phoneOf(i)},P${i},"Last, ${i}",Acme,"a;b"`);
      }
    }
    expect(expectedErrors.size).toBe(20);
    expect(expectedDuplicates.size).toBe(50);

    const accepted = await upload(lines.join('\n') + '\n', '?fileName=people.csv');
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'queued', fileName: 'people.csv', mapping: null });
    const id = String(accepted.body.id);

    const done = await completed(id);
    expect(done).toMatchObject({ status: 'completed', rowsDone: 1000, created: 930, duplicates: 50, errors: 20, failure: null });

    // The error report: exactly the broken rows, each with its code and the row as sent.
    const report = await fetch(platform.gateway.url(`/api/v1/imports/${id}/errors`), {
      headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}` },
    });
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toContain('text/csv');
    const reported = parse(await report.text(), { columns: true }) as Array<Record<string, string>>;
    expect(reported.map((line) => [Number(line.row), line.code])).toEqual([...expectedErrors].map(([row, code]) => [row, code]));
    for (const line of reported) {
      // A row whose quoting broke is kept up to where reading it failed.
      if (line.code === 'invalid_csv') expect(lines[Number(line.row)]?.startsWith(String(line.original_row))).toBe(true);
      else expect(line.original_row).toBe(lines[Number(line.row)]);
    }
    expect(reported.find((line) => line.code === 'invalid_email')).toMatchObject({ column: 'email', original_row: lines[13] });

    // The duplicates: exactly those rows, each with the contact it belongs to.
    const duplicates = await platform.admin<ImportIssuePage>(`/api/v1/imports/${id}/duplicates?limit=1000`);
    expect(duplicates.nextAfterRow).toBeNull();
    expect(duplicates.items.map((item) => item.row)).toEqual([...expectedDuplicates.keys()]);
    const idOfRow = async (row: number) =>
      (
        await platform.db.query<{ id: string }>(`SELECT id FROM contacts.contacts WHERE workspace_id = 'default' AND email = $1`, [
          `person${row}@example.com`,
        ])
      )[0]?.id;
    for (const item of duplicates.items) {
      const expected = expectedDuplicates.get(item.row);
      const contactId = expected?.of === 'known' ? existing[expected.k] : await idOfRow(expected?.row ?? 0);
      expect({ row: item.row, contactId: item.contactId }).toEqual({ row: item.row, contactId });
    }

    // The contact rows: the 930 new people once each, made by the importer; the known ones untouched.
    const rows = await platform.db.query<{ email: string; version: string; lifecycle: string; tags: string[] }>(
      `SELECT email, version, lifecycle, tags FROM contacts.contacts WHERE workspace_id = 'default' AND created_by = $1`,
      [done.createdBy],
    );
    expect(new Set(rows.map((row) => row.email))).toEqual(created);
    expect(rows).toHaveLength(930);
    expect(rows.every((row) => row.version === '1' && row.lifecycle === 'lead' && row.tags.join() === 'a,b')).toBe(true);
    const known = await platform.db.query<{ first_name: string; version: string }>(
      `SELECT first_name, version FROM contacts.contacts WHERE id = ANY($1::uuid[])`,
      [existing],
    );
    expect(known.every((row) => row.first_name.startsWith('Known'))).toBe(true);

    // Listed, and audited as created by the key that uploaded it.
    const list = await platform.admin<Page<ImportView>>('/api/v1/imports');
    expect(list.items.map((item) => item.id)).toContain(id);
    const audit = await platform.admin<Page<AuditEntry>>('/api/v1/audit?limit=200');
    expect(audit.items.find((entry) => entry.target === `import:${id}`)).toMatchObject({ action: 'import.create', actor: done.createdBy });
  });

  it('puts rows cut by chunk boundaries back together, multi-line quoted fields and multi-byte characters included', async () => {
    const lines = ['email,firstName,lastName'];
    const expected = new Map<string, { first: string; last: string }>();
    for (let i = 0, length = 0; length < 3 * CHUNK_BYTES; i += 1) {
      const first = `Zoë "${i}" Ünal`;
      const last = `line one ${i}\nline two, ü${'·'.repeat(i % 97)}`;
      expected.set(`chunk${i}@example.com`, { first, last });
      lines.push(`chunk${i}@example.com,"${first.replaceAll('"', '""')}","${last}"`);
      length += Buffer.byteLength(lines.at(-1) as string) + 2;
    }
    const file = Buffer.from(lines.join('\r\n'), 'utf8');
    expect(file.length).toBeGreaterThan(3 * CHUNK_BYTES);

    const accepted = await upload(file);
    expect(accepted.status).toBe(202);
    expect(accepted.body.bytes).toBe(file.length);
    const done = await completed(String(accepted.body.id));
    expect(done).toMatchObject({ status: 'completed', created: expected.size, errors: 0, duplicates: 0 });

    const rows = await platform.db.query<{ email: string; first_name: string; last_name: string }>(
      `SELECT email, first_name, last_name FROM contacts.contacts WHERE workspace_id = 'default' AND email LIKE 'chunk%@example.com'`,
    );
    expect(rows).toHaveLength(expected.size);
    const wrong = rows.filter((row) => {
      const want = expected.get(row.email);
      return want?.first !== row.first_name || want?.last !== row.last_name;
    });
    expect(wrong).toEqual([]);
  });

  it('answers 413 to a file over the limit, declared or streamed, and keeps nothing of it', async () => {
    const before = await platform.admin<Page<ImportView>>('/api/v1/imports?limit=200');

    // Declared too large: answered before a byte is read or stored.
    const request = Buffer.from(
      `POST /api/v1/imports HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${E2E_ADMIN_KEY}\r\nContent-Type: text/csv\r\n` +
        `Content-Length: ${200 * 1024 * 1024}\r\n\r\nemail\na@example.com\n`,
    );
    const [declared] = await rawExchange(platform.gateway.port, request, { timeoutMs: 10_000 });
    expect(declared?.status).toBe(413);
    expect(JSON.parse(declared?.body.toString() ?? '{}')).toMatchObject({ error: { code: 'payload_too_large' } });
    const after = await platform.admin<Page<ImportView>>('/api/v1/imports?limit=200');
    expect(after.items.length).toBe(before.items.length);

    // Streamed without a length: stopped at the limit, the upload given up and its chunks dropped.
    const big = Buffer.alloc(IMPORT_MAX_BYTES + 1024 * 1024, 'a@example.com,x\n');
    const streamed = await httpRequest(platform.gateway.url('/api/v1/imports'), {
      headers: [
        ['Authorization', `Bearer ${E2E_ADMIN_KEY}`],
        ['Content-Type', 'text/csv'],
        ['Transfer-Encoding', 'chunked'],
      ],
      body: big,
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body.toString())).toMatchObject({ error: { code: 'payload_too_large' } });
    const [given] = (await platform.admin<Page<ImportView>>('/api/v1/imports?limit=1')).items;
    expect(given).toMatchObject({ status: 'failed', failure: { code: 'payload_too_large' } });
    expect(await platform.db.query(`SELECT 1 FROM contacts.import_chunks WHERE import_id = $1`, [given?.id])).toEqual([]);

    // The gateway is still there.
    expect((await fetch(platform.gateway.url('/health'))).status).toBe(200);
  });

  it('refuses an unknown target field with 400 invalid_mapping, and another content type with 415, storing nothing', async () => {
    const before = (await platform.admin<Page<ImportView>>('/api/v1/imports?limit=200')).items.length;
    const mapping = encodeURIComponent(JSON.stringify({ Mail: 'email', Born: 'birthday' }));
    const refused = await upload('Mail,Born\na@example.com,1990\n', `?mapping=${mapping}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'invalid_mapping' } });
    expect(JSON.stringify(refused.body)).toContain('birthday');

    const json = await fetch(platform.gateway.url('/api/v1/imports'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: '{"email":"a@example.com"}',
    });
    expect(json.status).toBe(415);
    expect((await platform.admin<Page<ImportView>>('/api/v1/imports?limit=200')).items.length).toBe(before);
  });

  it('completes with exactly the expected contacts when contacts is SIGKILLed mid-import', async () => {
    const count = 20_000;
    const lines = ['email,phone,firstName'];
    for (let i = 0; i < count; i += 1) lines.push(`crash${i}@example.com,${phoneOf(50_000_000 + i)},C${i}`);
    const accepted = await upload(lines.join('\n'));
    expect(accepted.status).toBe(202);
    const id = String(accepted.body.id);

    const midway = await waitFor(
      async () => {
        const view = await platform.admin<ImportView>(`/api/v1/imports/${id}`);
        return view.rowsDone >= 2000 ? view : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: 'the import to be under way' },
    );
    expect(midway.status).toBe('running');
    await platform.kill('contacts');
    await platform.restart('contacts');

    const done = await completed(id, 120_000);
    expect(done).toMatchObject({ status: 'completed', rowsDone: count, created: count, duplicates: 0, errors: 0 });
    const [stored] = await platform.db.query<{ rows: string; emails: string }>(
      `SELECT count(*) AS rows, count(DISTINCT email) AS emails FROM contacts.contacts
       WHERE workspace_id = 'default' AND email LIKE 'crash%@example.com'`,
    );
    expect(stored).toEqual({ rows: String(count), emails: String(count) });
    const [identities] = await platform.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM contacts.contact_identities i JOIN contacts.contacts c ON c.id = i.contact_id
       WHERE c.email LIKE 'crash%@example.com'`,
    );
    expect(identities?.n).toBe(String(2 * count));
  }, 240_000);
});
