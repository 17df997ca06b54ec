import { Scheduler } from '@leadflow/jobs';
import { APP_LOGGER } from '@leadflow/logging';
import { openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { CRM_EVENT_OPTIONS } from '../src/crm-events/crm-event-options';
import { CrmEventsRepository } from '../src/crm-events/crm-events.repository';
import { CrmPartitionsService } from '../src/crm-events/crm-partitions.service';
import { ingestionMigrations } from '../src/database/migrations';

/** The CRM event log's monthly partitions in-process against PostgreSQL: made ahead, on demand, and dropped past the retention. */
describe('CrmPartitionsService against PostgreSQL', () => {
  let database: ServiceDatabase;
  let partitions: CrmPartitionsService;

  beforeAll(async () => {
    database = await openServiceDatabase('ingestion', ingestionMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: APP_LOGGER, useValue: pino({ level: 'silent' }) },
        { provide: Scheduler, useValue: { add: () => undefined } },
        {
          provide: CRM_EVENT_OPTIONS,
          useValue: { retentionMonths: 24, partitionsAheadMonths: 2, maxAttempts: 5, retryBaseMs: 1000, rejectedCap: 10 },
        },
        CrmEventsRepository,
        CrmPartitionsService,
      ],
    }).compile();
    partitions = module.get(CrmPartitionsService);
  });

  afterAll(async () => {
    await database?.close();
  });

  const months = async (table: string) =>
    (
      await database.dataSource.query(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = 'ingestion' AND p.relname = $1 ORDER BY 1`,
        [table],
      )
    ).map((row: { relname: string }) => row.relname.slice(-6));

  it('makes the previous, current and coming months of every partitioned table, and a late month on demand', async () => {
    await partitions.maintain(new Date('2026-11-30T12:00:00Z'));
    for (const table of ['crm_events_log', 'crm_leads_staging', 'crm_contacts_staging', 'crm_opportunities_staging']) {
      expect(await months(table)).toEqual(['202610', '202611', '202612', '202701']);
    }
    // Two concurrent late events of one month make its partitions once.
    await Promise.all([partitions.ensure(new Date('2025-02-10T00:00:00Z')), partitions.ensure(new Date('2025-02-20T00:00:00Z'))]);
    expect(await months('crm_events_log')).toEqual(['202502', '202610', '202611', '202612', '202701']);
  });

  it('drops the months past the retention with their replay keys, and keeps the rest', async () => {
    await partitions.ensure(new Date('2024-10-15T00:00:00Z'));
    const old = uuidv7();
    const kept = uuidv7();
    for (const [id, at] of [
      [old, '2024-10-15T00:00:00Z'],
      [kept, '2025-02-10T00:00:00Z'],
    ]) {
      await database.dataSource.query(
        `INSERT INTO ingestion.crm_event_ids (id, integration_id, dedup_key, event_at, received_at) VALUES ($1, $2, $3, $4, now())`,
        [id, uuidv7(), `id:${id}`, at],
      );
    }
    // 24 months before November 2026: November 2024 is the oldest month kept.
    await partitions.maintain(new Date('2026-11-30T12:00:00Z'));
    expect(await months('crm_events_log')).toEqual(['202502', '202610', '202611', '202612', '202701']);
    expect(await months('crm_opportunities_staging')).toEqual(['202502', '202610', '202611', '202612', '202701']);
    const ids = await database.dataSource.query(`SELECT id FROM ingestion.crm_event_ids WHERE id = ANY($1::uuid[])`, [[old, kept]]);
    expect(ids).toEqual([{ id: kept }]);
    // A late event of a dropped month gets its partition again.
    await partitions.ensure(new Date('2024-10-20T00:00:00Z'));
    expect((await months('crm_events_log'))[0]).toBe('202410');
  });
});
