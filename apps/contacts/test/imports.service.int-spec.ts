import { AppException, type EventEnvelope, EventTypes, type ImportView, type LeadIngestedData } from '@leadflow/contracts';
import { JobQueue, JobsRepository, JobWorker, Scheduler, SchedulesRepository } from '@leadflow/jobs';
import { Outbox } from '@leadflow/messaging';
import { hashOfNormalizedIdentity } from '@leadflow/normalization';
import { eventEnvelope, findInvariantViolations, leadIngestedData, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { ContactsRepository } from '../src/contacts/contacts.repository';
import { IdentityResolutionService } from '../src/contacts/identity-resolution.service';
import { ErasedIdentitiesRepository } from '../src/contacts/erased-identities.repository';
import { contactsMigrations } from '../src/database/migrations';
import { IMPORT_JOB_KIND, ImportRunner, type ImportOptions } from '../src/imports/import-runner.service';
import { ImportsRepository } from '../src/imports/imports.repository';
import { ImportsService } from '../src/imports/imports.service';

/**
 * Imports in-process against a real PostgreSQL, no NATS: the upload as the gateway sends it (here
 * in tiny chunks, so rows span chunk boundaries), then the job's runs, composed on purpose:
 * one slice per batch, a batch that fails half-way, two runners at once.
 */
const quietLogger = { info: () => undefined, warn: () => undefined };

describe('contact imports against PostgreSQL', () => {
  let database: ServiceDatabase;
  let imports: ImportsService;
  let repository: ImportsRepository;
  let contactsRepository: ContactsRepository;
  let outbox: Outbox;
  let jobs: JobQueue;
  let resolver: IdentityResolutionService;

  beforeAll(async () => {
    database = await openServiceDatabase('contacts', contactsMigrations);
    const dataSource = database.dataSource;
    repository = new ImportsRepository(dataSource);
    contactsRepository = new ContactsRepository(dataSource);
    outbox = new Outbox(dataSource, 'contacts');
    jobs = new JobQueue(new JobsRepository(dataSource));
    const scheduler = new Scheduler(new SchedulesRepository(dataSource), { logger: quietLogger });
    imports = new ImportsService(dataSource, repository, jobs, scheduler);
    resolver = new IdentityResolutionService(contactsRepository, new ErasedIdentitiesRepository(dataSource), outbox);
  });

  afterAll(async () => {
    await database?.close();
  });

  function runner(options: Partial<ImportOptions> = {}, withOutbox: Outbox = outbox): ImportRunner {
    return new ImportRunner(
      database.dataSource,
      repository,
      contactsRepository,
      new ErasedIdentitiesRepository(database.dataSource),
      withOutbox,
      jobs,
      new JobWorker(new JobsRepository(database.dataSource), { logger: quietLogger }),
      { batchRows: 1000, sliceMs: Number.POSITIVE_INFINITY, ...options },
    );
  }

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

  async function upload(workspaceId: string, csv: string, options: { chunkBytes?: number; mapping?: Record<string, string> } = {}) {
    const bytes = Buffer.from(csv, 'utf8');
    const chunkBytes = options.chunkBytes ?? 7;
    const opened = await imports.start({ workspaceId, createdBy: 'key:importer', mapping: options.mapping, fileName: 'people.csv' });
    let seq = 0;
    for (let offset = 0; offset < bytes.length; offset += chunkBytes, seq += 1) {
      const data = bytes.subarray(offset, offset + chunkBytes).toString('base64');
      await imports.chunk({ workspaceId, importId: opened.id, seq, offset, data });
    }
    return imports.finish({ workspaceId, importId: opened.id, chunks: seq, bytes: bytes.length });
  }

  async function importOf(workspaceId: string, id: string): Promise<ImportView> {
    return imports.get({ workspaceId, id });
  }

  async function issues(workspaceId: string, id: string, kind: 'error' | 'duplicate') {
    return (await imports.issues({ workspaceId, id, kind, afterRow: 0, limit: 5000 })).items;
  }

  async function liveContacts(workspaceId: string) {
    return database.db.query<{ id: string; email: string | null; phone: string | null }>(
      `SELECT id, email, phone FROM contacts.contacts WHERE workspace_id = $1 AND merged_into IS NULL ORDER BY email, phone`,
      [workspaceId],
    );
  }

  function lead(workspaceId: string, fields: Partial<LeadIngestedData>): EventEnvelope<LeadIngestedData> {
    return eventEnvelope(workspaceId, EventTypes.leadIngested, leadIngestedData(fields), { producer: 'ingestion' });
  }

  async function existingContact(workspaceId: string, fields: Partial<LeadIngestedData>): Promise<string> {
    await database.dataSource.transaction((manager: EntityManager) => resolver.onLeadsIngested([lead(workspaceId, fields)], manager));
    const [row] = await database.db.query<{ contact_id: string }>(
      `SELECT contact_id FROM contacts.contact_identities WHERE workspace_id = $1 AND value = $2`,
      [workspaceId, fields.email ?? fields.phone],
    );
    return row?.contact_id as string;
  }

  it('creates the new people, lists duplicates with their contact and errors with their column, and never merges', async () => {
    const ws = newWorkspace();
    const known = await existingContact(ws, { email: 'known@example.com', emailValid: true });
    const knownPhone = await existingContact(ws, { phone: '+4915112340001', phoneValid: true });
    const csv = [
      'Email,Phone,FirstName,LastName,Country,Tags',
      'new1@example.com,+49 151 00000001,Ana,Lima,DE,vip;beta', // 1 created
      'known@example.com,,Kim,,,', // 2 duplicate of an existing contact
      'NEW1@Example.com,,Ana,,,', // 3 duplicate of row 1, found by its normalized email
      'not-an-email,,Bad,,,', // 4 invalid_email
      'known@example.com,+4915112340001,Two,People,,', // 5 identity_conflict
      ',,Nobody,,,', // 6 missing_identity
      'new2@example.com,0049 151 00000001,Pat,,,', // 7 duplicate of row 1 by its phone
      'bad@example.com,x"y,,,,', // 8 invalid_csv
      '"new3@example.com",,"Multi',
      'Line ""Name""",,,"a,b"', // 9 created: a quoted row over two lines
    ].join('\r\n');
    const queued = await upload(ws, csv);
    expect(queued).toMatchObject({ status: 'queued', bytes: Buffer.byteLength(csv), createdBy: 'key:importer' });

    await expect(runner().run(queued.id)).resolves.toBe(true);

    const done = await importOf(ws, queued.id);
    expect(done).toMatchObject({ status: 'completed', rowsDone: 9, created: 2, duplicates: 3, errors: 4, failure: null });
    const created = await database.db.query<Record<string, unknown>>(
      `SELECT email, phone, first_name, last_name, country, tags, version, lifecycle, created_by
       FROM contacts.contacts WHERE workspace_id = $1 AND created_by = 'key:importer' ORDER BY email`,
      [ws],
    );
    expect(created).toEqual([
      {
        email: 'new1@example.com',
        phone: '+4915100000001',
        first_name: 'Ana',
        last_name: 'Lima',
        country: 'DE',
        tags: ['vip', 'beta'],
        version: '1',
        lifecycle: 'lead',
        created_by: 'key:importer',
      },
      {
        email: 'new3@example.com',
        phone: null,
        first_name: 'Multi\r\nLine "Name"',
        last_name: null,
        country: null,
        tags: ['a', 'b'],
        version: '1',
        lifecycle: 'lead',
        created_by: 'key:importer',
      },
    ]);
    const [row1] = await database.db.query<{ id: string }>(
      `SELECT id FROM contacts.contacts WHERE email = 'new1@example.com' AND workspace_id = $1`,
      [ws],
    );
    expect((await issues(ws, queued.id, 'duplicate')).map((i) => [i.row, i.column, i.contactId])).toEqual([
      [2, 'Email', known],
      [3, 'Email', row1?.id],
      [7, 'Phone', row1?.id],
    ]);
    expect((await issues(ws, queued.id, 'error')).map((i) => [i.row, i.column, i.code])).toEqual([
      [4, 'Email', 'invalid_email'],
      [5, null, 'identity_conflict'],
      [6, null, 'missing_identity'],
      [8, null, 'invalid_csv'],
    ]);
    // A page holds whole rows: two rows a page, then the rest.
    const first = await imports.issues({ workspaceId: ws, id: queued.id, kind: 'error', afterRow: 0, limit: 2 });
    expect([first.items.map((i) => i.row), first.nextAfterRow]).toEqual([[4, 5], 5]);
    const second = await imports.issues({ workspaceId: ws, id: queued.id, kind: 'error', afterRow: 5, limit: 2 });
    expect([second.items.map((i) => i.row), second.nextAfterRow]).toEqual([[6, 8], null]);
    const conflict = (await issues(ws, queued.id, 'error')).find((i) => i.row === 5);
    expect(conflict?.message).toContain(known);
    expect(conflict?.message).toContain(knownPhone);
    expect(conflict?.raw).toBe('known@example.com,+4915112340001,Two,People,,');
    // Nothing merged, nothing edited: the two contacts are as the pipeline made them.
    expect(await liveContacts(ws)).toHaveLength(4);
    const events = await database.db.query<{ contact_id: string }>(
      `SELECT envelope->'data'->>'contactId' AS contact_id FROM contacts.outbox_events
       WHERE type = 'contact.created' AND envelope->>'workspaceId' = $1 AND envelope->>'correlationId' = $2`,
      [ws, `import:${queued.id}`],
    );
    expect(events).toHaveLength(2);
    expect(await database.db.query(`SELECT 1 FROM contacts.import_chunks WHERE import_id = $1`, [queued.id])).toEqual([]);
    expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);
  });

  it('makes no contact for a row of an erased person: an identity_erased error that keeps nothing of the row', async () => {
    const ws = newWorkspace();
    const erasureId = uuidv7();
    const erasedEmail = 'gone@example.com';
    const erasedPhone = '+4915199990000';
    await database.db.query(
      `INSERT INTO contacts.erasures (id, workspace_id, contact_id, requested_by, lead_ids, merged_contact_ids, email_hashes, phone_hashes, summary)
       VALUES ($1, $2, $3, 'key:admin', '{}', '{}', $4, $5, '{}')`,
      [erasureId, ws, uuidv7(), [hashOfNormalizedIdentity('email', erasedEmail)], [hashOfNormalizedIdentity('phone', erasedPhone)]],
    );
    await database.db.query(
      `INSERT INTO contacts.erased_identities (workspace_id, hash, erasure_id) SELECT $1, h, $2 FROM unnest($3::text[]) h`,
      [ws, erasureId, [hashOfNormalizedIdentity('email', erasedEmail), hashOfNormalizedIdentity('phone', erasedPhone)]],
    );
    const csv = [
      'Email,Phone,FirstName',
      'GONE@example.com,,Greta', // 1 the erased email, typed otherwise
      'fresh.address@example.com,0049 151 99990000,Greta', // 2 the erased phone with a new email
      'someone.else@example.com,,Sam', // 3 created
    ].join('\n');
    const queued = await upload(ws, csv);
    await expect(runner().run(queued.id)).resolves.toBe(true);

    expect(await importOf(ws, queued.id)).toMatchObject({ status: 'completed', rowsDone: 3, created: 1, duplicates: 0, errors: 2 });
    expect((await issues(ws, queued.id, 'error')).map((i) => [i.row, i.column, i.code, i.raw])).toEqual([
      [1, 'Email', 'identity_erased', ''],
      [2, 'Phone', 'identity_erased', ''],
    ]);
    expect((await liveContacts(ws)).map((c) => c.email)).toEqual(['someone.else@example.com']);
    const stored = await database.db.query(
      `SELECT 1 FROM contacts.import_issues WHERE import_id = $1 AND (raw || message) ~* '(gone|fresh|9999)'`,
      [queued.id],
    );
    expect(stored).toEqual([]);
  });

  it('feeds fields and custom properties through a mapping', async () => {
    const ws = newWorkspace();
    const queued = await upload(ws, 'E-Mail,Firma,Position,Plan,Ignored\nana@example.com,Acme,CTO,gold,x\n', {
      mapping: { 'E-Mail': 'email', Firma: 'company', Position: 'title', Plan: 'properties.plan' },
    });
    await runner().run(queued.id);
    expect(
      await database.db.query(`SELECT email, company, title, properties FROM contacts.contacts WHERE workspace_id = $1`, [ws]),
    ).toEqual([{ email: 'ana@example.com', company: 'Acme', title: 'CTO', properties: { plan: 'gold' } }]);
  });

  it('refuses a mapping to an unknown field before storing anything', async () => {
    const ws = newWorkspace();
    await expect(imports.start({ workspaceId: ws, createdBy: 'key:x', mapping: { Born: 'birthday' } })).rejects.toMatchObject({
      code: 'invalid_mapping',
    });
    expect(await database.db.query(`SELECT 1 FROM contacts.imports WHERE workspace_id = $1`, [ws])).toEqual([]);
  });

  it('fails an import whose mapping names a column the file lacks, and drops its file', async () => {
    const ws = newWorkspace();
    const queued = await upload(ws, 'email\na@example.com\n', { mapping: { email: 'email', Mobile: 'phone' } });
    await runner().run(queued.id);
    expect(await importOf(ws, queued.id)).toMatchObject({ status: 'failed', failure: { code: 'missing_columns' }, created: 0 });
    expect(await database.db.query(`SELECT 1 FROM contacts.import_chunks WHERE import_id = $1`, [queued.id])).toEqual([]);
  });

  it('queues an upload only once every chunk is stored, and takes no chunk after', async () => {
    const ws = newWorkspace();
    const opened = await imports.start({ workspaceId: ws, createdBy: 'key:x' });
    await imports.chunk({ workspaceId: ws, importId: opened.id, seq: 0, offset: 0, data: Buffer.from('email\n').toString('base64') });
    await expect(imports.finish({ workspaceId: ws, importId: opened.id, chunks: 2, bytes: 20 })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await imports.finish({ workspaceId: ws, importId: opened.id, chunks: 1, bytes: 6 });
    await expect(
      imports.chunk({ workspaceId: ws, importId: opened.id, seq: 1, offset: 6, data: Buffer.from('x').toString('base64') }),
    ).rejects.toMatchObject({ code: 'import_not_open' });
    // Another workspace does not see it.
    await expect(imports.get({ workspaceId: newWorkspace(), id: opened.id })).rejects.toBeInstanceOf(AppException);
    const [job] = await database.db.query<{ kind: string; payload: unknown }>(
      `SELECT kind, payload FROM contacts.jobs WHERE workspace_id = $1`,
      [ws],
    );
    expect(job).toEqual({ kind: IMPORT_JOB_KIND, payload: { importId: opened.id } });
  });

  it('gives up an upload that stopped arriving, and drops its chunks', async () => {
    const ws = newWorkspace();
    const opened = await imports.start({ workspaceId: ws, createdBy: 'key:x' });
    const fresh = await imports.start({ workspaceId: ws, createdBy: 'key:x' });
    for (const id of [opened.id, fresh.id]) {
      await imports.chunk({ workspaceId: ws, importId: id, seq: 0, offset: 0, data: Buffer.from('email\n').toString('base64') });
    }
    await database.db.query(`UPDATE contacts.imports SET updated_at = now() - interval '2 hours' WHERE id = $1`, [opened.id]);
    expect(await imports.failAbandonedUploads()).toBeGreaterThanOrEqual(1);
    expect(await importOf(ws, opened.id)).toMatchObject({ status: 'failed', failure: { code: 'upload_abandoned' } });
    expect(await importOf(ws, fresh.id)).toMatchObject({ status: 'uploading' });
    expect(await database.db.query(`SELECT 1 FROM contacts.import_chunks WHERE import_id = $1`, [opened.id])).toEqual([]);
  });

  function people(from: number, count: number): string[] {
    return Array.from(
      { length: count },
      (_, i) => `person${from + i}@example.com,+4915200${String(from + i).padStart(6, '0')},P${from + i}`,
    );
  }

  it('goes on from its last batch, slice after slice, handing over through a new job each time', async () => {
    const ws = newWorkspace();
    const rows = [...people(0, 250), ...people(0, 5)];
    const queued = await upload(ws, ['email,phone,firstName', ...rows].join('\n'), { chunkBytes: 333 });
    const sliced = runner({ batchRows: 40, sliceMs: 0 });
    let runs = 1;
    while (!(await sliced.run(queued.id))) runs += 1;
    expect(runs).toBe(7);
    expect(await importOf(ws, queued.id)).toMatchObject({ status: 'completed', rowsDone: 255, created: 250, duplicates: 5, errors: 0 });
    expect(await liveContacts(ws)).toHaveLength(250);
    const handOvers = await database.db.query(`SELECT 1 FROM contacts.jobs WHERE workspace_id = $1`, [ws]);
    expect(handOvers).toHaveLength(1 + 6);
    expect((await issues(ws, queued.id, 'duplicate')).map((i) => i.row)).toEqual([251, 252, 253, 254, 255]);
  });

  it('creates no row twice when a batch fails half-way and the job runs again', async () => {
    const ws = newWorkspace();
    const queued = await upload(ws, ['email,phone,firstName', ...people(1000, 300)].join('\n'), { chunkBytes: 1000 });
    let calls = 0;
    const failing = new Outbox(database.dataSource, 'contacts');
    const addMany = failing.addMany.bind(failing);
    failing.addMany = (async (manager, events) => {
      calls += 1;
      const written = await addMany(manager, events);
      if (calls === 3) throw new Error('the process died here');
      return written;
    }) as Outbox['addMany'];
    await expect(runner({ batchRows: 50 }, failing).run(queued.id)).rejects.toThrow('the process died here');
    expect(await importOf(ws, queued.id)).toMatchObject({ status: 'running', rowsDone: 100, created: 100 });
    expect(await liveContacts(ws)).toHaveLength(100);

    await runner({ batchRows: 50 }).run(queued.id);
    expect(await importOf(ws, queued.id)).toMatchObject({ status: 'completed', rowsDone: 300, created: 300, duplicates: 0 });
    expect(await liveContacts(ws)).toHaveLength(300);
    const events = await database.db.query(`SELECT 1 FROM contacts.outbox_events WHERE envelope->>'correlationId' = $1`, [
      `import:${queued.id}`,
    ]);
    expect(events).toHaveLength(300);
  });

  it('fails the import with the last attempt of its job, keeping what it imported', async () => {
    const ws = newWorkspace();
    const queued = await upload(ws, ['email,phone,firstName', ...people(3000, 60)].join('\n'), { chunkBytes: 1000 });
    let calls = 0;
    const failing = new Outbox(database.dataSource, 'contacts');
    failing.addMany = (async () => {
      calls += 1;
      throw new Error('the database refuses');
    }) as Outbox['addMany'];
    const job = { id: uuidv7(), kind: IMPORT_JOB_KIND, workspaceId: ws, payload: { importId: queued.id }, maxAttempts: 3 };
    await expect(runner({ batchRows: 50 }, failing).runAttempt({ ...job, attempt: 1 })).rejects.toThrow('the database refuses');
    expect(await importOf(ws, queued.id)).toMatchObject({ status: 'running' });
    await expect(runner({ batchRows: 50 }, failing).runAttempt({ ...job, attempt: 3 })).rejects.toThrow('the database refuses');
    expect(await importOf(ws, queued.id)).toMatchObject({ status: 'failed', failure: { code: 'internal_error' }, created: 0 });
    expect(calls).toBe(2);
  });

  it('creates each contact once when two runners read the same import at the same time', async () => {
    const ws = newWorkspace();
    const queued = await upload(ws, ['email,phone,firstName', ...people(2000, 400)].join('\n'), { chunkBytes: 4096 });
    await Promise.all([runner({ batchRows: 25 }).run(queued.id), runner({ batchRows: 25 }).run(queued.id)]);
    expect(await importOf(ws, queued.id)).toMatchObject({ status: 'completed', rowsDone: 400, created: 400, duplicates: 0, errors: 0 });
    expect(await liveContacts(ws)).toHaveLength(400);
    expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);
  });
});
