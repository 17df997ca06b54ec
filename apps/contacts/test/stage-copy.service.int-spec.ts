import { EventTypes, type LeadIngestedData, type StageChangedData } from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import { eventEnvelope, leadIngestedData, openServiceDatabase, type ServiceDatabase, tableWrites } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { ContactQueryService } from '../src/contacts/contact-query.service';
import { ContactsRepository } from '../src/contacts/contacts.repository';
import { ErasedIdentitiesRepository } from '../src/contacts/erased-identities.repository';
import { IdentityResolutionService } from '../src/contacts/identity-resolution.service';
import { StageCopyHandler } from '../src/contacts/stage-copy.handler';
import { contactsMigrations } from '../src/database/migrations';

/**
 * The stage copy on contacts made from leads, in-process against a real PostgreSQL of its own (so
 * that the contacts' pages hold nothing else): it bumps the version, leaves `updatedAt`, and its
 * update stays heap-only, entering none of the contacts table's indexes again.
 */
describe('stage copies against PostgreSQL', () => {
  let database: ServiceDatabase;
  let resolver: IdentityResolutionService;
  let stages: StageCopyHandler;
  let query: ContactQueryService;

  beforeAll(async () => {
    database = await openServiceDatabase('contacts', contactsMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: Outbox, useValue: new Outbox(database.dataSource, 'contacts') },
        ContactsRepository,
        ErasedIdentitiesRepository,
        ContactQueryService,
        IdentityResolutionService,
        StageCopyHandler,
      ],
    }).compile();
    resolver = module.get(IdentityResolutionService);
    stages = module.get(StageCopyHandler);
    query = module.get(ContactQueryService);
  });

  afterAll(async () => {
    await database?.close();
  });

  it('bumps the version, leaves updatedAt, and updates each contact heap-only', async () => {
    const ws = `ws-${randomUUID().slice(0, 8)}`;
    const leads = [1, 2, 3, 4, 5, 6].map((n) =>
      eventEnvelope<LeadIngestedData>(
        ws,
        EventTypes.leadIngested,
        leadIngestedData({ email: `person.${n}@example.com`, emailValid: true, phone: `+3361234560${n}`, phoneValid: true }),
        { producer: 'ingestion' },
      ),
    );
    await database.dataSource.transaction((manager) => resolver.onLeadsIngested(leads, manager));
    const before = (await query.list({ workspaceId: ws, limit: 50 })).items;
    expect(before).toHaveLength(6);
    expect(before.every((contact) => contact.stage === null)).toBe(true);

    const at = new Date(Date.now() + 1000).toISOString();
    const changes = before.map((contact) =>
      eventEnvelope<StageChangedData>(
        ws,
        EventTypes.stageChanged,
        { contactId: contact.id, from: null, to: 'warm', at, source: 'test', offer: null, country: null },
        { producer: 'scoring' },
      ),
    );
    const counted = await database.dataSource.transaction((manager) =>
      tableWrites(manager, 'contacts.contacts', () => stages.onStagesChanged(changes, manager)),
    );
    expect(counted).toEqual({ inserted: 0, updated: 6, heapOnly: 6 });

    const after = new Map((await query.list({ workspaceId: ws, limit: 50 })).items.map((contact) => [contact.id, contact]));
    for (const contact of before) {
      expect(after.get(contact.id)).toMatchObject({ stage: 'warm', version: contact.version + 1, updatedAt: contact.updatedAt });
    }
  });
});
