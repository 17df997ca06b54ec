import {
  type AutomationContactChangeRequestedData,
  type ContactChangedData,
  type ContactView,
  type ContactWriteReply,
  type EventEnvelope,
  EventTypes,
} from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import { eventEnvelope, findInvariantViolations, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { AutomationActionsHandler } from '../src/automation-actions/automation-actions.handler';
import { AutomationActionsService } from '../src/automation-actions/automation-actions.service';
import { ContactQueryService } from '../src/contacts/contact-query.service';
import { ContactRecordsService } from '../src/contacts/contact-records.service';
import { ContactsRepository } from '../src/contacts/contacts.repository';
import { ErasedIdentitiesRepository } from '../src/contacts/erased-identities.repository';
import { contactsMigrations } from '../src/database/migrations';

/** Automations' contact changes applied by contacts, in-process against a real PostgreSQL: once each, versioned, announced. */
describe('automation actions in contacts against PostgreSQL', () => {
  let database: ServiceDatabase;
  let records: ContactRecordsService;
  let query: ContactQueryService;
  let handler: AutomationActionsHandler;
  const actor = 'account:0190a5b2-0000-7000-8000-00000000000a';
  const owners = ['0190a5b2-0000-7000-8000-0000000000a1', '0190a5b2-0000-7000-8000-0000000000a2'];

  beforeAll(async () => {
    database = await openServiceDatabase('contacts', contactsMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: Outbox, useValue: new Outbox(database.dataSource, 'contacts') },
        ContactsRepository,
        ErasedIdentitiesRepository,
        ContactQueryService,
        ContactRecordsService,
        AutomationActionsService,
        AutomationActionsHandler,
      ],
    }).compile();
    records = module.get(ContactRecordsService);
    query = module.get(ContactQueryService);
    handler = module.get(AutomationActionsHandler);
  });

  afterAll(async () => {
    if (database) expect(await findInvariantViolations(database.db, { drained: false })).toEqual([]);
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

  async function create(workspaceId: string, fields: Record<string, unknown>): Promise<ContactView> {
    const reply: ContactWriteReply = await records.create({ workspaceId, actor, fields });
    if (reply.outcome !== 'written') throw new Error(`expected a write, got ${JSON.stringify(reply)}`);
    return reply.contact;
  }

  function change(
    workspaceId: string,
    data: Partial<AutomationContactChangeRequestedData> & { contactId: string },
  ): EventEnvelope<AutomationContactChangeRequestedData> {
    return eventEnvelope<AutomationContactChangeRequestedData>(
      workspaceId,
      EventTypes.automationContactChangeRequested,
      { automationId: '0190a5b2-0000-7000-8000-0000000000f1', runId: uuidv7(), ...data },
      { producer: 'scoring' },
    );
  }

  /** As the inbox consumer delivers: the inbox row and the effect in one transaction; an event seen before does nothing. */
  async function deliver(event: EventEnvelope<AutomationContactChangeRequestedData>): Promise<void> {
    await database.dataSource.transaction(async (manager) => {
      const fresh = (await manager.query(
        `INSERT INTO contacts.inbox ("consumer", "event_id", "event_type") VALUES ('contacts', $1, $2) ON CONFLICT DO NOTHING RETURNING "event_id"`,
        [event.id, event.type],
      )) as unknown[];
      if (fresh.length === 1) await handler.onContactChangeRequested([event] as never, manager);
    });
  }

  async function updates(workspaceId: string, contactId: string): Promise<ContactChangedData[]> {
    const rows = await database.db.query<{ envelope: EventEnvelope<ContactChangedData> }>(
      `SELECT envelope FROM contacts.outbox_events WHERE type = $1 AND envelope->>'workspaceId' = $2 AND envelope->'data'->>'contactId' = $3 ORDER BY seq, ord`,
      [EventTypes.contactUpdated, workspaceId, contactId],
    );
    return rows.map((row) => row.envelope.data);
  }

  it('adds and removes tags, sets the owner and lifecycle once per event, bumping the version with the automation as actor', async () => {
    const ws = newWorkspace();
    const contact = await create(ws, { email: 'ann@example.com', tags: ['inbound', 'cold-list'] });
    expect(contact.version).toBe(1);
    const event = change(ws, {
      contactId: contact.id,
      ownerId: owners[0],
      addTags: ['hot-lead'],
      removeTags: ['cold-list'],
      lifecycle: 'contact',
    });
    await deliver(event);
    await deliver(event); // redelivered

    const after = await query.view((await database.db.query(`SELECT * FROM contacts.contacts WHERE id = $1`, [contact.id]))[0] as never);
    expect(after).toMatchObject({
      version: 2,
      tags: ['inbound', 'hot-lead'],
      ownerId: owners[0],
      lifecycle: 'contact',
      email: 'ann@example.com',
    });
    const announced = await updates(ws, contact.id);
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({
      version: 2,
      tags: ['inbound', 'hot-lead'],
      ownerId: owners[0],
      lifecycle: 'contact',
      actor: 'automation:0190a5b2-0000-7000-8000-0000000000f1',
    });

    // A change that leaves the contact as it is writes nothing.
    await deliver(change(ws, { contactId: contact.id, addTags: ['hot-lead'], ownerId: owners[0] }));
    expect(await updates(ws, contact.id)).toHaveLength(1);
    // The next owner of a round robin: another write, another version.
    await deliver(change(ws, { contactId: contact.id, ownerId: owners[1] }));
    const rows = await database.db.query<{ version: string; owner_id: string; updated_by: string }>(
      `SELECT version, owner_id, updated_by FROM contacts.contacts WHERE id = $1`,
      [contact.id],
    );
    expect(rows[0]).toEqual({ version: '3', owner_id: owners[1], updated_by: 'automation:0190a5b2-0000-7000-8000-0000000000f1' });
  });

  it('skips a contact that is unknown or deleted, and an owner contacts refuses, without failing the event', async () => {
    const ws = newWorkspace();
    await deliver(change(ws, { contactId: randomUUID(), addTags: ['x'] }));
    const contact = await create(ws, { email: 'bob@example.com' });
    await deliver(change(ws, { contactId: contact.id, ownerId: 'not-an-account' }));
    expect(await updates(ws, contact.id)).toHaveLength(0);
    const deleted = await records.delete({ workspaceId: ws, actor, id: contact.id, ifMatch: [1] });
    expect(deleted.outcome).toBe('written');
    await deliver(change(ws, { contactId: contact.id, addTags: ['x'] }));
    const [row] = await database.db.query<{ tags: string[] }>(`SELECT tags FROM contacts.contacts WHERE id = $1`, [contact.id]);
    expect(row?.tags).toEqual([]);
  });
});
