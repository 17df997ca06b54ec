import { EventTypes, type LeadIngestedData } from '@leadflow/contracts';
import { AppHarness, findInvariantViolations, leadIngestedData } from '@leadflow/testing';
import { v7 as uuidv7 } from 'uuid';

/**
 * Many people, each sending a lead with email and phone, one with the email only and one with the
 * phone only, all at once and in random order, some of them twice: every person must end as one
 * live contact holding both identities, and the database's invariants must hold.
 */
describe('contacts: one person, one contact, under concurrency', () => {
  let h: AppHarness;

  beforeAll(async () => {
    h = await AppHarness.start('contacts', { EVENT_ACK_WAIT_SECONDS: '5', EVENT_BATCH_INTERVAL_MS: '2' });
  });

  afterAll(async () => {
    await h?.stop();
  });

  const lead = (fields: Partial<LeadIngestedData>) => leadIngestedData({ offer: 'spring', ...fields });

  function shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i -= 1) {
      const j = Math.floor(Math.random() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }

  /** Each person's leads on one live contact, and no live contact whose email or phone is not its own identity. */
  async function expectOneContactPerPerson(ws: string, people: number, leads: Array<{ person: number; data: LeadIngestedData }>) {
    await h.waitForRows(
      `SELECT count(*)::int AS n FROM contacts.contact_leads WHERE workspace_id = $1`,
      [ws],
      (rows) => (rows[0] as { n: number }).n === leads.length,
      90000,
    );
    const owners = await h.db.query<{ lead_id: string; contact_id: string }>(
      `SELECT l.lead_id, COALESCE(c.merged_into, c.id) AS contact_id
       FROM contacts.contact_leads l JOIN contacts.contacts c ON c.id = l.contact_id WHERE l.workspace_id = $1`,
      [ws],
    );
    const contactOf = new Map(owners.map((row) => [row.lead_id, row.contact_id]));
    const split = Array.from({ length: people }, (_, person) => person).filter(
      (person) => new Set(leads.filter((l) => l.person === person).map((l) => contactOf.get(l.data.leadId))).size !== 1,
    );
    expect(split).toEqual([]);
    const live = await h.db.query<{ email: string | null; phone: string | null }>(
      `SELECT email, phone FROM contacts.contacts WHERE workspace_id = $1 AND merged_into IS NULL`,
      [ws],
    );
    expect(live).toHaveLength(people);
    expect(live.filter((c) => c.email === null || c.phone === null)).toEqual([]);
    expect(await findInvariantViolations(h.db, { drained: false })).toEqual([]);
  }

  function threeLeadsEach(people: Array<{ email: string; phone: string }>) {
    return people.flatMap((p, person) =>
      [
        lead({ email: p.email, emailValid: true, phone: p.phone, phoneValid: true }),
        lead({ email: p.email, emailValid: true }),
        lead({ phone: p.phone, phoneValid: true }),
      ].map((data) => ({ person, data })),
    );
  }

  for (let round = 1; round <= 5; round += 1) {
    it(`round ${round}: 60 people, three kinds of lead each, sent together and partly twice, end as 60 contacts`, async () => {
      const ws = `stress${Date.now().toString(36)}${round}`;
      const people = Array.from({ length: 60 }, (_, i) => ({
        email: `p${i}.r${round}@example.com`,
        phone: `+4915${String(round).padStart(2, '0')}${String(100000 + i)}`,
      }));
      const leads = threeLeadsEach(people);
      const sends = shuffle([...leads, ...leads.filter(() => Math.random() < 0.25)]);
      await Promise.all(sends.map(({ data }) => h.publish(EventTypes.leadIngested, data, { workspaceId: ws })));
      await expectOneContactPerPerson(ws, people.length, leads);
    });
  }

  it('keeps one contact per person when killed while batches hold several leads of one person', async () => {
    const ws = `killed${Date.now().toString(36)}`;
    const people = Array.from({ length: 120 }, (_, i) => ({ email: `k${i}@example.com`, phone: `+4916${String(2000000 + i)}` }));
    // Each person's three leads are published back to back, so that the batches being applied
    // when the consumer dies hold several leads of one person.
    const leads = threeLeadsEach(people);
    const publishing = (async () => {
      for (let i = 0; i < leads.length; i += 30) {
        await Promise.all(leads.slice(i, i + 30).map(({ data }) => h.publish(EventTypes.leadIngested, data, { workspaceId: ws })));
      }
    })();
    for (let kill = 0; kill < 3; kill += 1) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      await h.restart();
    }
    await publishing;
    await expectOneContactPerPerson(ws, people.length, leads);
  });

  it('leaves an invalid phone on its lead: it identifies nobody and never reaches a contact', async () => {
    const ws = `invalid${Date.now().toString(36)}`;
    const people = Array.from({ length: 20 }, (_, i) => ({ email: `inv${i}@example.com`, phone: `+4915${i}` }));
    const leads = people.flatMap((p, person) =>
      shuffle([
        lead({ email: p.email, emailValid: true, phone: p.phone, phoneValid: false }),
        lead({ email: p.email, emailValid: true }),
        lead({ phone: p.phone, phoneValid: false }),
      ]).map((data) => ({ person, data })),
    );
    await Promise.all(leads.map(({ data }) => h.publish(EventTypes.leadIngested, data, { workspaceId: ws })));
    await h.waitForRows(
      `SELECT count(*)::int AS n FROM contacts.contact_leads WHERE workspace_id = $1`,
      [ws],
      (rows) => (rows[0] as { n: number }).n === leads.length,
      60000,
    );
    const live = await h.db.query<{ email: string | null; phone: string | null }>(
      `SELECT email, phone FROM contacts.contacts WHERE workspace_id = $1 AND merged_into IS NULL`,
      [ws],
    );
    // The email's contact, and the phone-only lead's own contact (nothing identifies it).
    expect(live.filter((c) => c.email !== null)).toHaveLength(people.length);
    expect(live.filter((c) => c.email === null)).toHaveLength(people.length);
    expect(live.filter((c) => c.phone !== null)).toEqual([]);
    expect(await findInvariantViolations(h.db, { drained: false })).toEqual([]);
  });

  describe('the database itself refuses', () => {
    const ws = 'guarded';
    const contact = (id: string, email: string | null) =>
      `INSERT INTO contacts.contacts (id, workspace_id, email, created_at, updated_at) VALUES ('${id}', '${ws}', ${email === null ? 'NULL' : `'${email}'`}, now(), now())`;
    const inTransaction = async (...statements: string[]) => {
      await h.db.query('BEGIN');
      try {
        for (const statement of statements) await h.db.query(statement);
        await h.db.query('COMMIT');
      } catch (error) {
        await h.db.query('ROLLBACK');
        throw error;
      }
    };

    it('a live contact whose email is not an identity of its own', async () => {
      const id = uuidv7();
      await expect(inTransaction(contact(id, 'nobody@example.com'))).rejects.toThrow(/contacts_email_is_own_identity/);
    });

    it('an identity owned by a merged contact', async () => {
      const [survivor, merged] = [uuidv7(), uuidv7()];
      await inTransaction(
        contact(survivor, null),
        contact(merged, 'm@example.com'),
        `INSERT INTO contacts.contact_identities (workspace_id, kind, value, contact_id) VALUES ('${ws}', 'email', 'm@example.com', '${merged}')`,
      );
      await expect(inTransaction(`UPDATE contacts.contacts SET merged_into = '${survivor}' WHERE id = '${merged}'`)).rejects.toThrow(
        /contact_identities_owner_is_live/,
      );
    });

    it('and npm run check:invariants finds what was written around the constraints', async () => {
      expect(await findInvariantViolations(h.db, { drained: false })).toEqual([]);
      const id = uuidv7();
      // As the superuser, with triggers (and so foreign keys) off, as a faulty restore could.
      await inTransaction(`SET LOCAL session_replication_role = replica`, contact(id, 'stray@example.com'));
      try {
        expect(await findInvariantViolations(h.db, { drained: false })).toEqual([
          expect.objectContaining({ name: 'a live contact holds an email or phone that is not an identity of its own', count: 1 }),
        ]);
      } finally {
        await h.db.query(`DELETE FROM contacts.contacts WHERE id = $1`, [id]);
      }
    });

    it('a second live contact holding an identity another one owns', async () => {
      const [first, second] = [uuidv7(), uuidv7()];
      await inTransaction(
        contact(first, 'one@example.com'),
        `INSERT INTO contacts.contact_identities (workspace_id, kind, value, contact_id) VALUES ('${ws}', 'email', 'one@example.com', '${first}')`,
      );
      await expect(inTransaction(contact(second, 'one@example.com'))).rejects.toThrow(/contacts_email_is_own_identity/);
    });
  });
});
