import {
  ActivityTypes,
  type ContactMergedData,
  type EventEnvelope,
  EventTypes,
  type LeadAttributedData,
  RpcSubjects,
  type ScoreChangedData,
  type ScoreView,
  type StageChangedData,
  eventConsumerName,
  NatsNamespace,
  readMessage,
  Streams,
} from '@leadflow/contracts';
import { AppHarness, waitFor } from '@leadflow/testing';
import { AckPolicy, JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';

const codec = JSONCodec<unknown>();
const RULES_CACHE_MS = 300;

/** ISO time `minutes` after a fixed morning, so tests can order activities on purpose. */
const at = (minutes: number) => new Date(Date.UTC(2026, 2, 1, 10, minutes)).toISOString();
const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

function lead(contactId: string, overrides: Partial<LeadAttributedData> = {}): LeadAttributedData {
  return {
    leadId: randomUUID(),
    contactId,
    isNewContact: false,
    source: 'landing',
    offer: 'offer-1',
    country: 'DE',
    receivedAt: at(0),
    emailValid: false,
    phoneValid: false,
    ...overrides,
  };
}

describe('scoring: scores, stages and merges', () => {
  let h: AppHarness;
  /** Everything scoring published on NATS, as a subscriber of its events sees it. */
  const observed: EventEnvelope[] = [];

  beforeAll(async () => {
    h = await AppHarness.start('scoring', { EVENT_ACK_WAIT_SECONDS: '5', SCORING_RULES_CACHE_MS: String(RULES_CACHE_MS) });
    for (const type of [EventTypes.scoreChanged, EventTypes.stageChanged]) {
      const subscription = h.nats.subscribe(`${h.namespace}.${type}`);
      void (async () => {
        // A message carries the events of one type that the relay published together.
        for await (const message of subscription) observed.push(...(readMessage(message.data) as EventEnvelope[]));
      })();
    }
    await h.nats.flush();
  });

  afterAll(async () => {
    await h?.stop();
  });

  const publishLead = (workspaceId: string, data: LeadAttributedData) => h.publish(EventTypes.leadAttributed, data, { workspaceId });
  const publishMerge = (workspaceId: string, data: ContactMergedData) => h.publish(EventTypes.contactMerged, data, { workspaceId });
  const getScore = (workspaceId: string, id: string) => h.request<ScoreView>(RpcSubjects.scoring.scoreGet, { workspaceId, id });

  async function waitForScore(
    workspaceId: string,
    id: string,
    accept: (view: ScoreView) => boolean,
    timeoutMs = 20000,
  ): Promise<ScoreView> {
    let last: ScoreView | undefined;
    return waitFor(
      async () => {
        last = await getScore(workspaceId, id).catch(() => undefined);
        return last && accept(last) ? last : undefined;
      },
      { timeoutMs, what: `score of ${id}; last seen ${JSON.stringify(last)}` },
    );
  }

  function observedData<T>(workspaceId: string, type: string, contactId: string): T[] {
    const unique = new Map(observed.filter((e) => e.type === type && e.workspaceId === workspaceId).map((e) => [e.id, e]));
    return [...unique.values()].map((e) => e.data as T).filter((d) => (d as { contactId?: string }).contactId === contactId);
  }

  /**
   * What scoring published, as a subscriber saw it: once its outbox is empty, each event once (by
   * id: a republish after a crash is the same event), in publishing order. An event written twice
   * would show twice, under two ids.
   */
  async function outboxData<T>(workspaceId: string, type: string): Promise<T[]> {
    await waitFor(async () => (await h.db.query(`SELECT 1 FROM "scoring"."outbox" LIMIT 1`)).length === 0, {
      what: 'scoring’s outbox published',
    });
    await h.nats.flush();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const unique = new Map(observed.filter((e) => e.type === type && e.workspaceId === workspaceId).map((e) => [e.id, e]));
    return [...unique.values()].map((e) => e.data as T);
  }

  it('adds the points of each lead and moves the contact through every stage, announcing each change', async () => {
    const ws = newWorkspace();
    const contact = randomUUID();
    const leads = [
      lead(contact, { receivedAt: at(1), emailValid: true, offer: 'o1', country: 'DE' }),
      lead(contact, { receivedAt: at(2), phoneValid: true, offer: 'o2', country: 'FR' }),
      ...Array.from({ length: 7 }, (_, i) =>
        lead(contact, { receivedAt: at(3 + i), offer: `o${3 + i}`, country: 'ES', source: `src-${3 + i}` }),
      ),
    ];
    const expectedScores = [15, 30, 40, 50, 60, 70, 80, 90, 100];
    for (const [i, data] of leads.entries()) {
      await publishLead(ws, data);
      await waitForScore(ws, contact, (v) => v.score === expectedScores[i]);
    }

    const view = await getScore(ws, contact);
    expect(view).toMatchObject({ contactId: contact, score: 100, stage: 'qualified' });
    expect(view.history).toHaveLength(11);
    expect(view.history.slice(0, 4)).toEqual([
      {
        activityId: leads[0].leadId,
        type: ActivityTypes.leadSubmitted,
        points: 10,
        ruleId: 'lead_submitted',
        at: at(1),
        reason: 'award',
        kind: 'engagement',
      },
      {
        activityId: leads[0].leadId,
        type: ActivityTypes.leadSubmitted,
        points: 5,
        ruleId: 'fit_valid_email',
        at: at(1),
        reason: 'award',
        kind: 'fit',
      },
      {
        activityId: leads[1].leadId,
        type: ActivityTypes.leadSubmitted,
        points: 10,
        ruleId: 'lead_submitted',
        at: at(2),
        reason: 'award',
        kind: 'engagement',
      },
      {
        activityId: leads[1].leadId,
        type: ActivityTypes.leadSubmitted,
        points: 5,
        ruleId: 'fit_valid_phone',
        at: at(2),
        reason: 'award',
        kind: 'fit',
      },
    ]);
    expect(view.history.map((e) => e.at)).toEqual([...view.history.map((e) => e.at)].sort());

    const stages = await waitFor(() => {
      const seen = observedData<StageChangedData>(ws, EventTypes.stageChanged, contact);
      return seen.length >= 4 ? seen : undefined;
    });
    expect(stages).toEqual([
      { contactId: contact, from: null, to: 'cold', at: at(1), source: 'landing', offer: 'o1', country: 'DE', activityId: leads[0].leadId },
      {
        contactId: contact,
        from: 'cold',
        to: 'warm',
        at: at(2),
        source: 'landing',
        offer: 'o2',
        country: 'FR',
        activityId: leads[1].leadId,
      },
      { contactId: contact, from: 'warm', to: 'hot', at: at(4), source: 'src-4', offer: 'o4', country: 'ES', activityId: leads[3].leadId },
      {
        contactId: contact,
        from: 'hot',
        to: 'qualified',
        at: at(9),
        source: 'src-9',
        offer: 'o9',
        country: 'ES',
        activityId: leads[8].leadId,
      },
    ]);
    const scores = await waitFor(() => {
      const seen = observedData<ScoreChangedData>(ws, EventTypes.scoreChanged, contact);
      return seen.length >= 9 ? seen : undefined;
    });
    expect(scores.map((s) => [s.previousScore, s.score, s.activityId])).toEqual(
      expectedScores.map((score, i) => [i === 0 ? 0 : expectedScores[i - 1], score, leads[i].leadId]),
    );
    expect(scores[8]).toMatchObject({ stage: 'qualified' });
  });

  it('scores a lead once, whether its event is redelivered or a new event repeats the lead, without inbox rows', async () => {
    const ws = newWorkspace();
    const contact = randomUUID();
    const before = await h.handledEvents(EventTypes.leadAttributed);
    const first = await publishLead(ws, lead(contact, { emailValid: true }));
    await waitForScore(ws, contact, (v) => v.score === 15);

    // The same event again under another JetStream message id: delivered a second time.
    await h.jetstream.publish(`${h.namespace}.${EventTypes.leadAttributed}`, codec.encode(first), { msgID: randomUUID() });
    // The same event id once more (dropped by JetStream's duplicate window), and the same lead in a new event.
    await h.publish(EventTypes.leadAttributed, first.data, { ...first });
    const repeat = await publishLead(ws, { ...first.data });
    await waitFor(async () => (await h.handledEvents(EventTypes.leadAttributed)) >= before + 3, { what: 'the three deliveries handled' });

    const view = await getScore(ws, contact);
    expect(view.score).toBe(15);
    expect(view.history.map((e) => e.ruleId)).toEqual(['lead_submitted', 'fit_valid_email']);
    // The lead is stored once as the contact's activity, and that key refused the others: no inbox row.
    const activities = await h.db.query(`SELECT 1 FROM "scoring"."activities" WHERE "workspace_id" = $1`, [ws]);
    expect(activities).toHaveLength(1);
    const inbox = await h.db.query(`SELECT 1 FROM "scoring"."inbox" WHERE "event_id" IN ($1, $2)`, [first.id, repeat.id]);
    expect(inbox).toHaveLength(0);
    expect(await outboxData<ScoreChangedData>(ws, EventTypes.scoreChanged)).toHaveLength(1);
    expect(await outboxData<StageChangedData>(ws, EventTypes.stageChanged)).toHaveLength(1);
  });

  it('adds each fit rule once per contact, held by the earliest lead that earned it', async () => {
    const ws = newWorkspace();
    const contact = randomUUID();
    const late = lead(contact, { receivedAt: at(30), emailValid: true, phoneValid: true });
    const early = lead(contact, { receivedAt: at(5), emailValid: true });
    const third = lead(contact, { receivedAt: at(40), emailValid: true, phoneValid: true });
    await publishLead(ws, late);
    await waitForScore(ws, contact, (v) => v.score === 20);
    await publishLead(ws, early);
    await waitForScore(ws, contact, (v) => v.score === 30);
    await publishLead(ws, third);
    const view = await waitForScore(ws, contact, (v) => v.score === 40);

    expect(view.stage).toBe('warm');
    const fits = view.history.filter((e) => e.ruleId.startsWith('fit_'));
    expect(fits).toEqual([
      {
        activityId: early.leadId,
        type: ActivityTypes.leadSubmitted,
        points: 5,
        ruleId: 'fit_valid_email',
        at: at(5),
        reason: 'award',
        kind: 'fit',
      },
      {
        activityId: late.leadId,
        type: ActivityTypes.leadSubmitted,
        points: 5,
        ruleId: 'fit_valid_phone',
        at: at(30),
        reason: 'award',
        kind: 'fit',
      },
    ]);
    expect(view.history.filter((e) => e.ruleId === 'lead_submitted').map((e) => e.activityId)).toEqual([
      early.leadId,
      late.leadId,
      third.leadId,
    ]);
  });

  it('loses no update when 30 activities of one contact are handled at once', async () => {
    const ws = newWorkspace();
    const contact = randomUUID();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => publishLead(ws, lead(contact, { receivedAt: at(i), emailValid: true, phoneValid: true }))),
    );
    const view = await waitForScore(ws, contact, (v) => v.history.length === 32, 30000);

    expect(view).toMatchObject({ score: 310, stage: 'qualified' });
    const stored = await h.db.query<{ score: number; sum: number }>(
      `SELECT s."score", (SELECT SUM("points")::int FROM "scoring"."score_history" x WHERE x."workspace_id" = s."workspace_id" AND x."contact_id" = s."contact_id") AS "sum"
       FROM "scoring"."contact_scores" s WHERE s."workspace_id" = $1 AND s."contact_id" = $2`,
      [ws, contact],
    );
    expect(stored).toEqual([{ score: 310, sum: 310 }]);
    // Each change was made on top of the previous one: the announced scores form one unbroken chain.
    const changes = await outboxData<ScoreChangedData>(ws, EventTypes.scoreChanged);
    expect(changes).toHaveLength(30);
    changes.forEach((change, i) => expect(change.previousScore).toBe(i === 0 ? 0 : changes[i - 1].score));
    expect(changes[29].score).toBe(310);
  });

  it('ends merges with the same score and history whether the merge comes before or after the merged contact’s leads', async () => {
    // The same contacts and leads in two workspaces, which also shows that workspaces never mix.
    const survivor = randomUUID();
    const merged = randomUUID();
    const survivorLead = lead(survivor, { receivedAt: at(5), emailValid: true, source: 'src-s', offer: 'offer-s', country: 'FR' });
    const mergedLead = lead(merged, {
      receivedAt: at(0),
      emailValid: true,
      phoneValid: true,
      source: 'src-m',
      offer: 'offer-m',
      country: 'IT',
    });
    const merge = { survivorId: survivor, mergedId: merged };

    const afterLeads = newWorkspace();
    await publishLead(afterLeads, survivorLead);
    await publishLead(afterLeads, mergedLead);
    await waitForScore(afterLeads, survivor, (v) => v.score === 15);
    await waitForScore(afterLeads, merged, (v) => v.score === 20);
    const mergeEvent = await publishMerge(afterLeads, merge);
    const viewAfter = await waitForScore(afterLeads, survivor, (v) => v.score === 30);

    const beforeLeads = newWorkspace();
    await publishMerge(beforeLeads, merge);
    await h.waitForRows(`SELECT 1 FROM "scoring"."contact_merges" WHERE "workspace_id" = $1`, [beforeLeads]);
    await publishLead(beforeLeads, mergedLead);
    await waitForScore(beforeLeads, survivor, (v) => v.score === 20);
    await publishLead(beforeLeads, survivorLead);
    const viewBefore = await waitForScore(beforeLeads, survivor, (v) => v.score === 30);

    expect(viewBefore).toEqual(viewAfter);
    expect(viewAfter).toEqual({
      contactId: survivor,
      score: 30,
      stage: 'warm',
      fit: 10,
      engagement: 20,
      history: [
        {
          activityId: mergedLead.leadId,
          type: ActivityTypes.leadSubmitted,
          points: 10,
          ruleId: 'lead_submitted',
          at: at(0),
          reason: 'award',
          kind: 'engagement',
        },
        {
          activityId: mergedLead.leadId,
          type: ActivityTypes.leadSubmitted,
          points: 5,
          ruleId: 'fit_valid_email',
          at: at(0),
          reason: 'award',
          kind: 'fit',
        },
        {
          activityId: mergedLead.leadId,
          type: ActivityTypes.leadSubmitted,
          points: 5,
          ruleId: 'fit_valid_phone',
          at: at(0),
          reason: 'award',
          kind: 'fit',
        },
        {
          activityId: survivorLead.leadId,
          type: ActivityTypes.leadSubmitted,
          points: 10,
          ruleId: 'lead_submitted',
          at: at(5),
          reason: 'award',
          kind: 'engagement',
        },
      ],
    });
    // The merged id answers with its survivor.
    expect(await getScore(afterLeads, merged)).toEqual(viewAfter);
    expect(await getScore(beforeLeads, merged)).toEqual(viewBefore);

    const rowsOf = (ws: string) =>
      h.db.query(
        `SELECT "contact_id", "score", "stage", "state" FROM "scoring"."contact_scores" WHERE "workspace_id" = $1 ORDER BY "contact_id"`,
        [ws],
      );
    const expectedRows = [
      { contact_id: survivor, score: 30, stage: 'warm', state: 'active' },
      { contact_id: merged, score: 0, stage: null, state: 'merged' },
    ].sort((a, b) => (a.contact_id < b.contact_id ? -1 : 1));
    expect(await rowsOf(afterLeads)).toEqual(expectedRows);
    expect(await rowsOf(beforeLeads)).toEqual(expectedRows);

    // The recomputation is announced, with the dimensions of the survivor's latest activity.
    const scoreChanges = await outboxData<ScoreChangedData>(afterLeads, EventTypes.scoreChanged);
    expect(scoreChanges.filter((c) => c.contactId === survivor)).toEqual([
      { contactId: survivor, score: 15, previousScore: 0, stage: 'cold', activityId: survivorLead.leadId },
      { contactId: survivor, score: 30, previousScore: 15, stage: 'warm', activityId: null },
    ]);
    const stageChanges = await outboxData<StageChangedData>(afterLeads, EventTypes.stageChanged);
    expect(stageChanges.filter((c) => c.contactId === survivor)).toEqual([
      {
        contactId: survivor,
        from: null,
        to: 'cold',
        at: at(5),
        source: 'src-s',
        offer: 'offer-s',
        country: 'FR',
        activityId: survivorLead.leadId,
      },
      // The merge moved it: no activity.
      {
        contactId: survivor,
        from: 'cold',
        to: 'warm',
        at: mergeEvent.occurredAt,
        source: 'src-s',
        offer: 'offer-s',
        country: 'FR',
        activityId: null,
      },
    ]);
  });

  it('follows chains of merges that arrive out of order, also for activities that arrive after them', async () => {
    const ws = newWorkspace();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await publishLead(ws, lead(a, { receivedAt: at(1), emailValid: true }));
    await publishLead(ws, lead(c, { receivedAt: at(2) }));
    await waitForScore(ws, a, (v) => v.score === 15);
    await waitForScore(ws, c, (v) => v.score === 10);

    // b → c is applied before a → b, although a → b happened first.
    await publishMerge(ws, { survivorId: c, mergedId: b });
    await h.waitForRows(`SELECT 1 FROM "scoring"."contact_merges" WHERE "workspace_id" = $1 AND "merged_id" = $2`, [ws, b]);
    await publishMerge(ws, { survivorId: b, mergedId: a });
    await waitForScore(ws, c, (v) => v.score === 25);
    const lateLead = lead(a, { receivedAt: at(3), phoneValid: true });
    await publishLead(ws, lateLead);
    const view = await waitForScore(ws, c, (v) => v.score === 40);

    expect(view).toMatchObject({ contactId: c, stage: 'warm' });
    expect(view.history.map((e) => e.ruleId)).toEqual([
      'lead_submitted',
      'fit_valid_email',
      'lead_submitted',
      'lead_submitted',
      'fit_valid_phone',
    ]);
    expect(await getScore(ws, a)).toEqual(view);
    expect(await getScore(ws, b)).toEqual(view);
    const leftBehind = await h.db.query(`SELECT 1 FROM "scoring"."score_history" WHERE "workspace_id" = $1 AND "contact_id" <> $2`, [
      ws,
      c,
    ]);
    expect(leftBehind).toEqual([]);
  });

  it('converges when a merge is handled while leads of both contacts are still arriving', async () => {
    const ws = newWorkspace();
    const [survivor, merged] = [randomUUID(), randomUUID()];
    const leads = Array.from({ length: 24 }, (_, i) =>
      lead(i % 2 === 0 ? survivor : merged, { receivedAt: at(i), emailValid: i === 3, phoneValid: i === 4 }),
    );
    await Promise.all([
      ...leads.slice(0, 12).map((data) => publishLead(ws, data)),
      publishMerge(ws, { survivorId: survivor, mergedId: merged }),
      ...leads.slice(12).map((data) => publishLead(ws, data)),
    ]);
    const view = await waitForScore(ws, survivor, (v) => v.history.length === 26, 30000);

    expect(view).toMatchObject({ contactId: survivor, score: 250, stage: 'qualified' });
    expect(new Set(view.history.filter((e) => e.ruleId === 'lead_submitted').map((e) => e.activityId))).toEqual(
      new Set(leads.map((l) => l.leadId)),
    );
    expect(await getScore(ws, merged)).toEqual(view);
    const rows = await h.db.query(
      `SELECT "contact_id", "score", "state" FROM "scoring"."contact_scores" WHERE "workspace_id" = $1 AND "state" = 'active'`,
      [ws],
    );
    expect(rows).toEqual([{ contact_id: survivor, score: 250, state: 'active' }]);
  });

  it('answers score.get with not_found, invalid_id or validation_failed, and never across workspaces', async () => {
    const ws = newWorkspace();
    const contact = randomUUID();
    await publishLead(ws, lead(contact));
    await waitForScore(ws, contact, (v) => v.score === 10);

    await expect(getScore(ws, randomUUID())).rejects.toMatchObject({ code: 'not_found' });
    await expect(getScore(newWorkspace(), contact)).rejects.toMatchObject({ code: 'not_found' });
    await expect(getScore(ws, 'not-a-uuid')).rejects.toStrictEqual({ code: 'invalid_id', message: 'id must be a contact id (UUID)' });
    await expect(h.request(RpcSubjects.scoring.scoreGet, { id: contact })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(getScore(ws, contact.toUpperCase())).resolves.toMatchObject({ contactId: contact, score: 10 });
  });

  it("reads the points from the workspace's rules", async () => {
    const ws = newWorkspace();
    const contact = randomUUID();
    // A workspace with its own rules is not given the defaults.
    await h.db.query(`INSERT INTO "scoring"."workspace_settings" ("workspace_id") VALUES ($1)`, [ws]);
    await h.db.query(
      `INSERT INTO "scoring"."workspace_rules" ("workspace_id", "id", "kind", "event", "conditions", "points") VALUES
         ($1, 'lead_submitted', 'engagement', 'lead_submitted', '[]', 7),
         ($1, 'fit_valid_email', 'fit', '*', '[{"path": "traits.emailValid", "op": "equals", "value": true}]', 5)`,
      [ws],
    );
    await publishLead(ws, lead(contact, { emailValid: true, phoneValid: true }));
    const view = await waitForScore(ws, contact, () => true);
    expect(view.score).toBe(12);
    expect(view.history.map((e) => [e.ruleId, e.points])).toEqual([
      ['lead_submitted', 7],
      ['fit_valid_email', 5],
    ]);
  });

  it('loses and repeats nothing when the app is killed mid-stream', async () => {
    const ws = newWorkspace();
    const contacts = Array.from({ length: 20 }, () => randomUUID());
    const leads = contacts.flatMap((contact) => [0, 1, 2].map((i) => lead(contact, { receivedAt: at(i), emailValid: i === 1 })));
    const [firstHalf, secondHalf] = [leads.filter((_, i) => i % 2 === 0), leads.filter((_, i) => i % 2 === 1)];

    await Promise.all(firstHalf.map((data) => publishLead(ws, data)));
    const restarting = h.restart();
    await Promise.all(secondHalf.map((data) => publishLead(ws, data)));
    await restarting;

    await h.waitForRows<{ n: number }>(
      `SELECT count(*)::int AS n FROM "scoring"."contact_scores" WHERE "workspace_id" = $1 AND "score" = 35`,
      [ws],
      (rows) => rows[0]?.n === 20,
      45000,
    );
    const history = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "scoring"."score_history" WHERE "workspace_id" = $1`, [
      ws,
    ]);
    expect(history[0]?.n).toBe(80);
    const scores = await h.db.query<{ stage: string; n: number }>(
      `SELECT "stage", count(*)::int AS n FROM "scoring"."contact_scores" WHERE "workspace_id" = $1 GROUP BY "stage"`,
      [ws],
    );
    expect(scores).toEqual([{ stage: 'warm', n: 20 }]);
    // One score.changed per lead and two stage entries per contact (cold, then warm): nothing twice.
    expect(await outboxData<ScoreChangedData>(ws, EventTypes.scoreChanged)).toHaveLength(60);
    const stages = await outboxData<StageChangedData>(ws, EventTypes.stageChanged);
    expect(stages.filter((s) => s.from === null && s.to === 'cold')).toHaveLength(20);
    expect(stages.filter((s) => s.from === 'cold' && s.to === 'warm')).toHaveLength(20);
    expect(stages).toHaveLength(40);
  });

  it('deletes, when it starts, its durables for its own stage and score changes, which earlier releases consumed', async () => {
    const ns = new NatsNamespace(h.namespace);
    const manager = await h.nats.jetstreamManager();
    const stream = ns.stream(Streams.scoring.name);
    const retired = [EventTypes.stageChanged, EventTypes.scoreChanged].map((type) => ns.durable(eventConsumerName('scoring', type)));
    for (const [i, durable] of retired.entries()) {
      await manager.consumers.add(stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        filter_subject: ns.subject(i === 0 ? EventTypes.stageChanged : EventTypes.scoreChanged),
      });
    }
    const names = async () => {
      const all: string[] = [];
      for await (const info of manager.consumers.list(stream)) all.push(info.name);
      return all;
    };
    expect(await names()).toEqual(expect.arrayContaining(retired));
    await h.restart();
    const left = await names();
    expect(left.filter((name) => retired.includes(name))).toEqual([]);
  });
});
