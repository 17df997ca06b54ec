import {
  type EventEnvelope,
  EventTypes,
  type LeadAttributedData,
  type LeadsSummaryReport,
  type StageChangedData,
  STAGES,
} from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { flushBeforeCommit } from '@leadflow/messaging';
import { eventEnvelope, openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { ContactCounterRepository } from '../src/contact-counters/contact-counter.repository';
import { countedFromContactCreated } from '../src/contact-counters/contact-counters.handler';
import { ContactCountersService } from '../src/contact-counters/contact-counters.service';
import { metricsMigrations } from '../src/database/migrations';
import { LeadCounterRepository } from '../src/lead-counters/lead-counter.repository';
import { LeadCountersService } from '../src/lead-counters/lead-counters.service';
import type { LeadsReportQueryDto } from '../src/lead-reports/dto/leads-report-query.dto';
import { LeadReportsService } from '../src/lead-reports/lead-reports.service';

/** The counters and reports in-process against a real PostgreSQL: events in, report numbers out; no NATS. */
describe('lead counters and reports against PostgreSQL', () => {
  let database: ServiceDatabase;
  let counters: LeadCountersService;
  let reports: LeadReportsService;

  beforeAll(async () => {
    database = await openServiceDatabase('metrics', metricsMigrations);
    const module = await Test.createTestingModule({
      providers: [
        { provide: getDataSourceToken(), useValue: database.dataSource },
        { provide: APP_LOGGER, useValue: pino({ level: 'silent' }) },
        LeadCounterRepository,
        LeadCountersService,
        LeadReportsService,
        ContactCounterRepository,
        ContactCountersService,
      ],
    }).compile();
    counters = module.get(LeadCountersService);
    reports = module.get(LeadReportsService);
  });

  afterAll(async () => {
    await database?.close();
  });

  const newWorkspace = () => `ws-${randomUUID().slice(0, 8)}`;

  /** A lead as contacts attributes it: a new contact unless told otherwise. */
  function attributed(workspaceId: string, receivedAt: string, overrides: Partial<LeadAttributedData> = {}) {
    const data = {
      leadId: randomUUID(),
      contactId: randomUUID(),
      isNewContact: true,
      source: 'landing',
      offer: 'summer',
      country: 'DE',
      receivedAt,
      emailValid: false,
      phoneValid: false,
      ...overrides,
    };
    return eventEnvelope(workspaceId, EventTypes.leadAttributed, data as LeadAttributedData);
  }

  function stageChanged(workspaceId: string, to: StageChangedData['to'], at: string, source = 'landing') {
    const data = { contactId: randomUUID(), from: null, to, at, source, offer: 'summer', country: 'DE' };
    return eventEnvelope(workspaceId, EventTypes.stageChanged, data as StageChangedData);
  }

  type Counted = EventEnvelope<LeadAttributedData> | EventEnvelope<StageChangedData>;

  /** Applies events in one transaction, flushing before the commit as the event consumer does. */
  async function apply(...events: Counted[]): Promise<void> {
    await database.dataSource.transaction(async (manager) => {
      for (const event of events) {
        if (event.type === EventTypes.leadAttributed)
          await counters.countLeadAttributed(event as EventEnvelope<LeadAttributedData>, manager);
        else await counters.countStageChanged(event as EventEnvelope<StageChangedData>, manager);
      }
      await flushBeforeCommit(manager);
    });
  }

  const query = (workspaceId: string, from: string, to: string, filters: Partial<LeadsReportQueryDto> = {}) =>
    ({ workspaceId, from, to, ...filters }) as LeadsReportQueryDto;

  it('counts each lead on the UTC day of its receivedAt, whatever offset it was sent with', async () => {
    const ws = newWorkspace();
    await apply(
      attributed(ws, '2026-03-01T23:30:00-02:00'), // 2026-03-02 01:30 UTC
      attributed(ws, '2026-03-02T00:30:00+02:00'), // 2026-03-01 22:30 UTC
      attributed(ws, '2026-03-01T00:00:00Z'),
    );
    const daily = await reports.daily(query(ws, '2026-02-28', '2026-03-03'));
    expect(daily.breakdown).toEqual([
      { date: '2026-02-28', count: 0 },
      { date: '2026-03-01', count: 2 },
      { date: '2026-03-02', count: 1 },
      { date: '2026-03-03', count: 0 },
    ]);
    expect(daily.total).toBe(3);
  });

  it('counts a lead once, as a lead and as a contact, even when it comes again under a new event id or twice in one transaction', async () => {
    const ws = newWorkspace();
    const lead = attributed(ws, '2026-03-05T10:00:00Z');
    await apply(lead, { ...lead, id: randomUUID() });
    await apply(lead);
    await apply({ ...lead, id: randomUUID() });

    const summary = await reports.summary(query(ws, '2026-03-05', '2026-03-05'));
    expect(summary).toMatchObject({ total: 1, newContacts: 1, returningContacts: 0 });
    const rows = await database.db.query(`SELECT event_type FROM metrics.counted_lead_events WHERE workspace_id = $1 ORDER BY 1`, [ws]);
    expect(rows).toEqual([{ event_type: EventTypes.leadAttributed }, { event_type: EventTypes.leadIngested }]);
  });

  it('counts the contact a lead made as created, once, with the lead, on the day it was made', async () => {
    const ws = newWorkspace();
    const made = { ...attributed(ws, '2026-03-07T10:00:00Z', { contactCreatedEventId: randomUUID() }), occurredAt: '2026-03-08T00:00:05Z' };
    await apply(made, { ...made, id: randomUUID() });
    await apply(made);
    // A returning contact, and a new contact of an earlier release (its contact.created, named no lead, counts it).
    await apply(attributed(ws, '2026-03-07T11:00:00Z', { isNewContact: false }), attributed(ws, '2026-03-07T12:00:00Z'));

    const created = await database.db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, created, deleted, restored FROM metrics.contact_daily_counters WHERE workspace_id = $1`,
      [ws],
    );
    expect(created).toEqual([{ day: '2026-03-08', created: 1, deleted: 0, restored: 0 }]);
    expect(await reports.summary(query(ws, '2026-03-07', '2026-03-07'))).toMatchObject({ total: 3, newContacts: 2, returningContacts: 1 });

    // Its contact.created names the lead: the contact counters do not apply it, so it is not counted twice.
    const contactCreated = (leadId?: string) =>
      eventEnvelope(ws, EventTypes.contactCreated, {
        contactId: made.data.contactId,
        email: null,
        phone: null,
        firstName: null,
        lastName: null,
        country: 'DE',
        ...(leadId === undefined ? {} : { leadId }),
      });
    expect(countedFromContactCreated([contactCreated(made.data.leadId), contactCreated()])).toEqual([false, true]);
  });

  it('does not count again as a lead one an earlier release counted from lead.ingested', async () => {
    const ws = newWorkspace();
    const lead = attributed(ws, '2026-03-06T10:00:00Z', { isNewContact: false });
    // What an earlier release left when it counted the lead from lead.ingested (its counter row included).
    await database.db.query(
      `INSERT INTO metrics.counted_lead_events (workspace_id, lead_id, event_type, day) VALUES ($1, $2, 'lead.ingested', '2026-03-06')`,
      [ws, lead.data.leadId],
    );
    await database.db.query(
      `INSERT INTO metrics.lead_daily_counters (workspace_id, day, source, offer, country, leads) VALUES ($1, '2026-03-06', 'landing', 'summer', 'DE', 1)`,
      [ws],
    );
    await apply(lead);

    const summary = await reports.summary(query(ws, '2026-03-06', '2026-03-06'));
    expect(summary).toMatchObject({ total: 1, newContacts: 0, returningContacts: 1 });
  });

  it('gives breakdowns that sum to the totals, per source, per day and per week, with filters applied', async () => {
    const ws = newWorkspace();
    const sources = ['landing', 'partner', 'affiliate'];
    const leads = Array.from({ length: 24 }, (_, i) =>
      attributed(ws, `2026-03-${String(1 + (i % 12)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:15:00Z`, {
        isNewContact: i % 4 < 3,
        source: sources[i % 3],
        offer: i % 4 === 0 ? null : 'summer',
        country: i % 2 === 0 ? 'DE' : 'FR',
      }),
    );
    // Spread over several transactions, as batches of events would be.
    for (let i = 0; i < leads.length; i += 5) await apply(...leads.slice(i, i + 5));
    await apply(
      stageChanged(ws, 'cold', '2026-03-02T09:00:00Z'),
      stageChanged(ws, 'warm', '2026-03-02T10:00:00Z', 'partner'),
      stageChanged(ws, 'hot', '2026-03-09T10:00:00Z'),
      stageChanged(ws, 'qualified', '2026-03-10T10:00:00Z', 'affiliate'),
    );

    const range = query(ws, '2026-03-01', '2026-03-14');
    const [summary, daily, weekly] = await Promise.all([reports.summary(range), reports.daily(range), reports.weekly(range)]);
    const sum = (counts: Array<{ count: number }>) => counts.reduce((total, c) => total + c.count, 0);
    expect(summary.total).toBe(24);
    expect(sum(summary.breakdown)).toBe(24);
    expect(sum(daily.breakdown)).toBe(24);
    expect(sum(weekly.breakdown)).toBe(24);
    expect(daily.breakdown).toHaveLength(14);
    expect(weekly.breakdown.map((w) => w.weekStart)).toEqual(['2026-02-23', '2026-03-02', '2026-03-09']);
    expect(summary.breakdown).toEqual(
      expect.arrayContaining([
        { source: 'landing', count: 8 },
        { source: 'partner', count: 8 },
        { source: 'affiliate', count: 8 },
      ]),
    );
    for (const report of [summary, daily, weekly]) {
      expect(report).toMatchObject({ newContacts: 18, returningContacts: 6, stageEntries: { cold: 1, warm: 1, hot: 1, qualified: 1 } });
    }
    expect(Object.keys(summary.stageEntries).sort()).toEqual([...STAGES].sort());

    const filtered: LeadsSummaryReport = await reports.summary(query(ws, '2026-03-01', '2026-03-14', { source: 'partner', country: 'FR' }));
    const expected = leads.filter((l) => l.data.source === 'partner' && l.data.country === 'FR').length;
    expect(filtered.total).toBe(expected);
    expect(filtered.breakdown).toEqual([{ source: 'partner', count: expected }]);
    // '' selects the leads sent without an offer.
    expect((await reports.summary(query(ws, '2026-03-01', '2026-03-14', { offer: '' }))).total).toBe(6);
  });

  it('keeps workspaces apart', async () => {
    const [a, b] = [newWorkspace(), newWorkspace()];
    await apply(attributed(a, '2026-04-01T10:00:00Z'), attributed(a, '2026-04-01T11:00:00Z'), attributed(b, '2026-04-01T12:00:00Z'));
    expect((await reports.summary(query(a, '2026-04-01', '2026-04-01'))).total).toBe(2);
    expect((await reports.summary(query(b, '2026-04-01', '2026-04-01'))).total).toBe(1);
  });
});
