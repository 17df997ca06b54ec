import { type EventEnvelope, EventTypes, type StageChangedData } from '@leadflow/contracts';
import { JobQueue, JobsRepository, JobWorker, Scheduler, SchedulesRepository } from '@leadflow/jobs';
import { APP_LOGGER } from '@leadflow/logging';
import { Outbox } from '@leadflow/messaging';
import { eventEnvelope, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { AutomationEngineService } from '../src/automations/automation-engine.service';
import { AutomationEventsHandler } from '../src/automations/automation-events.handler';
import { AutomationRepository } from '../src/automations/automation.repository';
import { ContactDeletionsHandler } from '../src/contact-visibility/contact-deletions.handler';
import { ContactDeletionsRepository } from '../src/contact-visibility/contact-deletions.repository';
import { LeaderboardController } from '../src/contact-visibility/leaderboard.controller';
import { scoringMigrations } from '../src/database/migrations';
import { ReadsRepository } from '../src/reads/reads.repository';
import { ReadsService, RISK_SILENT_DAYS } from '../src/reads/reads.service';
import { RecomputeRepository } from '../src/recompute/recompute.repository';
import { RecomputeService, SCORING_JOB_OPTIONS } from '../src/recompute/recompute.service';
import { RuleRepository } from '../src/rules/rule.repository';
import { RulesAdminService } from '../src/rules/rules-admin.service';
import { RULES_CACHE_MS, RulesService } from '../src/rules/rules.service';
import { ActivityScoringService, type ScoringActivity } from '../src/scores/activity-scoring.service';
import { ContactMergeService } from '../src/scores/contact-merge.service';
import { ScoreQueryService } from '../src/scores/score-query.service';
import { ScoreRecalculator } from '../src/scores/score-recalculator';
import { ScoreRepository } from '../src/scores/score.repository';
import { ScoringEventsHandler } from '../src/scores/scoring-events.handler';

const silent = pino({ level: 'silent' });
const DAY = 86_400_000;

/** The scoring engine's services against a real PostgreSQL: activities, rules, recompute, decay, reads. */
describe('scoring engine against PostgreSQL', () => {
  let database: ServiceDatabase;
  let activities: ActivityScoringService;
  let handler: ScoringEventsHandler;
  let scores: ScoreQueryService;
  let admin: RulesAdminService;
  let recompute: RecomputeService;
  let reads: ReadsService;
  let leaderboard: LeaderboardController;
  let deletionsHandler: ContactDeletionsHandler;
  let worker: JobWorker;

  beforeAll(async () => {
    database = await openServiceDatabase('scoring', scoringMigrations);
    const dataSource = database.dataSource;
    worker = new JobWorker(new JobsRepository(dataSource), { logger: silent, pollIntervalMs: 50 });
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: dataSource },
        { provide: Outbox, useValue: new Outbox(dataSource, 'scoring') },
        { provide: APP_LOGGER, useValue: silent },
        { provide: RULES_CACHE_MS, useValue: 0 },
        { provide: RISK_SILENT_DAYS, useValue: 14 },
        { provide: SCORING_JOB_OPTIONS, useValue: { decayIntervalMs: 60_000, batchSize: 2 } },
        { provide: JobQueue, useValue: new JobQueue(new JobsRepository(dataSource), () => worker.wake()) },
        { provide: JobWorker, useValue: worker },
        { provide: Scheduler, useValue: new Scheduler(new SchedulesRepository(dataSource), { logger: silent }) },
        RuleRepository,
        RulesService,
        RulesAdminService,
        ScoreRepository,
        ScoreRecalculator,
        ActivityScoringService,
        ContactMergeService,
        ScoreQueryService,
        ScoringEventsHandler,
        // The activities' event_received automations run with their scoring.
        AutomationRepository,
        AutomationEngineService,
        AutomationEventsHandler,
        ContactDeletionsRepository,
        ContactDeletionsHandler,
        RecomputeRepository,
        RecomputeService,
        ReadsRepository,
        ReadsService,
        LeaderboardController,
      ],
    }).compile();
    activities = module.get(ActivityScoringService);
    handler = module.get(ScoringEventsHandler);
    scores = module.get(ScoreQueryService);
    admin = module.get(RulesAdminService);
    recompute = module.get(RecomputeService);
    reads = module.get(ReadsService);
    leaderboard = module.get(LeaderboardController);
    deletionsHandler = module.get(ContactDeletionsHandler);
    recompute.onModuleInit();
    worker.start();
  });

  afterAll(async () => {
    await worker?.stop();
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;
  const daysAgo = (days: number, minutes = 0) => new Date(Date.now() - days * DAY + minutes * 60_000).toISOString();

  function act(contactId: string, type: string, at: string, extra: Partial<ScoringActivity> = {}): Omit<ScoringActivity, 'workspaceId'> {
    return {
      contactId,
      activityId: randomUUID(),
      type,
      at,
      source: 'web',
      offer: null,
      country: null,
      properties: {},
      traits: {},
      ...extra,
    };
  }
  const scoreEach = async (workspaceId: string, list: ReadonlyArray<Omit<ScoringActivity, 'workspaceId'>>) => {
    for (const a of list) await database.dataSource.transaction((m) => activities.score(m, [{ ...a, workspaceId }]));
  };
  const scoreBatch = (workspaceId: string, list: ReadonlyArray<Omit<ScoringActivity, 'workspaceId'>>) =>
    database.dataSource.transaction((m) =>
      activities.score(
        m,
        list.map((a) => ({ ...a, workspaceId })),
      ),
    );
  async function outbox<T>(workspaceId: string, type: string): Promise<T[]> {
    const rows = await database.db.query<{ envelope: EventEnvelope<T & object> }>(
      `SELECT envelope FROM scoring.outbox_events WHERE type = $1 AND envelope->>'workspaceId' = $2 ORDER BY seq, ord`,
      [type, workspaceId],
    );
    return rows.map((row) => row.envelope.data);
  }
  const historyOf = async (ws: string, contact: string) =>
    (await scores.get(ws, contact)).history.map((h) => `${h.activityId}|${h.ruleId}|${h.points}|${h.at}|${h.reason}`);
  async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > until) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('scores activity.attributed events with the default rules, a page as page_view', async () => {
    const ws = newWorkspace();
    const contact = randomUUID();
    const envelope = (kind: 'track' | 'page', name: string, minutes: number) =>
      eventEnvelope(
        ws,
        'activity.attributed',
        {
          activityId: randomUUID(),
          messageId: `m-${minutes}`,
          contactId: contact.toUpperCase(),
          kind,
          name,
          properties: {},
          traits: {},
          occurredAt: daysAgo(1, minutes),
          receivedAt: daysAgo(1, minutes),
          source: 'tracker',
          anonymous: false,
          emailValid: true,
          phoneValid: false,
        },
        { occurredAt: daysAgo(1, minutes), producer: 'contacts' },
      ) as EventEnvelope<never>;
    await database.dataSource.transaction((m) =>
      handler.onActivitiesAttributed(
        [envelope('page', 'Pricing', 1), envelope('track', 'signup', 2), envelope('track', 'demo_request', 3), envelope('track', 'odd', 4)],
        m,
      ),
    );
    const view = await scores.get(ws, contact);
    expect(view).toMatchObject({ score: 80, fit: 5, engagement: 75, stage: 'hot' });
    expect(view.history.map((h) => [h.type, h.ruleId, h.points])).toEqual([
      ['page_view', 'page_view', 5],
      ['page_view', 'fit_valid_email', 5],
      ['signup', 'signup', 20],
      ['demo_request', 'demo_request', 50],
    ]);
    expect((await outbox<StageChangedData>(ws, 'stage.changed')).map((s) => [s.from, s.to])).toEqual([
      [null, 'cold'],
      ['cold', 'warm'],
      ['warm', 'hot'],
    ]);
  });

  it('gives the same history whether activities arrive in order, shuffled one by one, or in one batch', async () => {
    const events = ['page_view', 'download', 'signup', 'page_view', 'demo_request', 'lead_submitted'];
    const contact = randomUUID();
    const list = events.map((e, i) => act(contact, e, daysAgo(3, i), { traits: { phoneValid: i === 3 }, activityId: `act-${i}` }));
    const [inOrder, shuffled, batched] = [newWorkspace(), newWorkspace(), newWorkspace()];
    await scoreEach(inOrder, list);
    await scoreEach(shuffled, [list[4], list[1], list[5], list[0], list[3], list[2]] as typeof list);
    await scoreBatch(batched, [...list].reverse());
    const reference = await historyOf(inOrder, contact);
    expect(reference).toHaveLength(7);
    expect(await historyOf(shuffled, contact)).toEqual(reference);
    expect(await historyOf(batched, contact)).toEqual(reference);
    for (const ws of [inOrder, shuffled, batched]) expect((await scores.get(ws, contact)).score).toBe(105);
  });

  it('manages rules and thresholds with clear codes', async () => {
    const ws = newWorkspace();
    expect((await admin.list(ws)).map((r) => [r.id, r.points])).toEqual([
      ['contract_signed', 100],
      ['demo_request', 50],
      ['download', 10],
      ['fit_valid_email', 5],
      ['fit_valid_phone', 5],
      ['lead_submitted', 10],
      ['page_view', 5],
      ['signup', 20],
    ]);
    const created = await admin.create(ws, {
      id: 'pricing_view',
      kind: 'engagement',
      event: 'page_view',
      points: 15,
      conditions: [{ path: 'properties.path', op: 'equals', value: '/pricing' }],
      cap: 30,
      group: 'web',
      groupCap: 40,
      decay: { type: 'halve', percent: 50, everyDays: 30 },
    });
    expect(created).toMatchObject({ before: null, rule: { id: 'pricing_view', active: true, cap: 30 } });
    await expect(admin.create(ws, { id: 'pricing_view', kind: 'engagement', event: 'x', points: 1 })).rejects.toMatchObject({
      code: 'rule_exists',
    });
    const bad = [
      { id: 'Bad Id', kind: 'engagement', event: 'x', points: 1 },
      { id: 'a', kind: 'other', event: 'x', points: 1 },
      { id: 'a', kind: 'fit', event: 'x', points: 0 },
      { id: 'a', kind: 'fit', event: 'x', points: 1, conditions: [{ path: 'email', op: 'equals', value: 1 }] },
      { id: 'a', kind: 'fit', event: 'x', points: 1, conditions: [{ path: 'traits.n', op: 'gt', value: 'ten' }] },
      { id: 'a', kind: 'fit', event: 'x', points: 1, conditions: [{ path: 'traits.n', op: 'in', value: [] }] },
      { id: 'a', kind: 'fit', event: 'x', points: 1, decay: { type: 'halve', percent: 0, everyDays: 1 } },
      { id: 'a', kind: 'fit', event: 'x', points: 1, groupCap: 5 },
      { id: 'a', kind: 'engagement', event: 'x', points: -5, cap: 5 },
    ];
    for (const body of bad) await expect(admin.create(ws, body)).rejects.toMatchObject({ code: 'invalid_rule' });
    expect(await admin.patch(ws, 'signup', { points: 25, active: false })).toMatchObject({
      before: { points: 20, active: true },
      rule: { id: 'signup', points: 25, active: false },
    });
    await expect(admin.patch(ws, 'nope', { points: 1 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(admin.patch(ws, 'signup', { conditions: 'x' })).rejects.toMatchObject({ code: 'invalid_rule' });
    expect(await admin.delete(ws, 'download')).toMatchObject({ rule: null, before: { id: 'download' } });
    await expect(admin.delete(ws, 'download')).rejects.toMatchObject({ code: 'not_found' });
    expect((await admin.list(ws)).map((r) => r.id)).not.toContain('download');

    expect(await admin.stages(ws)).toEqual({ warm: 20, hot: 50, qualified: 100 });
    await expect(admin.putStages(ws, { warm: 50, hot: 50, qualified: 90 })).rejects.toMatchObject({ code: 'invalid_thresholds' });
    expect(await admin.putStages(ws, { warm: 10, hot: 30, qualified: 60 })).toEqual({
      thresholds: { warm: 10, hot: 30, qualified: 60 },
      before: { warm: 20, hot: 50, qualified: 100 },
    });
    // A deleted default rule is not seeded again.
    const contact = randomUUID();
    await scoreEach(ws, [
      act(contact, 'download', daysAgo(1)),
      act(contact, 'page_view', daysAgo(1, 1), { properties: { path: '/pricing' } }),
    ]);
    expect(await scores.get(ws, contact)).toMatchObject({ score: 20, stage: 'warm' });
  });

  it('recomputes after a rule change as a job with progress, emitting stage changes; a dry run only counts', async () => {
    const ws = newWorkspace();
    const contacts = Array.from({ length: 5 }, () => randomUUID());
    await scoreEach(
      ws,
      contacts.map((c) => act(c, 'signup', daysAgo(2))),
    );
    for (const c of contacts) expect((await scores.get(ws, c)).stage).toBe('warm');

    // A backtest of draft rules: signup worth 60 would make all five hot; nothing is written.
    const dry = await recompute.start({
      workspaceId: ws,
      dryRun: true,
      rules: [{ id: 'signup', kind: 'engagement', event: 'signup', points: 60 }],
    });
    expect(dry).toMatchObject({ dryRun: true, total: 5 });
    const dryDone = await waitFor(
      () => recompute.get(ws, dry.id),
      (v) => v.status === 'done',
    );
    expect(dryDone).toMatchObject({ status: 'done', done: 5, total: 5, stageChanges: 5 });
    expect((await scores.get(ws, contacts[0] as string)).stage).toBe('warm');
    // Draft thresholds only: with warm at 30, all five (at 20) would drop to cold.
    const dryStages = await recompute.start({ workspaceId: ws, dryRun: true, thresholds: { warm: 30, hot: 60, qualified: 120 } });
    expect(
      await waitFor(
        () => recompute.get(ws, dryStages.id),
        (v) => v.status === 'done',
      ),
    ).toMatchObject({ stageChanges: 5 });
    await expect(recompute.start({ workspaceId: ws, rules: [] })).rejects.toMatchObject({ code: 'invalid_rule' });
    await expect(recompute.start({ workspaceId: ws, dryRun: true, rules: [{ id: 'x' }] })).rejects.toMatchObject({ code: 'invalid_rule' });

    await admin.patch(ws, 'signup', { points: 60 });
    const before = (await outbox<StageChangedData>(ws, 'stage.changed')).length;
    const run = await recompute.start({ workspaceId: ws, filter: { contactIds: contacts.slice(0, 3) } });
    expect(run).toMatchObject({ dryRun: false, total: 3 });
    expect(
      await waitFor(
        () => recompute.get(ws, run.id),
        (v) => v.status === 'done',
      ),
    ).toMatchObject({ done: 3, total: 3, stageChanges: 3 });
    expect(await Promise.all(contacts.map(async (c) => (await scores.get(ws, c)).stage))).toEqual(['hot', 'hot', 'hot', 'warm', 'warm']);
    const changes = (await outbox<StageChangedData>(ws, 'stage.changed')).slice(before);
    expect(changes.map((s) => [s.from, s.to])).toEqual([
      ['warm', 'hot'],
      ['warm', 'hot'],
      ['warm', 'hot'],
    ]);
    // The rest by stage filter: the warm ones.
    const rest = await recompute.start({ workspaceId: ws, filter: { stage: 'warm' } });
    expect(
      await waitFor(
        () => recompute.get(ws, rest.id),
        (v) => v.status === 'done',
      ),
    ).toMatchObject({ done: 2, total: 2, stageChanges: 2 });
    const history = (await scores.get(ws, contacts[4] as string)).history;
    expect(history.map((h) => [h.ruleId, h.points])).toEqual([['signup', 60]]);
    await expect(recompute.get(ws, randomUUID())).rejects.toMatchObject({ code: 'not_found' });
    await expect(recompute.get(ws, 'x')).rejects.toMatchObject({ code: 'invalid_id' });
  });

  it('applies decay through a schedule that runs once per interval across two schedulers, without any event', async () => {
    const ws = newWorkspace();
    const contact = randomUUID();
    await scoreEach(ws, [act(contact, 'demo_request', daysAgo(40))]);
    expect(await scores.get(ws, contact)).toMatchObject({ score: 50, stage: 'hot' });
    // The rule starts decaying; no event arrives for the contact.
    await admin.patch(ws, 'demo_request', { decay: { type: 'halve', percent: 50, everyDays: 30 } });
    let runs = 0;
    const name = `scoring.decay.test-${randomUUID().slice(0, 8)}`;
    const replicas = [0, 1].map(() =>
      new Scheduler(new SchedulesRepository(database.dataSource), { logger: silent, pollIntervalMs: 30 }).add({
        name,
        intervalMs: 60_000,
        run: async () => {
          runs += 1;
          await recompute.decay();
        },
      }),
    );
    await Promise.all(replicas.map((s) => s.start()));
    await waitFor(
      async () => runs,
      (n) => n > 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    await Promise.all(replicas.map((s) => s.stop()));
    expect(runs).toBe(1);
    const view = await scores.get(ws, contact);
    expect(view).toMatchObject({ score: 25, stage: 'warm' });
    expect(view.history.map((h) => [h.reason, h.points])).toEqual([
      ['award', 50],
      ['decay', -25],
    ]);
    expect((await outbox<StageChangedData>(ws, 'stage.changed')).map((s) => [s.from, s.to])).toEqual([
      [null, 'hot'],
      ['hot', 'warm'],
    ]);
  });

  it('pages the leaderboard by score with a cursor, filters by stage, and drops soft-deleted contacts', async () => {
    const ws = newWorkspace();
    const ids = Array.from({ length: 5 }, () => randomUUID()).sort();
    const events = ['contract_signed', 'demo_request', 'signup', 'signup', 'page_view'];
    await scoreBatch(
      ws,
      ids.map((c, i) => act(c, events[i] as string, daysAgo(1))),
    );
    const all: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await leaderboard.leaderboard({ workspaceId: ws, limit: 2, cursor });
      all.push(...page.items.map((e) => `${e.score}:${e.contactId}`));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(all).toEqual([`100:${ids[0]}`, `50:${ids[1]}`, `20:${ids[2]}`, `20:${ids[3]}`, `5:${ids[4]}`]);
    expect((await leaderboard.leaderboard({ workspaceId: ws, limit: 10, stage: 'warm' })).items.map((e) => e.contactId)).toEqual([
      ids[2],
      ids[3],
    ]);
    await database.dataSource.transaction((m) =>
      deletionsHandler.onContactsDeleted(
        [
          eventEnvelope(
            ws,
            EventTypes.contactDeleted,
            { contactId: ids[1] as string, version: 2, deletedAt: daysAgo(0), actor: null },
            { occurredAt: daysAgo(0), producer: 'contacts' },
          ),
        ],
        m,
      ),
    );
    expect((await leaderboard.leaderboard({ workspaceId: ws, limit: 10 })).items.map((e) => e.contactId)).toEqual([
      ids[0],
      ids[2],
      ids[3],
      ids[4],
    ]);
    await expect(leaderboard.leaderboard({ workspaceId: ws, limit: 2, cursor: 'nope!' })).rejects.toMatchObject({ code: 'invalid_cursor' });
  });

  it('answers insights and the scoring timeline', async () => {
    const ws = newWorkspace();
    const [active, silentHot] = [randomUUID(), randomUUID()];
    await scoreEach(ws, [
      act(active, 'page_view', daysAgo(10)),
      act(active, 'demo_request', daysAgo(3)),
      act(active, 'signup', daysAgo(2)),
      act(silentHot, 'demo_request', daysAgo(20)),
    ]);
    expect(await reads.insights(ws, active)).toMatchObject({
      score: 75,
      stage: 'hot',
      velocity: { last7Days: 70, previous7Days: 5, trend: 'up' },
      daysSinceLastActivity: 2,
      atRisk: false,
      nextAction: 'offer_demo',
    });
    expect(await reads.insights(ws, silentHot)).toMatchObject({
      stage: 'hot',
      daysSinceLastActivity: 20,
      atRisk: true,
      nextAction: 're_engage',
    });
    await expect(reads.insights(ws, randomUUID())).rejects.toMatchObject({ code: 'not_found' });
    await expect(reads.insights(ws, 'x')).rejects.toMatchObject({ code: 'invalid_id' });

    const { entries } = await reads.timeline(ws, active, undefined, 50);
    expect(entries.map((e) => [e.kind, e.ruleId, e.points, e.score, e.fromStage, e.stage])).toEqual([
      ['score_changed', 'signup', 20, 75, null, null],
      ['stage_changed', null, null, 55, 'cold', 'hot'],
      ['score_changed', 'demo_request', 50, 55, null, null],
      ['stage_changed', null, null, 5, null, 'cold'],
      ['score_changed', 'page_view', 5, 5, null, null],
    ]);
    const older = await reads.timeline(ws, active, entries[0]?.at, 2);
    expect(older.entries.map((e) => [e.kind, e.ruleId])).toEqual([
      ['stage_changed', null],
      ['score_changed', 'demo_request'],
    ]);
  });
});
