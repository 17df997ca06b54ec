import { type CrmEventProcessedData, type CrmEventReceivedData, type EventEnvelope, EventTypes, readMessage } from '@leadflow/contracts';
import { AppHarness, crmEventReceivedData, type RunningProcess, waitFor } from '@leadflow/testing';
import type { Subscription } from 'nats';
import { v7 as uuidv7 } from 'uuid';

/**
 * The contacts process applying CRM events over the real NATS: `crm_event.received` published into
 * ingestion's stream as ingestion's relay would, `crm_event.processed` read from contacts' own, the
 * contacts and opportunities asserted in its database. Covers duplicates, out-of-order and late
 * events, a shuffled burst on two replicas, and an opportunity whose contact arrives after it.
 */
describe('contacts: CRM events', () => {
  let h: AppHarness;
  let subscription: Subscription;
  const answers: Array<EventEnvelope<CrmEventProcessedData>> = [];
  const integrationId = uuidv7();

  beforeAll(async () => {
    h = await AppHarness.start('contacts', { EVENT_ACK_WAIT_SECONDS: '3' });
    subscription = h.nats.subscribe(`${h.namespace}.${EventTypes.crmEventProcessed}`);
    void (async () => {
      for await (const message of subscription) {
        answers.push(...(readMessage(message.data) as Array<EventEnvelope<CrmEventProcessedData>>));
      }
    })();
  });

  afterAll(async () => {
    subscription?.unsubscribe();
    await h?.stop();
  });

  let workspace = 0;
  const newWorkspace = () => `crm${Date.now().toString(36)}${(workspace += 1)}`;
  const at = (second: number) => new Date(Date.UTC(2026, 10, 30, 9, 0, second)).toISOString();

  const publish = (
    workspaceId: string,
    type: CrmEventReceivedData['type'],
    externalId: string,
    second: number,
    fields: Record<string, unknown> = {},
    extra: Partial<CrmEventReceivedData> = {},
  ) =>
    h.publish(
      EventTypes.crmEventReceived,
      crmEventReceivedData({ integrationId, type, externalId, sourceUpdatedAt: at(second), fields, ...extra }),
      { workspaceId },
    );

  /** The answers to one CRM event at one attempt, once there are `count` of them. */
  const answersTo = (data: CrmEventReceivedData, count = 1) =>
    waitFor(
      () => {
        const found = answers.filter((a) => a.data.crmEventId === data.crmEventId && a.data.attempt === data.attempt).map((a) => a.data);
        return found.length >= count && found;
      },
      { what: `crm_event.processed for ${data.crmEventId} (attempt ${data.attempt})` },
    );
  const answerTo = async (data: CrmEventReceivedData) => (await answersTo(data))[0] as CrmEventProcessedData;

  const contactsOf = (workspaceId: string) =>
    h.db.query<{ id: string; email: string | null; first_name: string | null; deleted: boolean }>(
      `SELECT "id", "email", "first_name", "deleted_at" IS NOT NULL AS "deleted" FROM contacts.contacts
       WHERE "workspace_id" = $1 AND "merged_into" IS NULL ORDER BY "email"`,
      [workspaceId],
    );

  it('creates, updates and soft-deletes a contact, answering each event once with its record', async () => {
    const ws = newWorkspace();
    const created = await publish(ws, 'contact.created', 'c-1', 1, { email: 'Ana@Example.com', firstName: 'Ana' });
    const first = await answerTo(created.data);
    expect(first).toMatchObject({ status: 'processed', integrationId, attempt: 1, error: null });
    expect(await contactsOf(ws)).toEqual([{ id: first.recordId, email: 'ana@example.com', first_name: 'Ana', deleted: false }]);

    const updated = await publish(ws, 'contact.updated', 'c-1', 2, { firstName: 'Ana María' });
    expect(await answerTo(updated.data)).toMatchObject({ status: 'processed', recordId: first.recordId });
    const deleted = await publish(ws, 'contact.deleted', 'c-1', 3);
    expect(await answerTo(deleted.data)).toMatchObject({ status: 'processed', recordId: first.recordId });
    expect(await contactsOf(ws)).toEqual([{ id: first.recordId, email: 'ana@example.com', first_name: 'Ana María', deleted: true }]);
  });

  it('applies a CRM event once, whether its message or the event itself comes again', async () => {
    const ws = newWorkspace();
    const created = await publish(ws, 'contact.created', 'c-dup', 1, { email: 'dup@example.com' });
    // The same message again (a relay's resend) and the same CRM event in a new message (a replay).
    await h.publish(EventTypes.crmEventReceived, created.data, { workspaceId: ws, id: created.id });
    const replay = await h.publish(EventTypes.crmEventReceived, { ...created.data, attempt: 2 }, { workspaceId: ws });
    expect(await answerTo(created.data)).toMatchObject({ status: 'processed' });
    expect(await answerTo(replay.data)).toMatchObject({ status: 'skipped', reason: 'duplicate' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(answers.filter((a) => a.data.crmEventId === created.data.crmEventId)).toHaveLength(2);
    expect(await contactsOf(ws)).toHaveLength(1);
  });

  it('skips an older event arriving after a newer one as stale: the newest state stays', async () => {
    const ws = newWorkspace();
    const newer = await publish(ws, 'contact.updated', 'c-ooo', 20, { email: 'ooo@example.com', firstName: 'Newer' });
    expect(await answerTo(newer.data)).toMatchObject({ status: 'processed' });
    const older = await publish(ws, 'contact.created', 'c-ooo', 10, { email: 'ooo@example.com', firstName: 'Older' });
    expect(await answerTo(older.data)).toMatchObject({ status: 'skipped', reason: 'stale', error: null });
    expect(await contactsOf(ws)).toEqual([expect.objectContaining({ first_name: 'Newer' })]);
  });

  it('ends with exactly the newest state of each record from a shuffled burst on two replicas', async () => {
    const ws = newWorkspace();
    let replica: { port: number; process: RunningProcess } | undefined;
    try {
      replica = await h.startReplica();
      const records = 25;
      const versions = 8;
      const events: CrmEventReceivedData[] = [];
      for (let record = 0; record < records; record += 1) {
        for (let version = 0; version < versions; version += 1) {
          const last = version === versions - 1;
          const type = version === 0 ? 'contact.created' : last && record % 5 === 0 ? 'contact.deleted' : 'contact.updated';
          events.push(
            crmEventReceivedData({
              integrationId,
              type,
              externalId: `rec-${record}`,
              sourceUpdatedAt: at(version * 2),
              fields: { email: `r${record}@example.com`, firstName: `R${record}v${version}` },
            }),
          );
        }
      }
      const shuffled = shuffle(events, 42);
      await Promise.all(shuffled.map((data) => h.publish(EventTypes.crmEventReceived, data, { workspaceId: ws })));
      await waitFor(() => answers.filter((a) => a.workspaceId === ws).length >= events.length, {
        what: `${events.length} answers`,
        timeoutMs: 60000,
      });
      const mine = answers.filter((a) => a.workspaceId === ws);
      expect(mine).toHaveLength(events.length);
      expect(mine.filter((a) => a.data.status === 'failed')).toEqual([]);
      const live = (await contactsOf(ws)).filter((c) => !c.deleted);
      const expected = Array.from({ length: records }, (_, record) => record)
        .filter((record) => record % 5 !== 0)
        .map((record) => ({ email: `r${record}@example.com`, first_name: `R${record}v${versions - 1}` }));
      expect(live.map(({ email, first_name }) => ({ email, first_name }))).toEqual(expected.sort((a, b) => (a.email < b.email ? -1 : 1)));
    } finally {
      replica?.process.kill('SIGKILL');
      await replica?.process.exited;
    }
  }, 120000);

  it('fails an opportunity before its contact as retryable; its retry after the contact applies, amount exact', async () => {
    const ws = newWorkspace();
    const fields = { name: 'Big deal', contactExternalId: 'c-opp', amount: { amount: '900719925474099312', currency: 'EUR' } };
    const early = await publish(ws, 'opportunity.created', 'o-1', 5, fields);
    expect(await answerTo(early.data)).toMatchObject({ status: 'failed', retryable: true, recordId: null });
    const contact = await publish(ws, 'contact.created', 'c-opp', 1, { email: 'opp@example.com' });
    const contactId = (await answerTo(contact.data)).recordId;
    const retry = await h.publish(EventTypes.crmEventReceived, { ...early.data, attempt: 2 }, { workspaceId: ws });
    const answer = await answerTo(retry.data);
    expect(answer).toMatchObject({ status: 'processed', attempt: 2 });
    const rows = await h.db.query<{ id: string; contact_id: string; amount: string; currency: string; stage: string }>(
      `SELECT "id", "contact_id", "amount"::text AS "amount", "currency", "stage" FROM contacts.opportunities WHERE "workspace_id" = $1`,
      [ws],
    );
    expect(rows).toEqual([
      { id: answer.recordId, contact_id: contactId, amount: '900719925474099312', currency: 'EUR', stage: 'appointment_scheduled' },
    ]);
    const won = await publish(ws, 'opportunity.won', 'o-1', 9);
    expect(await answerTo(won.data)).toMatchObject({ status: 'processed', recordId: answer.recordId });
    const [closed] = await h.db.query<{ stage: string }>(`SELECT "stage" FROM contacts.opportunities WHERE "id" = $1`, [answer.recordId]);
    expect(closed?.stage).toBe('closed_won');
  });
});

/** A deterministic shuffle (mulberry32), so a failure can be replayed. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const result = [...items];
  for (let i = result.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}
