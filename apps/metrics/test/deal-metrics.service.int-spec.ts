import {
  type EventEnvelope,
  EventTypes,
  type LeadAttributedData,
  type LeadConvertedData,
  type OpportunityChangedData,
  type PipelineValueReport,
} from '@leadflow/contracts';
import { eventEnvelope, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { metricsMigrations } from '../src/database/migrations';
import { DealReportsRepository } from '../src/deal-reports/deal-reports.repository';
import { DealReportsService } from '../src/deal-reports/deal-reports.service';
import { DealStateRepository } from '../src/deal-state/deal-state.repository';
import { DealStateService } from '../src/deal-state/deal-state.service';

/**
 * Deal metrics in-process against a real PostgreSQL: opportunity, attribution and conversion events
 * in (in order, out of order, twice), report numbers out, every total checked against its breakdown.
 */
describe('deal metrics against PostgreSQL', () => {
  let database: ServiceDatabase;
  let deals: DealStateService;
  let reports: DealReportsService;
  const MAX = 9223372036854775807n;
  const pipelineId = '0190a5b2-0000-7000-8000-0000000000aa';

  beforeAll(async () => {
    database = await openServiceDatabase('metrics', metricsMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        DealStateRepository,
        DealStateService,
        DealReportsRepository,
        DealReportsService,
      ],
    }).compile();
    deals = module.get(DealStateService);
    reports = module.get(DealReportsService);
  });

  afterAll(async () => {
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

  function envelope<T extends object>(workspaceId: string, type: string, data: T): EventEnvelope<T> {
    return eventEnvelope(workspaceId, type, data, { producer: 'contacts' });
  }

  /** An opportunity's successive states, each a full event. */
  function opportunity(workspaceId: string, fields: Partial<OpportunityChangedData> = {}) {
    const base: OpportunityChangedData = {
      opportunityId: randomUUID(),
      contactId: randomUUID(),
      version: 1,
      leadId: null,
      originLeadId: null,
      pipelineId,
      stage: 'appointment_scheduled',
      fromStage: null,
      status: 'open',
      amount: '1000',
      currency: 'EUR',
      probability: 20,
      closedAt: null,
      deleted: false,
      at: new Date().toISOString(),
      ...fields,
    };
    let current = base;
    return {
      get id() {
        return base.opportunityId;
      },
      /** The next version's event with these changes. */
      next(changes: Partial<OpportunityChangedData>, type: string = EventTypes.opportunityUpdated): EventEnvelope<OpportunityChangedData> {
        current = { ...current, ...changes, version: current.version + 1 };
        return envelope(workspaceId, type, current);
      },
      created(): EventEnvelope<OpportunityChangedData> {
        return envelope(workspaceId, EventTypes.opportunityCreated, base);
      },
    };
  }

  const apply = (events: Array<EventEnvelope<OpportunityChangedData>>) =>
    database.dataSource.transaction((manager) => deals.applyOpportunityChanges(events, manager));

  /** Every currency's total is the sum of its breakdown rows, in exact integers. */
  function expectTotalsMatch(report: PipelineValueReport): void {
    const sums = new Map<string, { count: number; amount: bigint }>();
    for (const row of report.breakdown) {
      const sum = sums.get(row.currency) ?? { count: 0, amount: 0n };
      sums.set(row.currency, { count: sum.count + row.count, amount: sum.amount + BigInt(row.amount) });
    }
    expect(report.totals.map((t) => [t.currency, t.count, t.amount])).toEqual(
      [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, s]) => [currency, s.count, s.amount.toString()]),
    );
  }

  it('sums the open pipeline per stage and currency, exactly beyond bigint, never mixing currencies', async () => {
    const workspaceId = newWorkspace();
    const a = opportunity(workspaceId, { amount: MAX.toString() });
    const b = opportunity(workspaceId, { amount: MAX.toString() });
    const c = opportunity(workspaceId, { amount: '500', currency: 'JPY' });
    const d = opportunity(workspaceId, { amount: '1299', currency: 'BHD', stage: 'contract_sent' });
    await apply([a.created(), b.created(), c.created(), d.created()]);
    const report = await reports.pipelineValue({ workspaceId });
    expect(report.breakdown).toEqual([
      { pipelineId, stage: 'contract_sent', currency: 'BHD', count: 1, amount: '1299' },
      { pipelineId, stage: 'appointment_scheduled', currency: 'EUR', count: 2, amount: (2n * MAX).toString() },
      { pipelineId, stage: 'appointment_scheduled', currency: 'JPY', count: 1, amount: '500' },
    ]);
    expect(report.totals.find((t) => t.currency === 'EUR')?.amount).toBe('18446744073709551614');
    expectTotalsMatch(report);
  });

  it('moves an opportunity’s value when its stage or amount moves, and drops it when closed or deleted', async () => {
    const workspaceId = newWorkspace();
    const a = opportunity(workspaceId, { amount: '1000' });
    const b = opportunity(workspaceId, { amount: '2000' });
    const c = opportunity(workspaceId, { amount: '4000' });
    await apply([a.created(), b.created(), c.created()]);
    await apply([a.next({ stage: 'qualified_to_buy', fromStage: 'appointment_scheduled' }), b.next({ amount: '2500' })]);
    await apply([c.next({ deleted: true })]);
    let report = await reports.pipelineValue({ workspaceId });
    expect(report.breakdown.map((r) => [r.stage, r.count, r.amount])).toEqual([
      ['appointment_scheduled', 1, '2500'],
      ['qualified_to_buy', 1, '1000'],
    ]);
    expectTotalsMatch(report);
    await apply([a.next({ stage: 'closed_won', status: 'won', closedAt: new Date().toISOString() }, EventTypes.opportunityWon)]);
    report = await reports.pipelineValue({ workspaceId });
    expect(report.totals).toEqual([{ currency: 'EUR', count: 1, amount: '2500' }]);
  });

  it('keeps the newest version whatever order the events arrive in, and ignores one delivered twice', async () => {
    const workspaceId = newWorkspace();
    const a = opportunity(workspaceId, { amount: '100' });
    const created = a.created();
    const v2 = a.next({ amount: '200' });
    const v3 = a.next({ stage: 'closed_won', status: 'won', closedAt: '2026-11-03T10:00:00.000Z' }, EventTypes.opportunityWon);
    await apply([v3]);
    await apply([v2, created]);
    await apply([v3, v2]);
    const [row] = await database.db.query(
      `SELECT version::int, amount::text, status FROM metrics.deal_opportunities WHERE opportunity_id = $1`,
      [a.id],
    );
    expect(row).toEqual({ version: 3, amount: '200', status: 'won' });
    expect((await reports.pipelineValue({ workspaceId })).totals).toEqual([]);
    // The same events in one batch, newest first: the batch keeps the newest too.
    const b = opportunity(workspaceId);
    const b1 = b.created();
    const b2 = b.next({ amount: '7' });
    await apply([b2, b1, b2]);
    expect((await reports.pipelineValue({ workspaceId })).totals).toEqual([{ currency: 'EUR', count: 1, amount: '7' }]);
  });

  it('counts won and lost per UTC day and currency; totals equal the breakdown; a reopened deal leaves them', async () => {
    const workspaceId = newWorkspace();
    const won = (day: string, amount: string, currency = 'EUR') => {
      const o = opportunity(workspaceId, { amount, currency });
      return [o.created(), o.next({ stage: 'closed_won', status: 'won', closedAt: `${day}T23:59:59.000Z` }, EventTypes.opportunityWon)];
    };
    const lost = (day: string, amount: string, currency = 'EUR') => {
      const o = opportunity(workspaceId, { amount, currency });
      return [o.created(), o.next({ stage: 'closed_lost', status: 'lost', closedAt: `${day}T00:00:00.000Z` }, EventTypes.opportunityLost)];
    };
    const reopened = opportunity(workspaceId, { amount: '999' });
    await apply([
      ...won('2026-11-02', MAX.toString()),
      ...won('2026-11-02', '1'),
      ...won('2026-11-03', '300', 'JPY'),
      ...lost('2026-11-03', '50'),
      ...won('2026-10-31', '77'),
      reopened.created(),
      reopened.next({ stage: 'closed_won', status: 'won', closedAt: '2026-11-02T12:00:00.000Z' }, EventTypes.opportunityWon),
      reopened.next({ stage: 'contract_sent', status: 'open', closedAt: null, fromStage: 'closed_won' }),
    ]);
    const report = await reports.closedDaily({ workspaceId, from: '2026-11-01', to: '2026-11-30' });
    expect(report.breakdown).toEqual([
      { date: '2026-11-02', currency: 'EUR', wonCount: 2, wonAmount: '9223372036854775808', lostCount: 0, lostAmount: '0' },
      { date: '2026-11-03', currency: 'EUR', wonCount: 0, wonAmount: '0', lostCount: 1, lostAmount: '50' },
      { date: '2026-11-03', currency: 'JPY', wonCount: 1, wonAmount: '300', lostCount: 0, lostAmount: '0' },
    ]);
    for (const total of report.totals) {
      const rows = report.breakdown.filter((r) => r.currency === total.currency);
      expect(total).toEqual({
        currency: total.currency,
        wonCount: rows.reduce((n, r) => n + r.wonCount, 0),
        wonAmount: rows.reduce((n, r) => n + BigInt(r.wonAmount), 0n).toString(),
        lostCount: rows.reduce((n, r) => n + r.lostCount, 0),
        lostAmount: rows.reduce((n, r) => n + BigInt(r.lostAmount), 0n).toString(),
      });
    }
    expect(report.totals.map((t) => t.currency)).toEqual(['EUR', 'JPY']);
    await expect(reports.closedDaily({ workspaceId, from: '2026-11-30', to: '2026-11-01' })).rejects.toMatchObject({
      code: 'invalid_query',
    });
  });

  it('follows leads to contacts, opportunities and wins per source and offer; the total is the sum of the breakdown', async () => {
    const workspaceId = newWorkspace();
    const lead = (source: string, offer: string | null) => {
      const data: LeadAttributedData = {
        leadId: randomUUID(),
        contactId: randomUUID(),
        isNewContact: true,
        source,
        offer,
        country: null,
        receivedAt: new Date().toISOString(),
        emailValid: true,
        phoneValid: false,
      };
      return envelope(workspaceId, EventTypes.leadAttributed, data);
    };
    const leads = [lead('landing', 'spring'), lead('landing', 'spring'), lead('landing', null), lead('partner', 'spring')];
    const [l1, l2, l3, l4] = leads.map((l) => l.data) as [LeadAttributedData, LeadAttributedData, LeadAttributedData, LeadAttributedData];
    const converted = (l: LeadAttributedData, opportunityId: string | null): EventEnvelope<LeadConvertedData> =>
      envelope(workspaceId, EventTypes.leadConverted, {
        leadId: l.leadId,
        contactId: l.contactId,
        opportunityId,
        source: 'landing',
        offer: l.offer,
        convertedAt: new Date().toISOString(),
      });
    const o1 = opportunity(workspaceId, { originLeadId: l1.leadId, leadId: l1.leadId });
    const o2 = opportunity(workspaceId, { originLeadId: l2.leadId });
    const o4 = opportunity(workspaceId, { originLeadId: l4.leadId });
    const orphan = opportunity(workspaceId, { originLeadId: null });

    // Opportunities before the attributions they count under: the report joins when asked.
    await apply([
      o1.created(),
      o1.next({ stage: 'closed_won', status: 'won', closedAt: new Date().toISOString() }),
      o2.created(),
      o4.created(),
      orphan.created(),
    ]);
    await database.dataSource.transaction(async (manager) => {
      await deals.recordLeadOrigins(leads, manager);
      await deals.recordConversions([converted(l1, o1.id), converted(l2, null)], manager);
      // Delivered again: counted once.
      await deals.recordLeadOrigins([leads[0] as EventEnvelope<LeadAttributedData>], manager);
      await deals.recordConversions([converted(l1, o1.id)], manager);
    });
    await apply([o4.next({ deleted: true })]);

    const report = await reports.funnel({ workspaceId });
    expect(report.breakdown).toEqual([
      { source: '', offer: '', leads: 0, contacts: 0, opportunities: 1, won: 0 },
      { source: 'landing', offer: '', leads: 1, contacts: 0, opportunities: 0, won: 0 },
      { source: 'landing', offer: 'spring', leads: 2, contacts: 2, opportunities: 2, won: 1 },
      { source: 'partner', offer: 'spring', leads: 1, contacts: 0, opportunities: 0, won: 0 },
    ]);
    const sum = (key: 'leads' | 'contacts' | 'opportunities' | 'won') => report.breakdown.reduce((n, row) => n + row[key], 0);
    expect(report.total).toEqual({ leads: sum('leads'), contacts: sum('contacts'), opportunities: sum('opportunities'), won: sum('won') });
    expect(report.total).toEqual({ leads: 4, contacts: 2, opportunities: 3, won: 1 });
    expect(l3.offer).toBeNull();
  });
});
