import { ActivityTypes, type EventEnvelope, type ScoreHistoryEntry, type StageChangedData } from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { Outbox } from '@leadflow/messaging';
import { eventEnvelope, openServiceDatabase, type ServiceDatabase, tableWrites, waitFor } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { ContactDeletionsHandler } from '../src/contact-visibility/contact-deletions.handler';
import { ContactDeletionsRepository } from '../src/contact-visibility/contact-deletions.repository';
import { AutomationEngineService } from '../src/automations/automation-engine.service';
import { AutomationEventsHandler } from '../src/automations/automation-events.handler';
import { AutomationRepository } from '../src/automations/automation.repository';
import { scoringMigrations } from '../src/database/migrations';
import { RuleRepository } from '../src/rules/rule.repository';
import { RULES_CACHE_MS, RulesService } from '../src/rules/rules.service';
import { ActivityScoringService, type ScoringActivity } from '../src/scores/activity-scoring.service';
import { type ContactMerge, ContactMergeService } from '../src/scores/contact-merge.service';
import { ScoreQueryService } from '../src/scores/score-query.service';
import { ScoreRecalculator } from '../src/scores/score-recalculator';
import { ScoreRepository } from '../src/scores/score.repository';

/** Scoring's services in-process against a real PostgreSQL: rules, history, merges; no NATS. */
describe('scoring services against PostgreSQL', () => {
  let database: ServiceDatabase;
  let activities: ActivityScoringService;
  let merges: ContactMergeService;
  let scores: ScoreQueryService;
  let deletionsHandler: ContactDeletionsHandler;
  let deletions: ContactDeletionsRepository;
  let recalculator: ScoreRecalculator;

  beforeAll(async () => {
    database = await openServiceDatabase('scoring', scoringMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: Outbox, useValue: new Outbox(database.dataSource, 'scoring') },
        { provide: APP_LOGGER, useValue: pino({ level: 'silent' }) },
        { provide: RULES_CACHE_MS, useValue: 0 },
        RuleRepository,
        RulesService,
        ScoreRepository,
        ScoreRecalculator,
        // A rescore runs the automations its changes trigger.
        AutomationRepository,
        AutomationEngineService,
        AutomationEventsHandler,
        ActivityScoringService,
        ContactMergeService,
        ScoreQueryService,
        ContactDeletionsRepository,
        ContactDeletionsHandler,
      ],
    }).compile();
    activities = module.get(ActivityScoringService);
    merges = module.get(ContactMergeService);
    scores = module.get(ScoreQueryService);
    deletionsHandler = module.get(ContactDeletionsHandler);
    deletions = module.get(ContactDeletionsRepository);
    recalculator = module.get(ScoreRecalculator);
  });

  afterAll(async () => {
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;
  /** ISO time `minutes` after a fixed morning, so tests can order activities on purpose. */
  const at = (minutes: number) => new Date(Date.UTC(2026, 2, 1, 10, minutes)).toISOString();

  type Activity = Omit<ScoringActivity, 'workspaceId'>;

  function lead(contactId: string, minutes: number, conditions: { email_valid?: boolean; phone_valid?: boolean } = {}): Activity {
    return {
      contactId,
      activityId: randomUUID(),
      type: ActivityTypes.leadSubmitted,
      at: at(minutes),
      source: 'landing',
      offer: `offer-${minutes}`,
      country: 'DE',
      properties: {},
      traits: { emailValid: conditions.email_valid ?? false, phoneValid: conditions.phone_valid ?? false },
    };
  }

  /** Each call in its own transaction, as the event consumer runs one event. */
  const score = (workspaceId: string, activity: Activity) =>
    database.dataSource.transaction((manager) => activities.score(manager, [{ ...activity, workspaceId }]));
  /** Several activities in one transaction, as the consumer applies a batch of events. */
  const scoreBatch = (batch: Array<{ workspaceId: string; activity: Activity }>) =>
    database.dataSource.transaction((manager) =>
      activities.score(
        manager,
        batch.map(({ workspaceId, activity }) => ({ ...activity, workspaceId })),
      ),
    );
  const merge = (workspaceId: string, data: ContactMerge) =>
    database.dataSource.transaction((manager) => merges.merge(manager, workspaceId, data));

  async function outbox<T>(workspaceId: string, type: string): Promise<T[]> {
    const rows = await database.db.query<{ envelope: EventEnvelope<T & object> }>(
      `SELECT envelope FROM scoring.outbox_events WHERE type = $1 AND envelope->>'workspaceId' = $2 ORDER BY seq, ord`,
      [type, workspaceId],
    );
    return rows.map((row) => row.envelope.data);
  }

  const historyKeys = (history: ScoreHistoryEntry[]) => history.map((h) => `${h.activityId}:${h.ruleId}:${h.points}:${h.at}`);

  it('applies the activity rule to every lead and each fit rule once per contact, moving the stage', async () => {
    const ws = newWorkspace();
    const contact = randomUUID();
    const first = lead(contact, 1, { email_valid: true, phone_valid: true });
    const second = lead(contact, 2, { email_valid: true });
    await score(ws, first);
    await score(ws, second);

    const view = await scores.get(ws, contact);
    expect(view).toMatchObject({ contactId: contact, score: 30, stage: 'warm' });
    expect(view.history.map((h) => [h.activityId, h.ruleId, h.points])).toEqual([
      [first.activityId, 'lead_submitted', 10],
      [first.activityId, 'fit_valid_email', 5],
      [first.activityId, 'fit_valid_phone', 5],
      [second.activityId, 'lead_submitted', 10],
    ]);
    expect(await outbox<StageChangedData>(ws, 'stage.changed')).toEqual([
      {
        contactId: contact,
        from: null,
        to: 'warm',
        at: at(1),
        source: 'landing',
        offer: 'offer-1',
        country: 'DE',
        activityId: first.activityId,
      },
    ]);
    expect((await outbox<{ score: number }>(ws, 'score.changed')).map((e) => e.score)).toEqual([20, 30]);
  });

  it('writes the score row of a contact new to scoring once, with its first score, and updates a known one', async () => {
    const ws = newWorkspace();
    const [fresh, known] = [randomUUID(), randomUUID()];
    await score(ws, lead(known, 1));
    /** Scores a batch and tells how its transaction wrote the score rows. */
    const written = async (batch: Activity[]) => {
      const { inserted, updated } = await database.dataSource.transaction((manager) =>
        tableWrites(manager, 'scoring.contact_scores', () =>
          activities.score(
            manager,
            batch.map((activity) => ({ ...activity, workspaceId: ws })),
          ),
        ),
      );
      return { inserted, updated };
    };
    expect(await written([lead(fresh, 2, { email_valid: true, phone_valid: true }), lead(known, 3)])).toEqual({ inserted: 1, updated: 1 });
    expect(await scores.get(ws, fresh)).toMatchObject({ score: 20, stage: 'warm' });
    expect(await scores.get(ws, known)).toMatchObject({ score: 20, stage: 'warm' });
    // Two activities of a contact new to scoring in one batch: written with the first, then updated.
    const twice = randomUUID();
    expect(await written([lead(twice, 4), lead(twice, 5, { email_valid: true })])).toEqual({ inserted: 1, updated: 1 });
    expect(await scores.get(ws, twice)).toMatchObject({ score: 25, stage: 'warm' });
    expect((await outbox<{ contactId: string; score: number }>(ws, 'score.changed')).filter((e) => e.contactId !== known)).toEqual([
      expect.objectContaining({ contactId: fresh, score: 20 }),
      expect.objectContaining({ contactId: twice, score: 10 }),
      expect.objectContaining({ contactId: twice, score: 25 }),
    ]);
  });

  it('scores a contact new to scoring from the activity in hand exactly as from the activity read back once stored', async () => {
    const ws = newWorkspace();
    // Times with a zone and microseconds are taken as they are; the one with seven fraction digits
    // (PostgreSQL rounds it) is read back.
    const times = ['2026-03-01T10:00:00.123456Z', '2026-03-01T12:00:30.5+02:00', '2026-03-01T10:00:00.9999996Z', '2026-03-01T10:05Z'];
    const contacts = times.map(() => randomUUID());
    await scoreBatch(
      contacts.map((contactId, i) => ({
        workspaceId: ws,
        activity: {
          ...lead(contactId, i, { email_valid: i % 2 === 0, phone_valid: i < 2 }),
          at: times[i] as string,
          properties: { page: `/p/${i}` },
        },
      })),
    );
    const read = await database.dataSource.transaction((manager) =>
      recalculator.evaluate(
        manager,
        contacts.map((contactId) => ({ workspaceId: ws, contactId })),
      ),
    );
    for (const [i, contactId] of contacts.entries()) {
      const view = await scores.get(ws, contactId);
      const expected = read[i]?.result;
      expect({ score: view.score, stage: view.stage }).toEqual({ score: expected?.score, stage: expected?.stage });
      expect(view.history.map((h) => [h.activityId, h.ruleId, h.points, h.at])).toEqual(
        expected?.history.map((h) => [h.activityId, h.ruleId, h.points, h.at]),
      );
    }
    expect((await scores.get(ws, contacts[0] as string)).score).toBe(20);
  });

  it('scores an activity applied twice once', async () => {
    const ws = newWorkspace();
    const contact = randomUUID();
    const activity = lead(contact, 1, { email_valid: true });
    await score(ws, activity);
    await score(ws, activity);
    expect(await scores.get(ws, contact)).toMatchObject({ score: 15 });
    expect(await outbox(ws, 'score.changed')).toHaveLength(1);
  });

  it('scores a batch of activities of several contacts, some repeated, exactly as one transaction per activity would', async () => {
    const [one, two, three] = [randomUUID(), randomUUID(), randomUUID()];
    const sent = [
      lead(one, 1, { email_valid: true }),
      lead(two, 2),
      lead(one, 3, { phone_valid: true }),
      lead(three, 4, { email_valid: true, phone_valid: true }),
      lead(one, 5),
      lead(two, 6, { email_valid: true }),
    ];
    const oneByOne = newWorkspace();
    for (const activity of sent) await score(oneByOne, activity);
    // The batch also holds an activity of another workspace for the same contact, and a repeat.
    const batched = newWorkspace();
    const other = newWorkspace();
    await scoreBatch([
      ...sent.map((activity) => ({ workspaceId: batched, activity })),
      { workspaceId: other, activity: lead(one, 7) },
      { workspaceId: batched, activity: sent[0] as Activity },
    ]);

    for (const contact of [one, two, three]) {
      const [expected, actual] = await Promise.all([scores.get(oneByOne, contact), scores.get(batched, contact)]);
      expect([actual.score, actual.stage]).toEqual([expected.score, expected.stage]);
      expect(historyKeys(actual.history)).toEqual(historyKeys(expected.history));
    }
    expect(await scores.get(batched, one)).toMatchObject({ score: 40, stage: 'warm' });
    expect(await scores.get(other, one)).toMatchObject({ score: 10 });
    // The same events, in the same order for each contact: each activity's own change, as if applied alone.
    const byContact = async (ws: string, type: string) => {
      const events = await outbox<{ contactId: string }>(ws, type);
      return [one, two, three].map((contact) => events.filter((event) => event.contactId === contact));
    };
    for (const type of ['score.changed', 'stage.changed']) expect(await byContact(batched, type)).toEqual(await byContact(oneByOne, type));
  });

  it('scores a batch of one contact’s activities out of time order, one stored before, with the events one transaction each gives', async () => {
    const contact = randomUUID();
    const earlier = lead(contact, 5);
    // Late ones land before activities already scored; the stored one is applied again without effect.
    const sent = [
      lead(contact, 7),
      lead(contact, 2, { email_valid: true }),
      earlier,
      lead(contact, 3, { phone_valid: true }),
      lead(contact, 6),
    ];
    const oneByOne = newWorkspace();
    const batched = newWorkspace();
    for (const ws of [oneByOne, batched]) await score(ws, earlier);
    for (const activity of sent) await score(oneByOne, activity);
    await scoreBatch(sent.map((activity) => ({ workspaceId: batched, activity })));

    const [expected, actual] = await Promise.all([scores.get(oneByOne, contact), scores.get(batched, contact)]);
    expect(actual).toMatchObject({ score: 60, stage: 'hot' });
    expect([actual.score, actual.stage]).toEqual([expected.score, expected.stage]);
    expect(historyKeys(actual.history)).toEqual(historyKeys(expected.history));
    const changes = async (ws: string) =>
      (await outbox<{ score: number; previousScore: number }>(ws, 'score.changed')).map((e) => [e.previousScore, e.score]);
    expect(await changes(batched)).toEqual([
      [0, 10],
      [10, 20],
      [20, 35],
      [35, 50],
      [50, 60],
    ]);
    expect(await changes(batched)).toEqual(await changes(oneByOne));
    expect(await outbox(batched, 'stage.changed')).toEqual(await outbox(oneByOne, 'stage.changed'));
  });

  it('gives the same history and score whatever order the activities arrive in', async () => {
    const contact = randomUUID();
    const sent = [
      lead(contact, 1),
      lead(contact, 2, { phone_valid: true }),
      lead(contact, 3, { email_valid: true }),
      lead(contact, 4, { email_valid: true, phone_valid: true }),
      lead(contact, 5),
    ];
    const inOrder = newWorkspace();
    const reversed = newWorkspace();
    const shuffled = newWorkspace();
    for (const activity of sent) await score(inOrder, activity);
    for (const activity of [...sent].reverse()) await score(reversed, activity);
    for (const index of [3, 0, 4, 2, 1]) await score(shuffled, sent[index] as Activity);

    const views = await Promise.all([inOrder, reversed, shuffled].map((ws) => scores.get(ws, contact)));
    expect(views.map((v) => [v.score, v.stage])).toEqual([
      [60, 'hot'],
      [60, 'hot'],
      [60, 'hot'],
    ]);
    // Each fit rule stays with the earliest activity that earned it.
    const fit = (views[0] as { history: ScoreHistoryEntry[] }).history.filter((h) => h.ruleId.startsWith('fit_'));
    expect(fit.map((h) => [h.ruleId, h.activityId])).toEqual([
      ['fit_valid_phone', sent[1]?.activityId],
      ['fit_valid_email', sent[2]?.activityId],
    ]);
    expect(historyKeys(views[1]?.history ?? [])).toEqual(historyKeys(views[0]?.history ?? []));
    expect(historyKeys(views[2]?.history ?? [])).toEqual(historyKeys(views[0]?.history ?? []));
  });

  it('recomputes a merged contact from the combined history, each fit rule counted once', async () => {
    const ws = newWorkspace();
    const [survivor, merged] = [randomUUID(), randomUUID()];
    await score(ws, lead(survivor, 1, { email_valid: true }));
    await score(ws, lead(survivor, 2));
    await score(ws, lead(merged, 3, { email_valid: true, phone_valid: true }));
    expect((await scores.get(ws, survivor)).score).toBe(25);
    expect((await scores.get(ws, merged)).score).toBe(20);

    await merge(ws, { survivorId: survivor, mergedId: merged, at: at(10) });

    const view = await scores.get(ws, survivor);
    // 3 leads (30), email once (5), phone (5): the merged contact's email fit gives way to the earlier one.
    expect(view).toMatchObject({ contactId: survivor, score: 40, stage: 'warm' });
    expect(view.history.filter((h) => h.ruleId === 'fit_valid_email')).toHaveLength(1);
    // The merged id answers with its survivor, and its later activities go there too.
    expect(await scores.get(ws, merged)).toMatchObject({ contactId: survivor, score: 40 });
    await score(ws, lead(merged, 11));
    expect(await scores.get(ws, survivor)).toMatchObject({ score: 50, stage: 'hot' });
    const rows = await database.db.query<{ contact_id: string; state: string; score: number }>(
      `SELECT contact_id, state, score FROM scoring.contact_scores WHERE workspace_id = $1 ORDER BY state`,
      [ws],
    );
    expect(rows).toEqual([
      { contact_id: survivor, state: 'active', score: 50 },
      { contact_id: merged, state: 'merged', score: 0 },
    ]);
  });

  it('lets go of the rows a batch locked when one of its contacts was merged while it waited, before it locks the survivors’ rows', async () => {
    // Key order: fresh < merged < survivor. Scoring has not seen `fresh` yet.
    const [fresh, merged, survivor] = ['1', '2', '3'].map((n) => `00000000-0000-4000-8000-00000000000${n}`) as [string, string, string];
    const waiting = async (count: number) => {
      const [row] = await database.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'transactionid'`,
      );
      return row?.n === count;
    };

    /**
     * One run of the race, in a workspace of its own. Once the batch lets go of `fresh`'s row, the
     * other transaction waiting for it and the batch's retry both go for it: when the retry comes
     * first (a busy machine can keep the other one from running for a few milliseconds), the other
     * one waits for the batch's commit, exactly as if the batch had never let go, and the run tells
     * nothing ('undecided'). A batch that kept the row would never let the other one in first.
     */
    const run = async (ws: string): Promise<'let go' | 'undecided'> => {
      await score(ws, lead(merged, 1));
      await score(ws, lead(survivor, 2));
      const merging = database.dataSource.createQueryRunner();
      const other = database.dataSource.createQueryRunner();
      await Promise.all([merging.connect(), other.connect()]);
      let batchSettled = false;
      try {
        // A merge holds the survivor's and the merged contact's rows, uncommitted.
        await merging.startTransaction();
        await merges.merge(merging.manager, ws, { survivorId: survivor, mergedId: merged, at: at(10) });
        // A batch creates `fresh`'s row, then waits for the merged contact's.
        const leads = [lead(fresh, 11), lead(merged, 12)];
        const batch = scoreBatch(leads.map((activity) => ({ workspaceId: ws, activity }))).finally(() => (batchSettled = true));
        batch.catch(() => undefined);
        await waitFor(() => waiting(1), { what: 'the batch waiting for the merged row' });
        // Another transaction wants `fresh`'s row: it waits for the batch.
        await other.startTransaction();
        // The other transaction's insert returns when it has the row, or when the batch committed
        // it first (then it inserts nothing): only a returned row tells that it got it.
        let otherAnswered = false;
        let otherHasFresh = false;
        const otherTakesFresh = other
          .query(
            `INSERT INTO scoring.contact_scores (workspace_id, contact_id, score, stage, state) VALUES ($1, $2, 0, 'cold', 'active') ON CONFLICT DO NOTHING RETURNING contact_id`,
            [ws, fresh],
          )
          .then((rows: unknown[]) => {
            otherHasFresh = rows.length === 1;
            otherAnswered = true;
          });
        otherTakesFresh.catch(() => undefined);
        await waitFor(() => waiting(2), { what: 'the other transaction waiting for the batch' });

        // The merge commits: the batch finds its contact merged and lets go of `fresh`'s row before
        // locking again (the survivor's this time), so the other transaction can get it while the
        // batch is still open; holding it, the batch would keep the other one waiting until its commit.
        await merging.commitTransaction();
        await waitFor(async () => otherAnswered || batchSettled, { what: 'the other transaction or the batch to get fresh’s row' });
        if (!otherHasFresh) {
          await otherTakesFresh;
          await other.commitTransaction();
          await batch;
          return 'undecided';
        }
        await waitFor(() => waiting(1), { what: 'the batch waiting for the other transaction’s hold on fresh’s row', timeoutMs: 5000 });
        expect(batchSettled).toBe(false);
        await other.commitTransaction();
        // Both activities were stored (the merged contact's under its survivor), so both are new.
        expect((await batch).map((activity) => activity.activityId)).toEqual(leads.map((activity) => activity.activityId));
        return 'let go';
      } finally {
        for (const runner of [merging, other]) {
          if (runner.isTransactionActive) await runner.rollbackTransaction();
          await runner.release();
        }
      }
    };

    // Undecided runs are run again, in a new workspace; five in a row would take a busy machine
    // five times over, or a batch that holds the row.
    let ws = '';
    let outcome = 'undecided';
    for (let tries = 0; tries < 5 && outcome !== 'let go'; tries += 1) {
      ws = newWorkspace();
      outcome = await run(ws);
    }
    expect(outcome).toBe('let go');

    // The merged contact's new lead went to the survivor: three leads in all.
    const [survivorView, freshView] = await Promise.all([scores.get(ws, survivor), scores.get(ws, fresh)]);
    expect(survivorView).toMatchObject({ contactId: survivor });
    expect(survivorView.history.filter((h) => h.ruleId === 'lead_submitted')).toHaveLength(3);
    expect(freshView.history.filter((h) => h.ruleId === 'lead_submitted')).toHaveLength(1);
  });

  it('reaches the same score when a merge arrives before the activities of the merged contact', async () => {
    const [survivor, merged] = [randomUUID(), randomUUID()];
    const sent = [lead(survivor, 1, { email_valid: true }), lead(merged, 2, { email_valid: true, phone_valid: true }), lead(merged, 3)];
    const mergeData = { survivorId: survivor, mergedId: merged, at: at(5) };

    const inOrder = newWorkspace();
    for (const activity of sent) await score(inOrder, activity);
    await merge(inOrder, mergeData);

    const mergeFirst = newWorkspace();
    await merge(mergeFirst, mergeData);
    for (const activity of [...sent].reverse()) await score(mergeFirst, activity);

    const [a, b] = await Promise.all([scores.get(inOrder, survivor), scores.get(mergeFirst, survivor)]);
    expect(a).toMatchObject({ contactId: survivor, score: 40 });
    expect(b).toMatchObject({ contactId: survivor, score: 40 });
    expect(historyKeys(b.history)).toEqual(historyKeys(a.history));
  });

  it('keeps workspaces apart: the same contact id scores separately in each', async () => {
    const [a, b] = [newWorkspace(), newWorkspace()];
    const contact = randomUUID();
    await score(a, lead(contact, 1, { email_valid: true }));
    await score(b, lead(contact, 1));
    expect((await scores.get(a, contact)).score).toBe(15);
    expect((await scores.get(b, contact)).score).toBe(10);
  });

  it('takes a soft-deleted contact off the leaderboard and marks its score read, until it is restored (the higher version wins)', async () => {
    const ws = newWorkspace();
    const [high, low] = [randomUUID(), randomUUID()];
    await score(ws, lead(high, 1, { email_valid: true, phone_valid: true }));
    await score(ws, lead(low, 2));
    const board = async () => (await database.dataSource.transaction((manager) => deletions.leaderboard(manager, ws, { limit: 10 }))).items;
    expect((await board()).map((e) => [e.contactId, e.score])).toEqual([
      [high, 20],
      [low, 10],
    ]);
    const envelope = <T extends object>(type: string, data: T) =>
      eventEnvelope(ws, type, data, { occurredAt: at(5), producer: 'contacts' });
    const deleted = (version: number) => envelope('contact.deleted', { contactId: high, version, deletedAt: at(5), actor: null });
    const restored = (version: number) => envelope('contact.restored', { contactId: high, version, actor: null });
    await database.dataSource.transaction((manager) => deletionsHandler.onContactsDeleted([deleted(2)], manager));
    expect((await board()).map((e) => e.contactId)).toEqual([low]);
    expect(await scores.get(ws, high)).toMatchObject({ score: 20, contactDeleted: true });
    // A restore (version 3) that arrives before a redelivered older deletion (version 2) still wins.
    await database.dataSource.transaction((manager) => deletionsHandler.onContactsRestored([restored(3)], manager));
    await database.dataSource.transaction((manager) => deletionsHandler.onContactsDeleted([deleted(2)], manager));
    expect((await board()).map((e) => e.contactId)).toEqual([high, low]);
    expect(await scores.get(ws, high)).not.toHaveProperty('contactDeleted');
  });
});
