import { ActivityTypes, EventTypes } from '@leadflow/contracts';
import { ErasureStepsRepository } from '@leadflow/database';
import { APP_LOGGER } from '@leadflow/logging';
import { Outbox } from '@leadflow/messaging';
import { contactErasedData, eventEnvelope, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { AutomationEngineService } from '../src/automations/automation-engine.service';
import { AutomationEventsHandler } from '../src/automations/automation-events.handler';
import { AutomationRepository } from '../src/automations/automation.repository';
import { scoringMigrations } from '../src/database/migrations';
import { PrivacyRepository } from '../src/privacy/privacy.repository';
import { PrivacyService } from '../src/privacy/privacy.service';
import { RuleRepository } from '../src/rules/rule.repository';
import { RULES_CACHE_MS, RulesService } from '../src/rules/rules.service';
import { ActivityScoringService } from '../src/scores/activity-scoring.service';
import { ScoreRecalculator } from '../src/scores/score-recalculator';
import { ScoreRepository } from '../src/scores/score.repository';

/** Scoring's part of an erasure and its export, in-process against a real PostgreSQL. */
describe('scoring GDPR against PostgreSQL', () => {
  let database: ServiceDatabase;
  let activities: ActivityScoringService;
  let privacy: PrivacyService;

  beforeAll(async () => {
    database = await openServiceDatabase('scoring', scoringMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: Outbox, useValue: new Outbox(database.dataSource, 'scoring') },
        { provide: APP_LOGGER, useValue: pino({ level: 'silent' }) },
        { provide: RULES_CACHE_MS, useValue: 0 },
        { provide: ErasureStepsRepository, useValue: new ErasureStepsRepository(database.dataSource, 'scoring') },
        RuleRepository,
        RulesService,
        ScoreRepository,
        ScoreRecalculator,
        // A rescore runs the automations its changes trigger.
        AutomationRepository,
        AutomationEngineService,
        AutomationEventsHandler,
        ActivityScoringService,
        PrivacyRepository,
        PrivacyService,
      ],
    }).compile();
    activities = module.get(ActivityScoringService);
    privacy = module.get(PrivacyService);
  });

  afterAll(async () => {
    await database?.close();
  });

  it('keeps the score numbers of an erased contact, redacts dead letters naming it, and records its step once', async () => {
    const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
    const contactId = randomUUID();
    const leadId = uuidv7();
    await database.dataSource.transaction((manager) =>
      activities.score(manager, [
        {
          workspaceId,
          contactId,
          activityId: leadId,
          type: ActivityTypes.leadSubmitted,
          at: new Date().toISOString(),
          source: 'landing',
          offer: 'spring',
          country: 'DE',
          properties: { note: 'call me at home' },
          traits: { emailValid: true, email: 'erased.person@example.com' },
        },
      ]),
    );
    // The contact fields automations test, as contact.updated announced them.
    await database.db.query(`INSERT INTO scoring.automation_contacts (workspace_id, contact_id, version, fields) VALUES ($1, $2, 3, $3)`, [
      workspaceId,
      contactId,
      JSON.stringify({ tags: ['vip'], ownerId: null, lifecycle: 'lead', company: 'Acme', title: 'CTO', country: 'DE' }),
    ]);
    await database.db.query(
      `INSERT INTO scoring.dead_letters (consumer, stream, subject, event_id, payload, error, deliveries) VALUES ('scoring', 'CONTACTS', 'lead.attributed', $1, $2, 'boom', 10)`,
      [uuidv7(), JSON.stringify({ data: { leadId, contactId, note: 'dead.letter@example.com' } })],
    );
    const before = await privacy.export({ workspaceId, id: contactId });
    expect(before.score).toMatchObject({ contact_id: contactId, score: 15, stage: 'cold' });
    expect(before.history).toHaveLength(2);

    const event = eventEnvelope(workspaceId, EventTypes.contactErased, contactErasedData({ contactId, leadIds: [leadId] }), {
      producer: 'contacts',
    });
    for (let delivery = 0; delivery < 2; delivery += 1) {
      await database.dataSource.transaction((manager) => privacy.onContactErased([event], manager));
    }

    const { step } = await privacy.erasureStep({ workspaceId, erasureId: event.data.erasureId });
    expect(step).toMatchObject({
      app: 'scoring',
      summary: {
        personalDataHeld: false,
        scoresKept: 1,
        historyRowsKept: 2,
        activitiesScrubbed: 1,
        automationFieldsScrubbed: 1,
        deadLettersRedacted: 1,
      },
    });
    expect(await database.db.query(`SELECT version, fields FROM scoring.automation_contacts WHERE contact_id = $1`, [contactId])).toEqual([
      { version: '3', fields: { tags: [], ownerId: null, lifecycle: null, company: null, title: null, country: null } },
    ]);
    expect(await database.db.query(`SELECT properties, traits FROM scoring.activities WHERE contact_id = $1`, [contactId])).toEqual([
      { properties: {}, traits: { emailValid: true } },
    ]);
    expect(await privacy.export({ workspaceId, id: contactId })).toEqual(before);
    const letters = await database.db.query<{ payload: string }>(`SELECT payload FROM scoring.dead_letters`);
    expect(letters.map((letter) => letter.payload)).toEqual(['"redacted"']);
  });
});
