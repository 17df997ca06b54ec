import { EventTypes } from '@leadflow/contracts';
import { ErasureStepsRepository } from '@leadflow/database';
import { contactErasedData, eventEnvelope, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { metricsMigrations } from '../src/database/migrations';
import { PrivacyService } from '../src/privacy/privacy.service';

/** Metrics' part of an erasure, in-process against a real PostgreSQL. */
describe('metrics GDPR against PostgreSQL', () => {
  let database: ServiceDatabase;
  let privacy: PrivacyService;

  beforeAll(async () => {
    database = await openServiceDatabase('metrics', metricsMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: ErasureStepsRepository, useValue: new ErasureStepsRepository(database.dataSource, 'metrics') },
        PrivacyService,
      ],
    }).compile();
    privacy = module.get(PrivacyService);
  });

  afterAll(async () => {
    await database?.close();
  });

  it('redacts the dead letters that name an erased person’s leads, keeps other ones, and records its step once', async () => {
    const workspaceId = `ws-${randomUUID().slice(0, 8)}`;
    const leadId = uuidv7();
    const letter = (data: object) =>
      database.db.query(
        `INSERT INTO metrics.dead_letters (consumer, stream, subject, event_id, payload, error, deliveries)
         VALUES ('metrics', 'INGESTION', 'lead.ingested', $1, $2, 'failed on x', 10)`,
        [uuidv7(), JSON.stringify([{ type: 'lead.ingested', data }])],
      );
    await letter({ leadId, email: 'dead.letter@example.com' });
    await letter({ leadId: uuidv7(), email: 'another@example.com' });
    const event = eventEnvelope(workspaceId, EventTypes.contactErased, contactErasedData({ leadIds: [leadId] }), { producer: 'contacts' });
    for (let delivery = 0; delivery < 2; delivery += 1) {
      await database.dataSource.transaction((manager) => privacy.onContactErased([event], manager));
    }

    const letters = await database.db.query<{ payload: string; error: string }>(
      `SELECT payload, error FROM metrics.dead_letters ORDER BY id`,
    );
    const texts = letters.map((row) => `${row.payload} ${row.error}`).join('\n');
    expect(texts).not.toContain('dead.letter@example.com');
    expect(texts).toContain('another@example.com');
    expect((await privacy.erasureStep({ workspaceId, erasureId: event.data.erasureId })).step).toMatchObject({
      app: 'metrics',
      summary: { personalDataHeld: false, countersKept: true, deadLettersRedacted: 1 },
    });
    expect((await privacy.erasureStep({ workspaceId, erasureId: uuidv7() })).step).toBeNull();
  });
});
