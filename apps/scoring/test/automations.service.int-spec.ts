import {
  type AutomationContactChangeRequestedData,
  type AutomationRunCompletedData,
  type AutomationView,
  type AutomationWebhookRequestedData,
  type ContactChangedData,
  type EventEnvelope,
  EventTypes,
  type LeadAttributedData,
  type ScoreChangedData,
  type StageChangedData,
} from '@leadflow/contracts';
import { JobQueue, JobsRepository, JobWorker } from '@leadflow/jobs';
import { APP_LOGGER } from '@leadflow/logging';
import { ConsumerDemand, Outbox } from '@leadflow/messaging';
import { eventEnvelope, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AutomationEngineService } from '../src/automations/automation-engine.service';
import { AutomationEventsHandler } from '../src/automations/automation-events.handler';
import { AutomationRepository } from '../src/automations/automation.repository';
import { AUTOMATION_BACKFILL_BATCH, AutomationsAdminService } from '../src/automations/automations-admin.service';
import { scoringMigrations } from '../src/database/migrations';
import { RuleRepository } from '../src/rules/rule.repository';
import { RULES_CACHE_MS, RulesService } from '../src/rules/rules.service';
import { ActivityScoringService } from '../src/scores/activity-scoring.service';
import { ContactMergeService } from '../src/scores/contact-merge.service';
import { ScoreRecalculator } from '../src/scores/score-recalculator';
import { ScoreRepository } from '../src/scores/score.repository';
import { ScoringEventsHandler } from '../src/scores/scoring-events.handler';

const silent = pino({ level: 'silent' });

/** Automations in scoring's services against a real PostgreSQL: CRUD, runs once per occurrence, cooldowns, actions as events, backfill. */
describe('automations against PostgreSQL', () => {
  let database: ServiceDatabase;
  let admin: AutomationsAdminService;
  let automations: AutomationEventsHandler;
  let scoring: ScoringEventsHandler;
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
        { provide: AUTOMATION_BACKFILL_BATCH, useValue: 2 },
        { provide: JobQueue, useValue: new JobQueue(new JobsRepository(dataSource), () => worker.wake()) },
        { provide: JobWorker, useValue: worker },
        RuleRepository,
        RulesService,
        ScoreRepository,
        ScoreRecalculator,
        ActivityScoringService,
        ContactMergeService,
        ScoringEventsHandler,
        AutomationRepository,
        AutomationEngineService,
        AutomationEventsHandler,
        AutomationsAdminService,
        ConsumerDemand,
      ],
    }).compile();
    admin = module.get(AutomationsAdminService);
    automations = module.get(AutomationEventsHandler);
    scoring = module.get(ScoringEventsHandler);
    admin.onModuleInit();
    worker.start();
  });

  afterAll(async () => {
    await worker?.stop();
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;
  const T0 = Date.UTC(2026, 5, 1, 9, 0);
  const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

  function envelope<T extends object>(workspaceId: string, type: string, data: T, occurredAt = at(0)): EventEnvelope<T> {
    return eventEnvelope(workspaceId, type, data, { occurredAt, producer: 'scoring' });
  }
  const stageChanged = (ws: string, contactId: string, from: StageChangedData['from'], to: StageChangedData['to'], occurredAt = at(0)) =>
    envelope<StageChangedData>(
      ws,
      EventTypes.stageChanged,
      { contactId, from, to, at: occurredAt, source: 'landing', offer: 'spring', country: 'DE' },
      occurredAt,
    );
  const scoreChanged = (ws: string, contactId: string, previousScore: number, score: number) =>
    envelope<ScoreChangedData>(ws, EventTypes.scoreChanged, { contactId, previousScore, score, stage: 'warm', activityId: randomUUID() });

  /**
   * Delivers events to a handler as the inbox consumer does: the inbox rows and the effect in one
   * transaction, the handler seeing only the events new to the inbox.
   */
  async function deliver<T extends object>(
    events: ReadonlyArray<EventEnvelope<T>>,
    handle: (events: ReadonlyArray<EventEnvelope<T>>, manager: EntityManager) => Promise<void>,
  ): Promise<void> {
    await database.dataSource.transaction(async (manager) => {
      const fresh = (await manager.query(
        `INSERT INTO scoring.inbox ("consumer", "event_id", "event_type")
         SELECT 'scoring', "id", "type" FROM unnest($1::uuid[], $2::text[]) AS e("id", "type") ON CONFLICT DO NOTHING RETURNING "event_id"`,
        [events.map((e) => e.id), events.map((e) => e.type)],
      )) as Array<{ event_id: string }>;
      const ids = new Set(fresh.map((r) => r.event_id));
      const firstTime = events.filter((e) => ids.has(e.id));
      if (firstTime.length > 0) await handle(firstTime, manager);
    });
  }
  const onStage = (events: ReadonlyArray<EventEnvelope<StageChangedData>>, m: EntityManager) =>
    automations.onStageChanged(events as never, m);
  const onScore = (events: ReadonlyArray<EventEnvelope<ScoreChangedData>>, m: EntityManager) =>
    automations.onScoreChanged(events as never, m);

  async function outbox<T>(workspaceId: string, type: string): Promise<T[]> {
    const rows = await database.db.query<{ envelope: EventEnvelope<T & object> }>(
      `SELECT envelope FROM scoring.outbox_events WHERE type = $1 AND envelope->>'workspaceId' = $2 ORDER BY seq, ord`,
      [type, workspaceId],
    );
    return rows.map((row) => row.envelope.data);
  }
  async function outboxEnvelopes<T>(workspaceId: string, type: string): Promise<Array<EventEnvelope<T & object>>> {
    const rows = await database.db.query<{ envelope: EventEnvelope<T & object> }>(
      `SELECT envelope FROM scoring.outbox_events WHERE type = $1 AND envelope->>'workspaceId' = $2 ORDER BY seq, ord`,
      [type, workspaceId],
    );
    return rows.map((row) => row.envelope);
  }
  const runs = async (ws: string, id: string) => (await admin.runs(ws, id, { limit: 200 })).items;

  async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > until) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const endpointId = '0190a5b2-0000-7000-8000-0000000000e1';
  const owners = ['0190a5b2-0000-7000-8000-0000000000a1', '0190a5b2-0000-7000-8000-0000000000a2'];

  it('creates, reads, lists, changes and deletes automations, refusing bad bodies with invalid_automation', async () => {
    const ws = newWorkspace();
    const created = await admin.create(ws, {
      name: 'Hot leads to sales',
      trigger: { type: 'stage_changed', toStage: 'hot' },
      conditions: { source: 'landing', tags: { none: ['spam'] } },
      actions: [
        { type: 'webhook', endpointId },
        { type: 'add_tag', tag: 'hot-lead' },
      ],
      enabled: true,
    });
    const automation = created.automation as AutomationView;
    expect(automation).toMatchObject({
      name: 'Hot leads to sales',
      trigger: { type: 'stage_changed', toStage: 'hot' },
      conditions: { source: ['landing'], tags: { none: ['spam'] } },
      actions: [
        { type: 'webhook', endpointId },
        { type: 'add_tag', tag: 'hot-lead' },
      ],
      enabled: true,
      cooldownSeconds: null,
    });
    expect(created.before).toBeNull();
    expect(await admin.get(ws, automation.id)).toEqual(automation);
    const second = (
      await admin.create(ws, { name: 'Second', trigger: { type: 'contact_created' }, actions: [{ type: 'add_tag', tag: 'new' }] })
    ).automation as AutomationView;
    const first = await admin.list(ws, { limit: 1 });
    expect(first.items.map((a) => a.id)).toEqual([second.id]);
    expect((await admin.list(ws, { limit: 1, cursor: first.nextCursor as string })).items.map((a) => a.id)).toEqual([automation.id]);

    expect(automation.version).toBe(1);
    const patched = await admin.patch(ws, automation.id, { enabled: false, cooldownSeconds: 600 }, [1]);
    expect(patched.before).toMatchObject({ enabled: true, cooldownSeconds: null, version: 1 });
    expect(patched.automation).toMatchObject({
      enabled: false,
      cooldownSeconds: 600,
      name: 'Hot leads to sales',
      trigger: { toStage: 'hot' },
      version: 2,
    });
    // From a version it is no longer at: the automation as it is, unchanged.
    expect(await admin.patch(ws, automation.id, { enabled: true }, [1])).toMatchObject({
      outcome: 'version_conflict',
      automation: null,
      current: { enabled: false, version: 2 },
    });
    expect(await admin.delete(ws, automation.id, [1])).toMatchObject({ outcome: 'version_conflict', current: { version: 2 } });

    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: 'x', trigger: { type: 'stage_moved' }, actions: [{ type: 'add_tag', tag: 'a' }] }, /trigger.type/],
      [{ name: 'x', trigger: { type: 'stage_changed', toStage: 'boiling' }, actions: [{ type: 'add_tag', tag: 'a' }] }, /trigger.toStage/],
      [{ name: 'x', trigger: { type: 'score_crossed', threshold: 50 }, actions: [{ type: 'add_tag', tag: 'a' }] }, /trigger.direction/],
      [{ name: 'x', trigger: { type: 'event_received' }, actions: [{ type: 'add_tag', tag: 'a' }] }, /trigger.event/],
      [{ name: 'x', trigger: { type: 'contact_created' }, actions: [] }, /actions/],
      [{ name: 'x', trigger: { type: 'contact_created' }, actions: [{ type: 'webhook' }] }, /endpointId/],
      [
        { name: 'x', trigger: { type: 'contact_created' }, actions: [{ type: 'assign_owner', strategy: 'fixed', ownerIds: owners }] },
        /one account/,
      ],
      [
        {
          name: 'x',
          trigger: { type: 'contact_created' },
          actions: [{ type: 'assign_owner', strategy: 'round_robin', ownerIds: ['bob'] }],
        },
        /ownerIds/,
      ],
      [{ name: 'x', trigger: { type: 'contact_created' }, actions: [{ type: 'set_lifecycle', lifecycle: 'prospect' }] }, /lifecycle/],
      [{ name: 'x', trigger: { type: 'contact_created' }, actions: [{ type: 'notify_sales' }] }, /actions\[0\].type/],
      [
        {
          name: 'x',
          trigger: { type: 'contact_created' },
          conditions: { score: { min: 9, max: 1 } },
          actions: [{ type: 'add_tag', tag: 'a' }],
        },
        /score.min/,
      ],
      [
        {
          name: 'x',
          trigger: { type: 'contact_created' },
          conditions: { properties: [{ path: 'traits.x', op: 'equals', value: 1 }] },
          actions: [{ type: 'add_tag', tag: 'a' }],
        },
        /path/,
      ],
      [
        { name: 'x', trigger: { type: 'contact_created' }, conditions: { colour: 'red' }, actions: [{ type: 'add_tag', tag: 'a' }] },
        /unknown field colour/,
      ],
      [{ trigger: { type: 'contact_created' }, actions: [{ type: 'add_tag', tag: 'a' }] }, /name/],
      [
        { name: 'x', trigger: { type: 'contact_created' }, actions: [{ type: 'add_tag', tag: 'a' }], cooldownSeconds: 0 },
        /cooldownSeconds/,
      ],
    ];
    for (const [body, message] of bad) {
      await expect(admin.create(ws, body)).rejects.toMatchObject({ code: 'invalid_automation', message: expect.stringMatching(message) });
    }
    await expect(
      admin.patch(ws, automation.id, { trigger: { type: 'score_crossed', direction: 'sideways', threshold: 1 } }),
    ).rejects.toMatchObject({
      code: 'invalid_automation',
    });
    await expect(admin.get(ws, 'nope')).rejects.toMatchObject({ code: 'invalid_id' });
    await expect(admin.get(ws, randomUUID())).rejects.toMatchObject({ code: 'not_found' });
    await expect(admin.get(newWorkspace(), automation.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(admin.list(ws, { limit: 5, cursor: '!!' })).rejects.toMatchObject({ code: 'invalid_cursor' });

    expect((await admin.delete(ws, automation.id)).before).toMatchObject({ id: automation.id });
    await expect(admin.get(ws, automation.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(admin.delete(ws, automation.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('runs a stage_changed automation in the transaction of the stage change scoring makes, once though the change is applied again', async () => {
    const ws = newWorkspace();
    const automation = (
      await admin.create(ws, {
        name: 'Hot',
        trigger: { type: 'stage_changed', toStage: 'hot' },
        conditions: { source: ['landing'] },
        actions: [
          { type: 'webhook', endpointId },
          { type: 'add_tag', tag: 'hot-lead' },
        ],
      })
    ).automation as AutomationView;
    // A warm-only automation, which this change must not run.
    const warm = (
      await admin.create(ws, {
        name: 'Warm',
        trigger: { type: 'stage_changed', toStage: 'warm' },
        actions: [{ type: 'add_tag', tag: 'w' }],
      })
    ).automation as AutomationView;
    const contact = randomUUID();
    // A demo request (50 points) takes the contact from nothing to hot.
    await database.dataSource.transaction((manager) =>
      scoring.onActivitiesAttributed(
        [
          envelope(ws, EventTypes.activityAttributed, {
            activityId: randomUUID(),
            contactId: contact,
            kind: 'track',
            name: 'demo_request',
            occurredAt: at(0),
            source: 'landing',
            properties: {},
            traits: {},
            emailValid: false,
            phoneValid: false,
          }),
        ] as never,
        manager,
      ),
    );
    const [change] = await outboxEnvelopes<StageChangedData>(ws, EventTypes.stageChanged);
    expect(change?.data).toMatchObject({ contactId: contact, from: null, to: 'hot', source: 'landing' });
    const event = change as EventEnvelope<StageChangedData>;
    // Scoring does not consume its own stage change: the automation ran in the transaction that made it.
    expect((await runs(ws, automation.id)).map((run) => run.occurrenceId)).toEqual([`stage.changed:${event.id}`]);

    await database.dataSource.transaction((manager) => onStage([event], manager)); // applied again: the run row has it

    const log = await runs(ws, automation.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      contactId: contact,
      trigger: 'stage_changed',
      occurrenceId: `stage.changed:${event.id}`,
      outcome: 'completed',
      error: null,
      actions: [
        { type: 'webhook', endpointId },
        { type: 'add_tag', tag: 'hot-lead' },
      ],
    });
    expect(await runs(ws, warm.id)).toEqual([]);

    const webhooks = await outboxEnvelopes<AutomationWebhookRequestedData>(ws, EventTypes.automationWebhookRequested);
    expect(webhooks).toHaveLength(1);
    const webhook = webhooks[0] as EventEnvelope<AutomationWebhookRequestedData>;
    expect(Object.keys(webhook.data).sort()).toEqual([
      'automationId',
      'contactId',
      'endpointId',
      'occurredAt',
      'payload',
      'runId',
      'trigger',
    ]);
    expect(webhook.data).toEqual({
      automationId: automation.id,
      runId: log[0]?.id,
      endpointId,
      contactId: contact,
      trigger: 'stage_changed',
      occurredAt: event.occurredAt,
      payload: {
        automation: { id: automation.id, name: 'Hot' },
        runId: log[0]?.id,
        trigger: 'stage_changed',
        occurrenceId: `stage.changed:${event.id}`,
        contactId: contact,
        data: event.data,
      },
    });
    expect(webhook.correlationId).toBe(event.correlationId);
    expect(await outbox<AutomationContactChangeRequestedData>(ws, EventTypes.automationContactChangeRequested)).toEqual([
      { automationId: automation.id, runId: log[0]?.id, contactId: contact, addTags: ['hot-lead'] },
    ]);
    expect(await outbox<AutomationRunCompletedData>(ws, EventTypes.automationRunCompleted)).toEqual([
      {
        automationId: automation.id,
        runId: log[0]?.id,
        contactId: contact,
        trigger: 'stage_changed',
        occurrenceId: `stage.changed:${event.id}`,
        actions: ['webhook', 'add_tag'],
        outcome: 'completed',
      },
    ]);

    // A disabled automation runs for nothing.
    await admin.patch(ws, automation.id, { enabled: false });
    await deliver([stageChanged(ws, randomUUID(), 'warm', 'hot')], onStage);
    expect(await runs(ws, automation.id)).toHaveLength(1);
  });

  it('respects the cooldown per contact, counted from each occurrence', async () => {
    const ws = newWorkspace();
    const automation = (
      await admin.create(ws, {
        name: 'Any stage',
        trigger: { type: 'stage_changed' },
        actions: [{ type: 'webhook', endpointId }],
        cooldownSeconds: 3600,
      })
    ).automation as AutomationView;
    const [one, two] = [randomUUID(), randomUUID()];
    await deliver([stageChanged(ws, one, null, 'warm', at(0))], onStage);
    await deliver([stageChanged(ws, one, 'warm', 'hot', at(10)), stageChanged(ws, two, null, 'warm', at(10))], onStage);
    await deliver([stageChanged(ws, one, 'hot', 'qualified', at(61))], onStage);
    const log = (await runs(ws, automation.id)).reverse();
    expect(log.map((r) => [r.contactId, r.outcome, r.error])).toEqual([
      [one, 'completed', null],
      [one, 'skipped_cooldown', 'cooldown'],
      [two, 'completed', null],
      [one, 'completed', null],
    ]);
    expect(await outbox(ws, EventTypes.automationWebhookRequested)).toHaveLength(3);
    expect((await outbox<AutomationRunCompletedData>(ws, EventTypes.automationRunCompleted)).map((e) => e.outcome)).toEqual([
      'completed',
      'skipped_cooldown',
      'completed',
      'completed',
    ]);
  });

  it('runs score_crossed up only when the score rises to the threshold, and down only when it falls below it', async () => {
    const ws = newWorkspace();
    const up = (
      await admin.create(ws, {
        name: 'Up',
        trigger: { type: 'score_crossed', threshold: 50, direction: 'up' },
        actions: [{ type: 'add_tag', tag: 'up' }],
      })
    ).automation as AutomationView;
    const down = (
      await admin.create(ws, {
        name: 'Down',
        trigger: { type: 'score_crossed', threshold: 50, direction: 'down' },
        actions: [{ type: 'add_tag', tag: 'down' }],
      })
    ).automation as AutomationView;
    const contact = randomUUID();
    const steps = [
      scoreChanged(ws, contact, 40, 60),
      scoreChanged(ws, contact, 60, 70),
      scoreChanged(ws, contact, 70, 30),
      scoreChanged(ws, contact, 30, 45),
      scoreChanged(ws, contact, 45, 50),
    ];
    for (const step of steps) await deliver([step], onScore);
    expect((await runs(ws, up.id)).map((r) => r.occurrenceId).reverse()).toEqual([
      `score.changed:${steps[0]?.id}`,
      `score.changed:${steps[4]?.id}`,
    ]);
    expect((await runs(ws, down.id)).map((r) => r.occurrenceId)).toEqual([`score.changed:${steps[2]?.id}`]);
  });

  it('runs opportunity_won and opportunity_lost automations for the opportunity’s contact, once per event', async () => {
    const ws = newWorkspace();
    const won = (
      await admin.create(ws, {
        name: 'Won',
        trigger: { type: 'opportunity_won' },
        actions: [{ type: 'set_lifecycle', lifecycle: 'customer' }],
      })
    ).automation as AutomationView;
    const lost = (
      await admin.create(ws, { name: 'Lost', trigger: { type: 'opportunity_lost' }, actions: [{ type: 'add_tag', tag: 'lost-deal' }] })
    ).automation as AutomationView;
    const contact = randomUUID();
    const opportunity = (type: string, status: 'won' | 'lost') =>
      envelope(ws, type, {
        opportunityId: randomUUID(),
        contactId: contact,
        version: 2,
        leadId: null,
        originLeadId: null,
        pipelineId: randomUUID(),
        stage: status === 'won' ? 'closed_won' : 'closed_lost',
        fromStage: 'proposal',
        status,
        amount: '100000',
        currency: 'EUR',
        probability: status === 'won' ? 100 : 0,
        closedAt: at(30),
        deleted: false,
        at: at(30),
      });
    const winning = opportunity(EventTypes.opportunityWon, 'won');
    await deliver([winning], (e, m) => automations.onOpportunityWon(e as never, m));
    await deliver([winning], (e, m) => automations.onOpportunityWon(e as never, m));
    await deliver([opportunity(EventTypes.opportunityLost, 'lost')], (e, m) => automations.onOpportunityLost(e as never, m));
    expect((await runs(ws, won.id)).map((r) => [r.contactId, r.trigger, r.occurrenceId])).toEqual([
      [contact, 'opportunity_won', `opportunity.won:${winning.id}`],
    ]);
    expect((await runs(ws, lost.id)).map((r) => r.trigger)).toEqual(['opportunity_lost']);
    expect(
      (await outbox<AutomationContactChangeRequestedData>(ws, EventTypes.automationContactChangeRequested)).map((c) => [
        c.lifecycle,
        c.addTags,
      ]),
    ).toEqual([
      ['customer', undefined],
      [undefined, ['lost-deal']],
    ]);
  });

  it('keeps the fields of a contact a lead made from its lead.attributed, and applies its contact.created only for contact_created automations', async () => {
    const ws = newWorkspace();
    const lead = (contactId: string, marked: boolean) =>
      envelope<LeadAttributedData>(ws, EventTypes.leadAttributed, {
        leadId: uuidv7(),
        contactId,
        isNewContact: true,
        source: 'landing',
        offer: null,
        country: 'FR',
        receivedAt: at(0),
        emailValid: true,
        phoneValid: false,
        ...(marked ? { contactCreatedEventId: uuidv7() } : {}),
      });
    const fieldsOf = async (contactId: string) =>
      database.db.query(
        `SELECT version::int AS version, fields FROM scoring.automation_contacts WHERE workspace_id = $1 AND contact_id = $2`,
        [ws, contactId],
      );
    const [made, earlier] = [randomUUID(), randomUUID()];
    const madeLead = lead(made, true);
    await database.dataSource.transaction((m) => scoring.onLeadsAttributed([madeLead, lead(earlier, false)] as never, m));
    const first = { tags: [], ownerId: null, lifecycle: null, company: null, title: null, country: 'FR' };
    expect(await fieldsOf(made)).toEqual([{ version: 0, fields: first }]);
    // A lead of an earlier release: its contact.created (naming no lead) brings the fields.
    expect(await fieldsOf(earlier)).toEqual([]);

    // Fields the contact's own events brought later stay, though the lead comes again.
    const updated = envelope<ContactChangedData>(ws, EventTypes.contactUpdated, {
      contactId: made,
      email: null,
      phone: null,
      firstName: null,
      lastName: null,
      country: 'ES',
    });
    await deliver([updated], (e, m) => automations.onContactUpdated(e as never, m));
    await database.dataSource.transaction((m) => scoring.onLeadsAttributed([madeLead] as never, m));
    expect(await fieldsOf(made)).toEqual([{ version: 0, fields: { ...first, country: 'ES' } }]);

    // The contact.created of a contact a lead made is applied only where it triggers an automation.
    const created = (leadId?: string) =>
      envelope<ContactChangedData>(ws, EventTypes.contactCreated, {
        contactId: made,
        email: null,
        phone: null,
        firstName: null,
        lastName: null,
        country: 'FR',
        ...(leadId === undefined ? {} : { leadId }),
      });
    const wanted = () => automations.wantsContactsCreated([created(madeLead.data.leadId), created()] as never);
    expect(await wanted()).toEqual([false, true]);
    await admin.create(ws, { name: 'Welcome', trigger: { type: 'contact_created' }, actions: [{ type: 'add_tag', tag: 'welcome' }] });
    expect(await wanted()).toEqual([true, true]);
  });

  it('runs contact_created automations for a contact made from a lead (contact.created_from_lead), keyed as its contact.created', async () => {
    const ws = newWorkspace();
    const contactId = randomUUID();
    const fromLead = envelope<ContactChangedData>(ws, EventTypes.contactCreatedFromLead, {
      contactId,
      email: null,
      phone: null,
      firstName: null,
      lastName: null,
      country: 'FR',
      version: 1,
      leadId: uuidv7(),
    });
    expect(await automations.wantsContactsCreated([fromLead] as never)).toEqual([false]);
    const welcome = (
      await admin.create(ws, { name: 'Welcome', trigger: { type: 'contact_created' }, actions: [{ type: 'add_tag', tag: 'welcome' }] })
    ).automation as AutomationView;
    // What decides whether scoring consumes such events at all (on demand), and which it applies.
    expect(await automations.anyTriggeredByNewContacts()).toBe(true);
    expect(await automations.wantsContactsCreated([fromLead] as never)).toEqual([true]);
    await deliver([fromLead], (events, m) => automations.onContactCreatedFromLead(events as never, m));
    await deliver([fromLead], (events, m) => automations.onContactCreatedFromLead(events as never, m));
    expect((await runs(ws, welcome.id)).map((run) => run.occurrenceId)).toEqual([`contact.created:${fromLead.id}`]);
    expect((await outbox<{ contactId: string }>(ws, EventTypes.automationContactChangeRequested)).map((e) => e.contactId)).toEqual([
      contactId,
    ]);
  });

  it('assigns owners round-robin from a stored cursor, once per occurrence, and tests tags, properties and the contact’s fields', async () => {
    const ws = newWorkspace();
    const assign = (
      await admin.create(ws, {
        name: 'Round robin',
        trigger: { type: 'contact_created' },
        conditions: { tags: { any: ['inbound'] } },
        actions: [
          { type: 'assign_owner', strategy: 'round_robin', ownerIds: owners },
          { type: 'set_lifecycle', lifecycle: 'contact' },
        ],
      })
    ).automation as AutomationView;
    const contacts = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const created = contacts.map((contactId, i) =>
      envelope(ws, EventTypes.contactCreated, {
        contactId,
        email: null,
        phone: null,
        firstName: null,
        lastName: null,
        country: null,
        version: 1,
        tags: i === 3 ? ['outbound'] : ['inbound'],
        lifecycle: 'lead',
        ownerId: null,
      }),
    );
    for (const event of created) await deliver([event], (e, m) => automations.onContactCreated(e as never, m));
    // The first again, past the inbox: its run exists, so the cursor does not move.
    await database.dataSource.transaction((m) => automations.onContactCreated([created[0]] as never, m));
    const log = (await runs(ws, assign.id)).reverse();
    expect(log.map((r) => [r.contactId, r.actions[0]?.ownerId])).toEqual([
      [contacts[0], owners[0]],
      [contacts[1], owners[1]],
      [contacts[2], owners[0]],
    ]);
    const changes = await outbox<AutomationContactChangeRequestedData>(ws, EventTypes.automationContactChangeRequested);
    expect(changes.map((c) => [c.contactId, c.ownerId, c.lifecycle])).toEqual([
      [contacts[0], owners[0], 'contact'],
      [contacts[1], owners[1], 'contact'],
      [contacts[2], owners[0], 'contact'],
    ]);

    // event_received with a property match and a contact field; the contact's fields as contact.updated last said them.
    const demo = (
      await admin.create(ws, {
        name: 'Enterprise demo',
        trigger: { type: 'event_received', event: 'demo_request' },
        conditions: {
          properties: [
            { path: 'properties.plan', op: 'in', value: ['enterprise', 'scale'] },
            { path: 'contact.tags', op: 'equals', value: 'inbound' },
          ],
          score: { min: 50 },
        },
        actions: [{ type: 'webhook', endpointId }],
      })
    ).automation as AutomationView;
    const track = (contactId: string, plan: string) =>
      envelope(ws, EventTypes.activityAttributed, {
        activityId: randomUUID(),
        contactId,
        kind: 'track',
        name: 'demo_request',
        occurredAt: at(5),
        source: 'web',
        properties: { plan },
        traits: {},
        emailValid: false,
        phoneValid: false,
      });
    const enterprise = track(contacts[0] as string, 'enterprise');
    await deliver([enterprise, track(contacts[1] as string, 'free'), track(contacts[3] as string, 'scale')], (e, m) =>
      scoring.onActivitiesAttributed(e as never, m),
    );
    expect((await runs(ws, demo.id)).map((r) => [r.contactId, r.occurrenceId])).toEqual([
      [contacts[0], `activity:${(enterprise.data as { activityId: string }).activityId}`],
    ]);
    // contact 3 gains the inbound tag (a newer version); an older version arriving late changes nothing.
    const update = (version: number, tags: string[]) =>
      envelope(ws, EventTypes.contactUpdated, {
        contactId: contacts[3],
        email: null,
        phone: null,
        firstName: null,
        lastName: null,
        country: null,
        version,
        tags,
        lifecycle: 'lead',
        ownerId: null,
      });
    await deliver([update(3, ['inbound'])], (e, m) => automations.onContactUpdated(e as never, m));
    await deliver([update(2, [])], (e, m) => automations.onContactUpdated(e as never, m));
    await deliver([track(contacts[3] as string, 'scale')], (e, m) => scoring.onActivitiesAttributed(e as never, m));
    expect((await runs(ws, demo.id)).map((r) => r.contactId)).toEqual([contacts[3], contacts[0]]);
  });

  /** A tracked activity of the contact scoring scores (demo_request: 50 points, hot; signup: 20, warm). */
  const scoreActivity = (ws: string, contactId: string, name: string, minute: number) =>
    database.dataSource.transaction((manager) =>
      scoring.onActivitiesAttributed(
        [
          envelope(ws, EventTypes.activityAttributed, {
            activityId: randomUUID(),
            contactId,
            kind: 'track',
            name,
            occurredAt: at(minute),
            source: 'web',
            properties: {},
            traits: {},
            emailValid: false,
            phoneValid: false,
          }),
        ] as never,
        manager,
      ),
    );

  /** Contacts scoring knows from contact.created alone, as contacts announced them. */
  const announceContacts = (ws: string, contactIds: readonly string[]) =>
    deliver(
      contactIds.map((contactId) =>
        envelope(ws, EventTypes.contactCreated, {
          contactId,
          email: null,
          phone: null,
          firstName: null,
          lastName: null,
          country: null,
          version: 1,
          tags: [],
        }),
      ),
      (e, m) => automations.onContactCreated(e as never, m),
    );

  it('backfills the contacts that already match, once each, as a job whose progress reaches the total', async () => {
    const ws = newWorkspace();
    const contacts = Array.from({ length: 5 }, () => randomUUID());
    // Three hot (demo_request, 50 points), two warm (signup, 20), and a hot one soft-deleted in contacts.
    const deleted = randomUUID();
    for (const [i, contactId] of [...contacts, deleted].entries()) {
      await scoreActivity(ws, contactId, i < 3 || i === 5 ? 'demo_request' : 'signup', i);
    }
    await database.db.query(`INSERT INTO scoring.contact_deletions (workspace_id, contact_id, deleted, version) VALUES ($1, $2, true, 2)`, [
      ws,
      deleted,
    ]);
    // A contact scoring knows from contact.created alone (never scored): looked at, not at the stage.
    await announceContacts(ws, [randomUUID()]);
    const reply = await admin.create(
      ws,
      {
        name: 'Hot ones',
        trigger: { type: 'stage_changed', toStage: 'hot' },
        actions: [
          { type: 'webhook', endpointId },
          { type: 'add_tag', tag: 'hot' },
        ],
      },
      true,
    );
    const automation = reply.automation as AutomationView;
    expect(reply.backfill).toMatchObject({ automationId: automation.id, status: 'running', total: 6, processed: 0 });
    const done = await waitFor(
      () => admin.backfill(ws, automation.id),
      (b) => b.status === 'done',
    );
    expect(done).toMatchObject({ status: 'done', total: 6, processed: 6, matched: 3 });
    const hot = contacts.slice(0, 3).sort();
    const log = await runs(ws, automation.id);
    expect(log.map((r) => r.contactId).sort()).toEqual(hot);
    expect(log.map((r) => r.occurrenceId).sort()).toEqual(hot.map((c) => `backfill:${automation.id}:${c}`));
    expect(log.every((r) => r.trigger === 'backfill' && r.outcome === 'completed')).toBe(true);
    expect(await outbox(ws, EventTypes.automationWebhookRequested)).toHaveLength(3);

    // Asked again: the same backfill, no second run for anyone.
    expect(await admin.startBackfill(ws, automation.id)).toMatchObject({ status: 'done', processed: 6, matched: 3 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await runs(ws, automation.id)).toHaveLength(3);
    await expect(admin.backfill(ws, randomUUID())).rejects.toMatchObject({ code: 'not_found' });
  });

  it('backfills a from-stage trigger by the stage each contact left, and opportunity triggers by the opportunities won or lost', async () => {
    const ws = newWorkspace();
    const [direct, viaWarm, warm, winner, loser] = Array.from({ length: 5 }, () => randomUUID()) as [
      string,
      string,
      string,
      string,
      string,
    ];
    const activity = (contactId: string, name: string, minute: number) => scoreActivity(ws, contactId, name, minute);
    // Hot at once; warm, then hot; warm only.
    await activity(direct, 'demo_request', 1);
    await activity(viaWarm, 'signup', 2);
    await activity(viaWarm, 'demo_request', 3);
    await activity(warm, 'signup', 4);
    const closed = (contactId: string, status: 'won' | 'lost') =>
      envelope(ws, status === 'won' ? EventTypes.opportunityWon : EventTypes.opportunityLost, {
        opportunityId: randomUUID(),
        contactId,
        version: 2,
        leadId: null,
        originLeadId: null,
        pipelineId: randomUUID(),
        stage: status,
        fromStage: 'proposal',
        status,
        amount: '120000',
        currency: 'EUR',
        probability: status === 'won' ? 100 : 0,
        closedAt: at(5),
        deleted: false,
        at: at(5),
      });
    // The two with opportunities scoring knows from contact.created alone, as contacts announced them.
    await announceContacts(ws, [winner, loser]);
    await deliver([closed(winner, 'won')], (e, m) => automations.onOpportunityWon(e as never, m));
    await deliver([closed(loser, 'lost')], (e, m) => automations.onOpportunityLost(e as never, m));

    const backfilled = async (name: string, trigger: AutomationView['trigger'], conditions?: Record<string, unknown>) => {
      const reply = await admin.create(ws, { name, trigger, conditions, actions: [{ type: 'add_tag', tag: name }] } as never, true);
      const automation = reply.automation as AutomationView;
      await waitFor(
        () => admin.backfill(ws, automation.id),
        (b) => b.status === 'done',
      );
      return (await runs(ws, automation.id)).map((r) => r.contactId).sort();
    };
    expect(await backfilled('warm-to-hot', { type: 'stage_changed', fromStage: 'warm', toStage: 'hot' })).toEqual([viaWarm]);
    expect(await backfilled('first-stage-hot', { type: 'stage_changed', fromStage: null, toStage: 'hot' })).toEqual([direct]);
    expect(await backfilled('any-from-warm', { type: 'stage_changed' }, { fromStage: ['warm'] })).toEqual([viaWarm]);
    expect(await backfilled('won', { type: 'opportunity_won' })).toEqual([winner]);
    expect(await backfilled('lost', { type: 'opportunity_lost' })).toEqual([loser]);
  });
});
