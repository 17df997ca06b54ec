import { type EventEnvelope, EventTypes } from '@leadflow/contracts';
import { eventEnvelope, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { ContactCounterRepository } from '../src/contact-counters/contact-counter.repository';
import { ContactCountersHandler } from '../src/contact-counters/contact-counters.handler';
import { ContactCountersService } from '../src/contact-counters/contact-counters.service';
import { metricsMigrations } from '../src/database/migrations';

/** Contact record counters in-process against a real PostgreSQL: contact events in, a daily report out. */
describe('contact counters against PostgreSQL', () => {
  let database: ServiceDatabase;
  let handler: ContactCountersHandler;
  let service: ContactCountersService;

  beforeAll(async () => {
    database = await openServiceDatabase('metrics', metricsMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        ContactCounterRepository,
        ContactCountersService,
        ContactCountersHandler,
      ],
    }).compile();
    handler = module.get(ContactCountersHandler);
    service = module.get(ContactCountersService);
  });

  afterAll(async () => {
    await database?.close();
  });

  function envelope<T extends object>(workspaceId: string, type: string, occurredAt: string, data: T): EventEnvelope<T> {
    return eventEnvelope(workspaceId, type, data, { occurredAt, producer: 'contacts' });
  }

  it('counts contacts created, deleted and restored per UTC day, the total equal to its breakdown', async () => {
    const ws = `ws-${randomUUID().slice(0, 8)}`;
    const other = `ws-${randomUUID().slice(0, 8)}`;
    const contactId = uuidv7();
    const created = (workspaceId: string, at: string) =>
      envelope(workspaceId, EventTypes.contactCreated, at, {
        contactId,
        email: null,
        phone: null,
        firstName: null,
        lastName: null,
        country: null,
      });
    await database.dataSource.transaction(async (manager) => {
      await handler.onContactsCreated(
        [
          created(ws, '2026-11-01T23:59:59.999Z'),
          created(ws, '2026-11-02T00:00:00Z'),
          created(ws, '2026-11-02T10:00:00Z'),
          created(other, '2026-11-02T10:00:00Z'),
        ],
        manager,
      );
      await handler.onContactsDeleted(
        [
          // Counted on the day it was deleted, even if the event is stamped later.
          envelope(ws, EventTypes.contactDeleted, '2026-11-03T00:00:01Z', {
            contactId,
            version: 2,
            deletedAt: '2026-11-02T23:59:59Z',
            actor: null,
          }),
          envelope(ws, EventTypes.contactDeleted, '2026-11-03T08:00:00Z', {
            contactId,
            version: 4,
            deletedAt: '2026-11-03T08:00:00Z',
            actor: null,
          }),
        ],
        manager,
      );
      await handler.onContactsRestored(
        [envelope(ws, EventTypes.contactRestored, '2026-11-03T07:00:00Z', { contactId, version: 3, actor: null })],
        manager,
      );
    });
    const report = await service.daily({ workspaceId: ws, from: '2026-11-01', to: '2026-11-04' });
    expect(report).toEqual({
      from: '2026-11-01',
      to: '2026-11-04',
      total: { created: 3, deleted: 2, restored: 1 },
      breakdown: [
        { date: '2026-11-01', created: 1, deleted: 0, restored: 0 },
        { date: '2026-11-02', created: 2, deleted: 1, restored: 0 },
        { date: '2026-11-03', created: 0, deleted: 1, restored: 1 },
        { date: '2026-11-04', created: 0, deleted: 0, restored: 0 },
      ],
    });
    await expect(service.daily({ workspaceId: ws, from: '2026-11-04', to: '2026-11-01' })).rejects.toMatchObject({ code: 'invalid_query' });
  });
});
