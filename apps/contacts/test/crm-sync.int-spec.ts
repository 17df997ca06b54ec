import {
  type CrmEventProcessedData,
  type CrmEventReceivedData,
  type EventEnvelope,
  EventTypes,
  Money,
  readMessage,
} from '@leadflow/contracts';
import {
  AppHarness,
  type CrmWebhookPayload,
  crmEventReceivedData,
  planCrmWebhooks,
  type RunningProcess,
  shuffled,
  waitFor,
} from '@leadflow/testing';
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
      const arriving = shuffled(events, 42);
      await Promise.all(arriving.map((data) => h.publish(EventTypes.crmEventReceived, data, { workspaceId: ws })));
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

  it('loses nothing and answers each event exactly once when contacts is SIGKILLed during a burst', async () => {
    const ws = newWorkspace();
    const events: CrmEventReceivedData[] = [];
    for (let record = 0; record < 60; record += 1) {
      for (let version = 0; version < 5; version += 1) {
        events.push(
          crmEventReceivedData({
            integrationId,
            type: version === 0 ? 'contact.created' : 'contact.updated',
            externalId: `kill-${record}`,
            sourceUpdatedAt: at(version),
            fields: { email: `k${record}@example.com`, firstName: `K${record}v${version}` },
          }),
        );
      }
    }
    const shuffledEvents = shuffled(events, 99);
    await Promise.all(shuffledEvents.map((data) => h.publish(EventTypes.crmEventReceived, data, { workspaceId: ws })));
    await waitFor(() => answers.some((a) => a.workspaceId === ws), { what: 'the first answers' });
    await h.restart();
    await waitFor(() => new Set(answers.filter((a) => a.workspaceId === ws).map((a) => a.data.crmEventId)).size >= events.length, {
      what: `${events.length} answered events`,
      timeoutMs: 90000,
    });
    // The relay may publish an answer again after a crash (the same event id); no event is answered twice.
    const distinct = new Map(answers.filter((a) => a.workspaceId === ws).map((a) => [a.id, a.data]));
    expect(distinct.size).toBe(events.length);
    expect([...distinct.values()].filter((a) => a.status === 'failed')).toEqual([]);
    const live = await contactsOf(ws);
    expect(live.map((c) => [c.email, c.first_name])).toEqual(
      Array.from({ length: 60 }, (_, r) => [`k${r}@example.com`, `K${r}v4`]).sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
    );
  }, 150000);

  it('ends in the state the CRM webhook generator expects, from its events sent out of order and again, retries included', async () => {
    const ws = newWorkspace();
    const plan = planCrmWebhooks({ count: 1000, seed: 20261130, runId: ws });
    // As ingestion would: one CRM event per distinct webhook (a resent webhook is the same CRM event,
    // here delivered again in a new message), read into the canonical fields.
    const crmEventIds = new Map<string, string>();
    const received = plan.webhooks.map(({ payload }) => {
      const crmEventId = crmEventIds.get(payload.id) ?? uuidv7();
      crmEventIds.set(payload.id, crmEventId);
      return crmEventReceivedData({
        crmEventId,
        integrationId,
        type: payload.type,
        externalId: payload.data.id,
        sourceUpdatedAt: payload.data.updatedAt,
        fields: canonicalFields(payload),
      });
    });
    const settled = new Map<string, CrmEventProcessedData>();
    let pending = received;
    for (let attempt = 1; pending.length > 0 && attempt <= 5; attempt += 1) {
      const batch = pending.map((data) => ({ ...data, attempt }));
      for (const data of batch) await h.publish(EventTypes.crmEventReceived, data, { workspaceId: ws });
      const answered = await waitFor(
        () => {
          const mine = answers.filter((a) => a.workspaceId === ws && a.data.attempt === attempt).map((a) => a.data);
          return mine.length >= batch.length && mine;
        },
        { what: `${batch.length} answers of attempt ${attempt}`, timeoutMs: 60000 },
      );
      for (const answer of answered) if (answer.status !== 'failed') settled.set(answer.crmEventId, answer);
      // As ingestion does: a retryable failure is sent again with the next attempt.
      expect(answered.filter((a) => a.status === 'failed' && !a.retryable)).toEqual([]);
      const retry = new Set(answered.filter((a) => a.status === 'failed').map((a) => a.crmEventId));
      pending = batch.filter((data) => retry.has(data.crmEventId) && !settled.has(data.crmEventId));
    }
    expect(pending).toEqual([]);
    expect(settled.size).toBe(plan.counts.distinct);
    // How many were stale depends on batching: a late event in its newer one's batch is applied first, in source order.
    expect([...settled.values()].filter((a) => a.status === 'skipped' && a.reason !== 'stale' && a.reason !== 'duplicate')).toEqual([]);

    const contacts = await h.db.query<{
      external_id: string;
      email: string;
      phone: string | null;
      first_name: string;
      title: string;
      deleted: boolean;
    }>(
      `SELECT l."external_id", c."email", c."phone", c."first_name", c."title", c."deleted_at" IS NOT NULL AS "deleted"
       FROM contacts.crm_links l JOIN contacts.contacts c ON c."id" = l."record_id"
       WHERE l."workspace_id" = $1 AND l."object_type" = 'contact' ORDER BY l."external_id"`,
      [ws],
    );
    const live = plan.expected.contacts.filter((c) => !c.deleted);
    expect(contacts.filter((c) => !c.deleted)).toEqual(
      live
        .map((c) => ({
          external_id: c.externalId,
          email: c.email,
          phone: c.phone,
          first_name: c.firstName,
          title: c.title,
          deleted: false,
        }))
        .sort((a, b) => (a.external_id < b.external_id ? -1 : 1)),
    );
    // A record deleted in the CRM is a deleted contact, or none when its deletion came before its creation.
    const [{ count }] = (await h.db.query<{ count: string }>(
      `SELECT count(*) FROM contacts.contacts WHERE "workspace_id" = $1 AND "deleted_at" IS NULL AND "merged_into" IS NULL`,
      [ws],
    )) as [{ count: string }];
    expect(Number(count)).toBe(live.length);
    const opportunities = await h.db.query<{
      external_id: string;
      contact: string;
      name: string;
      amount: string;
      currency: string;
      stage: string;
    }>(
      `SELECT l."external_id", cl."external_id" AS "contact", o."name", o."amount"::text AS "amount", o."currency", o."stage"
       FROM contacts.crm_links l JOIN contacts.opportunities o ON o."id" = l."record_id"
       JOIN contacts.crm_links cl ON cl."workspace_id" = l."workspace_id" AND cl."object_type" = 'contact' AND cl."record_id" = o."contact_id"
       WHERE l."workspace_id" = $1 AND l."object_type" = 'opportunity' AND o."deleted_at" IS NULL ORDER BY l."external_id"`,
      [ws],
    );
    expect(opportunities).toEqual(
      plan.expected.opportunities
        .map((o) => ({
          external_id: o.externalId,
          contact: o.contactExternalId,
          name: o.name,
          amount: o.amount,
          currency: o.currency,
          stage: o.stage,
        }))
        .sort((a, b) => (a.external_id < b.external_id ? -1 : 1)),
    );
  }, 180000);
});

/** The canonical fields ingestion reads from a wire payload (libs/contracts crm.ts): theirs renamed, amounts in minor units. */
function canonicalFields(payload: CrmWebhookPayload): Record<string, unknown> {
  const { id: _id, updatedAt: _updatedAt, createdAt: _createdAt, contactId, amount, currency, ...fields } = payload.data;
  if (!payload.type.startsWith('opportunity.')) return fields;
  return {
    ...fields,
    contactExternalId: contactId,
    amount: Money.fromMajorUnits(amount as string, currency as string).toJSON(),
  };
}
