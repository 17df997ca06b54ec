import { AppException, DEFAULT_PIPELINE_STAGES, type OpportunityView, type OpportunityWriteReply } from '@leadflow/contracts';
import { Outbox } from '@leadflow/messaging';
import { openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { contactsMigrations } from '../src/database/migrations';
import { LeadConversionRepository } from '../src/lead-conversion/lead-conversion.repository';
import { LeadConversionService } from '../src/lead-conversion/lead-conversion.service';
import { OpportunitiesRepository } from '../src/opportunities/opportunities.repository';
import { OpportunitiesService } from '../src/opportunities/opportunities.service';
import { PipelinesRepository } from '../src/pipelines/pipelines.repository';
import { PipelinesService } from '../src/pipelines/pipelines.service';

/**
 * Opportunities, pipelines and lead conversion in-process against a real PostgreSQL: stage rules,
 * probabilities, reopen history, money validation, conditional writes and idempotent conversion,
 * asserted on the answers, the rows and the outbox.
 */
describe('opportunities, pipelines and lead conversion against PostgreSQL', () => {
  let database: ServiceDatabase;
  let opportunities: OpportunitiesService;
  let pipelines: PipelinesService;
  let conversions: LeadConversionService;
  const actor = 'key:0190a5b2-0000-7000-8000-00000000000a';
  const MAX_BIGINT = '9223372036854775807';

  beforeAll(async () => {
    database = await openServiceDatabase('contacts', contactsMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: Outbox, useValue: new Outbox(database.dataSource, 'contacts') },
        PipelinesRepository,
        PipelinesService,
        OpportunitiesRepository,
        OpportunitiesService,
        LeadConversionRepository,
        LeadConversionService,
      ],
    }).compile();
    opportunities = module.get(OpportunitiesService);
    pipelines = module.get(PipelinesService);
    conversions = module.get(LeadConversionService);
  });

  afterAll(async () => {
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

  /** A contact as the pipeline makes it (no email or phone, so no identity rows are needed), with its leads. */
  async function contactWithLeads(workspaceId: string, leadCount = 1): Promise<{ contactId: string; leadIds: string[] }> {
    const contactId = uuidv7();
    await database.db.query(
      `INSERT INTO contacts.contacts (id, workspace_id, first_name, created_at, updated_at) VALUES ($1, $2, 'Ana', now(), now())`,
      [contactId, workspaceId],
    );
    const leadIds: string[] = [];
    for (let i = 0; i < leadCount; i += 1) {
      const leadId = uuidv7();
      leadIds.push(leadId);
      await database.db.query(
        `INSERT INTO contacts.contact_leads (lead_id, workspace_id, contact_id, received_at) VALUES ($1, $2, $3, now() + ($4 || ' seconds')::interval)`,
        [leadId, workspaceId, contactId, String(i)],
      );
    }
    return { contactId, leadIds };
  }

  function written(reply: OpportunityWriteReply): OpportunityView {
    if (reply.outcome !== 'written') throw new Error(`expected a write, got ${reply.outcome}`);
    return reply.opportunity;
  }

  async function codeOf(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof AppException) return error.code;
      throw error;
    }
    return 'no error';
  }

  async function outbox(workspaceId: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
    return database.db.query(
      `SELECT type, envelope->'data' AS data FROM contacts.outbox_events WHERE envelope->>'workspaceId' = $1 ORDER BY seq, ord`,
      [workspaceId],
    );
  }

  async function create(workspaceId: string, contactId: string, fields: Record<string, unknown> = {}): Promise<OpportunityView> {
    return written(
      await opportunities.create({
        workspaceId,
        actor,
        fields: { name: 'Annual plan', contactId, amount: { amount: '129900', currency: 'EUR' }, ...fields },
      }),
    );
  }

  describe('pipelines', () => {
    it('makes the default pipeline once, with its seven stages and probabilities, however many ask at once', async () => {
      const workspaceId = newWorkspace();
      const lists = await Promise.all([1, 2, 3, 4].map(() => pipelines.list(workspaceId)));
      for (const list of lists) expect(list.map((p) => p.id)).toEqual([lists[0]?.[0]?.id]);
      const [pipeline] = lists[0] ?? [];
      expect(pipeline?.isDefault).toBe(true);
      expect(pipeline?.stages.map((s) => [s.key, s.probability, s.closed, s.won])).toEqual([
        ['appointment_scheduled', 20, false, false],
        ['qualified_to_buy', 40, false, false],
        ['presentation_scheduled', 60, false, false],
        ['decision_maker_bought_in', 80, false, false],
        ['contract_sent', 90, false, false],
        ['closed_won', 100, true, true],
        ['closed_lost', 0, true, false],
      ]);
    });

    it('creates pipelines of its own, refuses a duplicate name and a stage change that strands opportunities', async () => {
      const workspaceId = newWorkspace();
      const stages = [
        { key: 'new', name: 'New', probability: 10, closed: false, won: false },
        { key: 'signed', name: 'Signed', probability: 100, closed: true, won: true },
      ];
      const { pipeline } = await pipelines.create({ workspaceId, name: 'Renewals', stages });
      expect(pipeline.isDefault).toBe(false);
      expect(await codeOf(pipelines.create({ workspaceId, name: 'renewals', stages }))).toBe('name_taken');
      expect(await codeOf(pipelines.create({ workspaceId, name: 'Closed only', stages: [stages[1] as (typeof stages)[number]] }))).toBe(
        'validation_failed',
      );

      const { contactId } = await contactWithLeads(workspaceId);
      const opportunity = await create(workspaceId, contactId, { pipelineId: pipeline.id });
      expect([opportunity.stage, opportunity.probability, opportunity.status]).toEqual(['new', 10, 'open']);
      expect(
        await codeOf(
          pipelines.update({ workspaceId, id: pipeline.id, stages: [stages[1] as never, { ...stages[0], key: 'fresh' } as never] }),
        ),
      ).toBe('stage_in_use');
      const renamed = await pipelines.update({
        workspaceId,
        id: pipeline.id,
        name: 'Renewals 2027',
        stages: [...stages, { key: 'lost', name: 'Lost', probability: 0, closed: true, won: false }],
      });
      expect(renamed.pipeline.stages).toHaveLength(3);
      expect(renamed.before?.name).toBe('Renewals');
    });
  });

  describe('opportunities', () => {
    it('starts in the first stage of the default pipeline with its probability, version 1, and publishes opportunity.created', async () => {
      const workspaceId = newWorkspace();
      const { contactId, leadIds } = await contactWithLeads(workspaceId, 2);
      const opportunity = await create(workspaceId, contactId);
      expect(opportunity).toMatchObject({
        stage: 'appointment_scheduled',
        status: 'open',
        probability: 20,
        probabilityOverridden: false,
        version: 1,
        closedAt: null,
        amount: { amount: '129900', currency: 'EUR' },
        amountMajor: '1299.00',
        createdBy: actor,
      });
      const events = await outbox(workspaceId);
      expect(events.map((e) => e.type)).toEqual(['opportunity.created']);
      // Without a lead of its own, the opportunity counts under its contact's first lead.
      expect(events[0]?.data).toMatchObject({ version: 1, amount: '129900', currency: 'EUR', originLeadId: leadIds[0], leadId: null });
    });

    it('keeps 19-digit amounts exact from the command to the bigint column, the view and the event', async () => {
      const workspaceId = newWorkspace();
      const { contactId } = await contactWithLeads(workspaceId);
      const opportunity = await create(workspaceId, contactId, { amount: { amount: MAX_BIGINT, currency: 'EUR' } });
      expect(opportunity.amount).toEqual({ amount: MAX_BIGINT, currency: 'EUR' });
      expect(opportunity.amountMajor).toBe('92233720368547758.07');
      const [row] = await database.db.query<{ amount: string; exact: boolean }>(
        `SELECT amount::text AS amount, amount = 9223372036854775807 AS exact FROM contacts.opportunities WHERE id = $1`,
        [opportunity.id],
      );
      expect(row).toEqual({ amount: MAX_BIGINT, exact: true });
      expect((await opportunities.get(workspaceId, opportunity.id)).amount.amount).toBe(MAX_BIGINT);
      expect((await outbox(workspaceId))[0]?.data.amount).toBe(MAX_BIGINT);
    });

    it.each([
      ['JPY with decimals', { amount: '1299.5', currency: 'JPY' }, 'invalid_amount'],
      ['a float', { amount: 1299.5, currency: 'EUR' }, 'invalid_amount'],
      ['a JSON number even when whole', { amount: 1299, currency: 'EUR' }, 'invalid_amount'],
      ['a negative amount', { amount: '-100', currency: 'EUR' }, 'invalid_amount'],
      ['20 digits', { amount: '92233720368547758070', currency: 'EUR' }, 'amount_out_of_range'],
      ['one above bigint', { amount: '9223372036854775808', currency: 'EUR' }, 'amount_out_of_range'],
      ['a lower-case currency', { amount: '100', currency: 'eur' }, 'invalid_currency'],
      ['a currency that does not exist', { amount: '100', currency: 'EUX' }, 'invalid_currency'],
      ['a bare string', '12.00 EUR', 'invalid_amount'],
    ])('refuses %s with its own code and writes nothing', async (_what, amount, code) => {
      const workspaceId = newWorkspace();
      const { contactId } = await contactWithLeads(workspaceId);
      expect(await codeOf(create(workspaceId, contactId, { amount }))).toBe(code);
      expect(await database.db.query(`SELECT id FROM contacts.opportunities WHERE workspace_id = $1`, [workspaceId])).toEqual([]);
    });

    it('reads each currency with its own exponent: JPY 0 decimals, BHD 3, EUR 2', async () => {
      const workspaceId = newWorkspace();
      const { contactId } = await contactWithLeads(workspaceId);
      const majors = await Promise.all(
        [
          ['129900', 'JPY'],
          ['1299', 'BHD'],
          ['5', 'EUR'],
        ].map(async ([amount, currency]) => (await create(workspaceId, contactId, { amount: { amount, currency } })).amountMajor),
      );
      expect(majors).toEqual(['129900', '1.299', '0.05']);
    });

    it('refuses an unknown contact, one of another workspace or a deleted one, an unknown lead, pipeline and an unknown stage with codes', async () => {
      const workspaceId = newWorkspace();
      const { contactId } = await contactWithLeads(workspaceId);
      const other = await contactWithLeads(newWorkspace());
      expect(await codeOf(create(workspaceId, randomUUID()))).toBe('unknown_contact');
      expect(await codeOf(create(workspaceId, other.contactId))).toBe('unknown_contact');
      const deleted = await contactWithLeads(workspaceId);
      await database.db.query(`UPDATE contacts.contacts SET deleted_at = now() WHERE id = $1`, [deleted.contactId]);
      expect(await codeOf(create(workspaceId, deleted.contactId))).toBe('unknown_contact');
      expect(await codeOf(create(workspaceId, contactId, { pipelineId: randomUUID() }))).toBe('unknown_pipeline');
      expect(await codeOf(create(workspaceId, contactId, { stage: 'negotiation' }))).toBe('unknown_stage');
      expect(await codeOf(create(workspaceId, contactId, { leadId: randomUUID() }))).toBe('unknown_lead');
      expect(await codeOf(create(workspaceId, contactId, { expectedCloseDate: '2026-02-30' }))).toBe('validation_failed');
      expect(await codeOf(create(workspaceId, contactId, { probability: 101 }))).toBe('validation_failed');
    });

    it('closes as won (closedAt, 100 %, opportunity.won), reopens (closedAt cleared, history marks it) and closes as lost', async () => {
      const workspaceId = newWorkspace();
      const { contactId } = await contactWithLeads(workspaceId);
      const opened = await create(workspaceId, contactId);
      const update = (version: number, fields: Record<string, unknown>) =>
        opportunities.update({ workspaceId, actor, id: opened.id, ifMatch: [version], fields }).then(written);

      const won = await update(1, { stage: 'closed_won' });
      expect(won).toMatchObject({ status: 'won', probability: 100, version: 2 });
      expect(won.closedAt).not.toBeNull();
      const reopened = await update(2, { stage: 'contract_sent' });
      expect(reopened).toMatchObject({ status: 'open', probability: 90, closedAt: null, version: 3 });
      const lost = await update(3, { stage: 'closed_lost', lostReason: 'went with a competitor' });
      expect(lost).toMatchObject({ status: 'lost', probability: 0, lostReason: 'went with a competitor', version: 4 });
      expect(lost.closedAt).not.toBeNull();
      const renamed = await update(4, { name: 'Annual plan (lost)' });
      expect(renamed).toMatchObject({ status: 'lost', lostReason: 'went with a competitor', closedAt: lost.closedAt, version: 5 });

      const history = (await opportunities.history(workspaceId, opened.id)).map(({ at: _at, pipelineId: _p, ...move }) => move);
      expect(history).toEqual([
        { version: 1, fromStage: null, toStage: 'appointment_scheduled', reopened: false, by: actor },
        { version: 2, fromStage: 'appointment_scheduled', toStage: 'closed_won', reopened: false, by: actor },
        { version: 3, fromStage: 'closed_won', toStage: 'contract_sent', reopened: true, by: actor },
        { version: 4, fromStage: 'contract_sent', toStage: 'closed_lost', reopened: false, by: actor },
      ]);
      const events = await outbox(workspaceId);
      expect(events.map((e) => [e.type, e.data.version, e.data.fromStage, e.data.stage, e.data.status])).toEqual([
        ['opportunity.created', 1, null, 'appointment_scheduled', 'open'],
        ['opportunity.updated', 2, 'appointment_scheduled', 'closed_won', 'won'],
        ['opportunity.won', 2, 'appointment_scheduled', 'closed_won', 'won'],
        ['opportunity.updated', 3, 'closed_won', 'contract_sent', 'open'],
        ['opportunity.updated', 4, 'contract_sent', 'closed_lost', 'lost'],
        ['opportunity.lost', 4, 'contract_sent', 'closed_lost', 'lost'],
        ['opportunity.updated', 5, null, 'closed_lost', 'lost'],
      ]);
    });

    it('takes the probability from the stage unless overridden, and goes back to it when the override is cleared', async () => {
      const workspaceId = newWorkspace();
      const { contactId } = await contactWithLeads(workspaceId);
      const created = await create(workspaceId, contactId, { probability: 55 });
      expect([created.probability, created.probabilityOverridden]).toEqual([55, true]);
      const moved = written(
        await opportunities.update({ workspaceId, actor, id: created.id, ifMatch: [1], fields: { stage: 'qualified_to_buy' } }),
      );
      expect([moved.probability, moved.probabilityOverridden]).toEqual([55, true]);
      const cleared = written(
        await opportunities.update({ workspaceId, actor, id: created.id, ifMatch: [2], fields: { probability: null } }),
      );
      expect([cleared.probability, cleared.probabilityOverridden]).toEqual([40, false]);
    });

    it('refuses a stale version with the current representation and changes nothing', async () => {
      const workspaceId = newWorkspace();
      const { contactId } = await contactWithLeads(workspaceId);
      const created = await create(workspaceId, contactId);
      written(await opportunities.update({ workspaceId, actor, id: created.id, ifMatch: [1], fields: { name: 'First' } }));
      const stale = await opportunities.update({ workspaceId, actor, id: created.id, ifMatch: [1], fields: { name: 'Second' } });
      expect(stale).toMatchObject({ outcome: 'version_conflict', current: { name: 'First', version: 2 } });
      const staleDelete = await opportunities.delete({ workspaceId, actor, id: created.id, ifMatch: [1] });
      expect(staleDelete.outcome).toBe('version_conflict');
      expect((await opportunities.get(workspaceId, created.id)).name).toBe('First');
    });

    it('lets one of two concurrent updates with the same version through and refuses the other', async () => {
      const workspaceId = newWorkspace();
      const { contactId } = await contactWithLeads(workspaceId);
      const created = await create(workspaceId, contactId);
      const replies = await Promise.all(
        ['A', 'B', 'C'].map((name) => opportunities.update({ workspaceId, actor, id: created.id, ifMatch: [1], fields: { name } })),
      );
      expect(replies.map((r) => r.outcome).sort()).toEqual(['version_conflict', 'version_conflict', 'written']);
      const [row] = await database.db.query<{ version: string }>(`SELECT version::text FROM contacts.opportunities WHERE id = $1`, [
        created.id,
      ]);
      expect(row?.version).toBe('2');
    });

    it('deletes softly with the current version: gone from reads and lists, opportunity.updated says deleted', async () => {
      const workspaceId = newWorkspace();
      const { contactId } = await contactWithLeads(workspaceId);
      const created = await create(workspaceId, contactId);
      const deleted = written(await opportunities.delete({ workspaceId, actor, id: created.id, ifMatch: [1] }));
      expect(deleted.version).toBe(2);
      expect(await codeOf(opportunities.get(workspaceId, created.id))).toBe('not_found');
      expect(await codeOf(opportunities.delete({ workspaceId, actor, id: created.id, ifMatch: [2] }))).toBe('not_found');
      expect((await opportunities.list({ workspaceId, limit: 10 })).items).toEqual([]);
      expect((await outbox(workspaceId)).at(-1)).toMatchObject({ type: 'opportunity.updated', data: { deleted: true, version: 2 } });
    });

    it('follows a contact merged since to its survivor, in reads, lists and the next write', async () => {
      const workspaceId = newWorkspace();
      const merged = await contactWithLeads(workspaceId);
      const survivor = await contactWithLeads(workspaceId);
      const created = await create(workspaceId, merged.contactId);
      await database.db.query(`UPDATE contacts.contacts SET merged_into = $2 WHERE id = $1`, [merged.contactId, survivor.contactId]);
      expect((await opportunities.get(workspaceId, created.id)).contactId).toBe(survivor.contactId);
      const listed = await opportunities.list({ workspaceId, limit: 10, contactId: survivor.contactId });
      expect(listed.items.map((o) => [o.id, o.contactId])).toEqual([[created.id, survivor.contactId]]);
      written(await opportunities.update({ workspaceId, actor, id: created.id, ifMatch: [1], fields: { name: 'Renamed' } }));
      const [row] = await database.db.query(`SELECT contact_id FROM contacts.opportunities WHERE id = $1`, [created.id]);
      expect(row).toEqual({ contact_id: survivor.contactId });
      expect((await outbox(workspaceId)).at(-1)?.data.contactId).toBe(survivor.contactId);
    });

    it('lists by status across pipelines', async () => {
      const workspaceId = newWorkspace();
      const { contactId } = await contactWithLeads(workspaceId);
      const open = await create(workspaceId, contactId);
      const won = await create(workspaceId, contactId, { stage: 'closed_won' });
      expect(won.closedAt).not.toBeNull();
      expect((await opportunities.list({ workspaceId, limit: 10, status: 'won' })).items.map((o) => o.id)).toEqual([won.id]);
      expect((await opportunities.list({ workspaceId, limit: 10, status: 'open' })).items.map((o) => o.id)).toEqual([open.id]);
      expect(DEFAULT_PIPELINE_STAGES).toHaveLength(7);
    });
  });

  describe('lead conversion', () => {
    const convert = (workspaceId: string, leadId: string, extra: Record<string, unknown> = {}, idempotencyKey: string | null = null) =>
      conversions.convert({ workspaceId, actor, leadId, idempotencyKey, source: 'landing', offer: 'spring', ...extra });

    it('makes the attributed contact a contact (lifecycle, version), creates the opportunity and publishes lead.converted, in one go', async () => {
      const workspaceId = newWorkspace();
      const { contactId, leadIds } = await contactWithLeads(workspaceId);
      const leadId = leadIds[0] as string;
      const reply = await convert(
        workspaceId,
        leadId,
        { opportunity: { name: 'Deal', amount: { amount: MAX_BIGINT, currency: 'EUR' } } },
        'k1',
      );
      expect(reply.replayed).toBe(false);
      expect(reply.conversion).toMatchObject({
        leadId,
        contactId,
        lifecycle: 'contact',
        opportunity: { leadId, contactId, amount: { amount: MAX_BIGINT } },
      });
      const [contact] = await database.db.query(`SELECT lifecycle, version::int FROM contacts.contacts WHERE id = $1`, [contactId]);
      expect(contact).toEqual({ lifecycle: 'contact', version: 2 });
      const events = await outbox(workspaceId);
      expect(events.map((e) => e.type)).toEqual(['contact.updated', 'opportunity.created', 'lead.converted']);
      expect(events[2]?.data).toMatchObject({
        leadId,
        contactId,
        opportunityId: reply.conversion.opportunity?.id,
        source: 'landing',
        offer: 'spring',
      });
    });

    it('answers the same key and body with the original result, and does nothing again', async () => {
      const workspaceId = newWorkspace();
      const { leadIds } = await contactWithLeads(workspaceId);
      const body = { opportunity: { name: 'Deal', amount: { amount: '5000', currency: 'JPY' } } };
      const first = await convert(workspaceId, leadIds[0] as string, body, 'same-key');
      const again = await convert(workspaceId, leadIds[0] as string, body, 'same-key');
      expect(again).toEqual({ conversion: first.conversion, replayed: true });
      expect(await database.db.query(`SELECT id FROM contacts.opportunities WHERE workspace_id = $1`, [workspaceId])).toHaveLength(1);
      expect((await outbox(workspaceId)).filter((e) => e.type === 'lead.converted')).toHaveLength(1);
    });

    it('refuses the same key with another body (422 idempotency_key_reused) and a second conversion without a key (409)', async () => {
      const workspaceId = newWorkspace();
      const { leadIds } = await contactWithLeads(workspaceId);
      const leadId = leadIds[0] as string;
      await convert(workspaceId, leadId, { opportunity: { name: 'Deal', amount: { amount: '100', currency: 'EUR' } } }, 'key-a');
      expect(
        await codeOf(convert(workspaceId, leadId, { opportunity: { name: 'Deal', amount: { amount: '101', currency: 'EUR' } } }, 'key-a')),
      ).toBe('idempotency_key_reused');
      expect(await codeOf(convert(workspaceId, leadId))).toBe('lead_already_converted');
      expect(await codeOf(convert(workspaceId, leadId, {}, 'key-b'))).toBe('lead_already_converted');
    });

    it('converts once when the same request arrives several times at once', async () => {
      const workspaceId = newWorkspace();
      const { leadIds } = await contactWithLeads(workspaceId);
      const body = { opportunity: { name: 'Deal', amount: { amount: '1299', currency: 'BHD' } } };
      const replies = await Promise.all([1, 2, 3, 4, 5].map(() => convert(workspaceId, leadIds[0] as string, body, 'concurrent')));
      expect(replies.filter((r) => !r.replayed)).toHaveLength(1);
      for (const reply of replies) expect(reply.conversion).toEqual(replies[0]?.conversion);
      expect(await database.db.query(`SELECT id FROM contacts.opportunities WHERE workspace_id = $1`, [workspaceId])).toHaveLength(1);
      expect(await database.db.query(`SELECT lead_id FROM contacts.lead_conversions WHERE workspace_id = $1`, [workspaceId])).toHaveLength(
        1,
      );
    });

    it('answers 409 lead_not_attributed for a lead the pipeline has not attributed, unless a contact is named', async () => {
      const workspaceId = newWorkspace();
      const { contactId } = await contactWithLeads(workspaceId);
      const unattributed = uuidv7();
      expect(await codeOf(convert(workspaceId, unattributed))).toBe('lead_not_attributed');
      const reply = await convert(workspaceId, unattributed, { contactId });
      expect(reply.conversion.contactId).toBe(contactId);
      expect(await codeOf(convert(workspaceId, uuidv7(), { contactId: randomUUID() }))).toBe('unknown_contact');
    });

    it('keeps a customer a customer, and refuses an opportunity without an amount before touching anything', async () => {
      const workspaceId = newWorkspace();
      const { contactId, leadIds } = await contactWithLeads(workspaceId, 2);
      await database.db.query(`UPDATE contacts.contacts SET lifecycle = 'customer' WHERE id = $1`, [contactId]);
      expect(await codeOf(convert(workspaceId, leadIds[0] as string, { opportunity: { name: 'No amount' } }))).toBe('validation_failed');
      const reply = await convert(workspaceId, leadIds[1] as string);
      expect(reply.conversion.lifecycle).toBe('customer');
      const [contact] = await database.db.query(`SELECT lifecycle, version::int FROM contacts.contacts WHERE id = $1`, [contactId]);
      expect(contact).toEqual({ lifecycle: 'customer', version: 1 });
    });
  });
});
