import {
  eventConsumerName,
  EventTypes,
  type LeadAttributedData,
  type LeadsDailyReport,
  type LeadsReportQuery,
  type LeadsSummaryReport,
  type LeadsWeeklyReport,
  MAX_REPORT_DAYS,
  NatsNamespace,
  RpcSubjects,
  type StageChangedData,
  Streams,
} from '@leadflow/contracts';
import { ensureStream } from '@leadflow/messaging';
import { AppHarness, type RpcFailure, waitFor } from '@leadflow/testing';
import { AckPolicy, JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';

const codec = JSONCodec<unknown>();

interface CounterRow {
  day: string;
  source: string;
  offer: string;
  country: string;
  leads: number;
  new_contacts: number;
  returning_contacts: number;
  entered_cold: number;
  entered_warm: number;
  entered_hot: number;
  entered_qualified: number;
}

type AnyReport = LeadsSummaryReport | LeadsDailyReport | LeadsWeeklyReport;
const REPORT_SUBJECTS = [RpcSubjects.metrics.leadsSummary, RpcSubjects.metrics.leadsDaily, RpcSubjects.metrics.leadsWeekly];

const newWorkspace = (): string => `ws-${randomUUID().slice(0, 13)}`;
const sumOf = (report: AnyReport): number => (report.breakdown as Array<{ count: number }>).reduce((sum, entry) => sum + entry.count, 0);

function attribution(isNewContact: boolean, overrides: Partial<LeadAttributedData> = {}): LeadAttributedData {
  return {
    leadId: randomUUID(),
    contactId: randomUUID(),
    isNewContact,
    source: 'landing',
    offer: 'summer',
    country: 'DE',
    receivedAt: '2026-03-02T10:00:00.000Z',
    emailValid: true,
    phoneValid: false,
    ...overrides,
  };
}

function stageChange(to: StageChangedData['to'], overrides: Partial<StageChangedData> = {}): StageChangedData {
  return {
    contactId: randomUUID(),
    from: null,
    to,
    at: '2026-03-02T10:00:00.000Z',
    source: 'landing',
    offer: 'summer',
    country: 'DE',
    ...overrides,
  };
}

describe('metrics: lead counters and reports', () => {
  let h: AppHarness;

  beforeAll(async () => {
    // A short ack wait, so that events in flight when the app is killed come back within seconds;
    // two deliveries, so that an event whose data breaks its contract reaches the dead letters quickly.
    h = await AppHarness.start('metrics', { EVENT_ACK_WAIT_SECONDS: '3', EVENT_MAX_DELIVER: '2' });
  }, 90000);

  afterAll(async () => {
    await h?.stop();
  });

  /** A lead as contacts attributes it (metrics counts leads from lead.attributed): a new contact unless told otherwise. */
  const publishLead = (workspaceId: string, data: Partial<LeadAttributedData> = {}) =>
    h.publish(EventTypes.leadAttributed, attribution(true, data), { workspaceId });
  const publishAttribution = (workspaceId: string, isNew: boolean, data: Partial<LeadAttributedData> = {}) =>
    h.publish(EventTypes.leadAttributed, attribution(isNew, data), { workspaceId });
  const publishStage = (workspaceId: string, to: StageChangedData['to'], data: Partial<StageChangedData> = {}) =>
    h.publish(EventTypes.stageChanged, stageChange(to, data), { workspaceId });

  const countersOf = (workspaceId: string) =>
    h.db.query<CounterRow>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, source, offer, country, leads::int, new_contacts::int, returning_contacts::int,
              entered_cold::int, entered_warm::int, entered_hot::int, entered_qualified::int
       FROM metrics.lead_daily_counters WHERE workspace_id = $1 ORDER BY day, source, offer, country`,
      [workspaceId],
    );

  /** Total of every counter of a workspace: leads + contacts + stage entries. */
  const countedEvents = async (workspaceId: string): Promise<number> => {
    const [row] = await h.db.query<{ n: number }>(
      `SELECT coalesce(sum(leads + new_contacts + returning_contacts + entered_cold + entered_warm + entered_hot + entered_qualified), 0)::int AS n
       FROM metrics.lead_daily_counters WHERE workspace_id = $1`,
      [workspaceId],
    );
    return row?.n ?? 0;
  };

  /** Waits until `expected` events of the workspace are counted, then a little longer so that a double count would show. */
  const waitForCounted = async (workspaceId: string, expected: number, timeoutMs = 20000): Promise<void> => {
    await waitFor(async () => (await countedEvents(workspaceId)) >= expected, {
      timeoutMs,
      what: `${expected} counted events in ${workspaceId}`,
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await countedEvents(workspaceId)).toBe(expected);
  };

  const daily = (query: LeadsReportQuery) => h.request<LeadsDailyReport>(RpcSubjects.metrics.leadsDaily, query);
  const weekly = (query: LeadsReportQuery) => h.request<LeadsWeeklyReport>(RpcSubjects.metrics.leadsWeekly, query);
  const summary = (query: LeadsReportQuery) => h.request<LeadsSummaryReport>(RpcSubjects.metrics.leadsSummary, query);

  const failureOf = async (subject: string, payload: unknown): Promise<RpcFailure> => {
    try {
      await h.request(subject, payload);
    } catch (error) {
      return error as RpcFailure;
    }
    throw new Error(`expected ${subject} to fail for ${JSON.stringify(payload).slice(0, 200)}`);
  };

  describe('counters', () => {
    it('counts leads, new and returning contacts and stage entries per UTC day, source, offer and country', async () => {
      const ws = newWorkspace();
      await Promise.all([
        publishLead(ws, { receivedAt: '2026-03-01T23:59:59.999Z' }),
        // 01:30 at UTC+2 is still March 1st in UTC.
        publishLead(ws, { receivedAt: '2026-03-02T01:30:00+02:00' }),
        publishLead(ws, { receivedAt: '2026-03-02T00:00:00.000Z' }),
        publishLead(ws, { receivedAt: '2026-03-02T12:00:00.000Z', source: 'partner', offer: null, country: null }),
        publishLead(ws, { receivedAt: '2026-03-02T12:00:00.000Z', country: 'FR' }),
        publishAttribution(ws, true, { receivedAt: '2026-03-01T10:00:00Z' }),
        publishAttribution(ws, false, { receivedAt: '2026-03-01T11:00:00Z' }),
        publishAttribution(ws, false, { receivedAt: '2026-03-01T12:00:00Z' }),
        publishStage(ws, 'warm', { at: '2026-03-02T09:00:00Z', source: 'partner', offer: null, country: null }),
        publishStage(ws, 'hot', { at: '2026-03-02T09:00:00Z', source: 'partner', offer: null, country: null }),
        publishStage(ws, 'hot', { at: '2026-03-02T09:30:00Z', source: 'partner', offer: null, country: null }),
      ]);
      await waitForCounted(ws, 19);

      const zero = {
        leads: 0,
        new_contacts: 0,
        returning_contacts: 0,
        entered_cold: 0,
        entered_warm: 0,
        entered_hot: 0,
        entered_qualified: 0,
      };
      expect(await countersOf(ws)).toEqual([
        { ...zero, day: '2026-03-01', source: 'landing', offer: 'summer', country: 'DE', leads: 5, new_contacts: 3, returning_contacts: 2 },
        { ...zero, day: '2026-03-02', source: 'landing', offer: 'summer', country: 'DE', leads: 1, new_contacts: 1 },
        { ...zero, day: '2026-03-02', source: 'landing', offer: 'summer', country: 'FR', leads: 1, new_contacts: 1 },
        {
          ...zero,
          day: '2026-03-02',
          source: 'partner',
          offer: '',
          country: '',
          leads: 1,
          new_contacts: 1,
          entered_warm: 1,
          entered_hot: 2,
        },
      ]);
    });

    it('counts an event delivered twice once, by its lead, without an inbox row', async () => {
      const ws = newWorkspace();
      const handledBefore = await h.handledEvents(EventTypes.leadAttributed);
      const envelope = await publishLead(ws);
      // Same envelope id again: JetStream drops it inside its duplicate window...
      await h.publish(EventTypes.leadAttributed, envelope.data, { ...envelope });
      // ...so publish the same bytes under another message id as well, which JetStream does deliver a second time.
      await h.jetstream.publish(`${h.namespace}.${EventTypes.leadAttributed}`, codec.encode(envelope), { msgID: randomUUID() });

      await waitFor(async () => (await h.handledEvents(EventTypes.leadAttributed)) >= handledBefore + 2, {
        what: 'both deliveries handled',
      });
      await waitForCounted(ws, 2);
      expect(await countersOf(ws)).toEqual([expect.objectContaining({ leads: 1, new_contacts: 1 })]);
      // The lead events are counted once by their lead (`counted_lead_events`), not by an inbox row.
      expect(await h.db.query(`SELECT 1 FROM metrics.inbox WHERE event_id = $1`, [envelope.id])).toHaveLength(0);
    });

    it('counts a lead once even when it is published again under a new event id', async () => {
      const ws = newWorkspace();
      const attributed = attribution(true);
      const attributedBefore = await h.handledEvents(EventTypes.leadAttributed);
      const envelopes = [
        await h.publish(EventTypes.leadAttributed, attributed, { workspaceId: ws }),
        await h.publish(EventTypes.leadAttributed, attributed, { workspaceId: ws }),
        await h.publish(EventTypes.leadAttributed, { ...attributed, isNewContact: false }, { workspaceId: ws }),
      ];
      expect(new Set(envelopes.map((e) => e.id)).size).toBe(3);

      await waitFor(async () => (await h.handledEvents(EventTypes.leadAttributed)) >= attributedBefore + 3, {
        what: 'all three events handled',
      });
      await waitForCounted(ws, 2);
      expect(await countersOf(ws)).toEqual([expect.objectContaining({ leads: 1, new_contacts: 1, returning_contacts: 0 })]);
    });

    it('keeps workspaces apart', async () => {
      const [a, b] = [newWorkspace(), newWorkspace()];
      await Promise.all([publishLead(a), publishLead(a), publishLead(a), publishLead(b), publishStage(b, 'cold')]);
      await Promise.all([waitForCounted(a, 6), waitForCounted(b, 3)]);

      const query = { from: '2026-03-02', to: '2026-03-02' };
      const [reportA, reportB] = await Promise.all([summary({ workspaceId: a, ...query }), summary({ workspaceId: b, ...query })]);
      expect(reportA).toMatchObject({ total: 3, breakdown: [{ source: 'landing', count: 3 }], stageEntries: { cold: 0 } });
      expect(reportB).toMatchObject({ total: 1, breakdown: [{ source: 'landing', count: 1 }], stageEntries: { cold: 1 } });
      const nobody = await summary({ workspaceId: newWorkspace(), ...query });
      expect(nobody).toMatchObject({ total: 0, breakdown: [], newContacts: 0 });
    });

    it('counts 200 events published concurrently exactly', async () => {
      const ws = newWorkspace();
      const logStart = h.app.output().length;
      const days = ['2026-03-01', '2026-03-02'];
      const sources = ['landing', 'partner', 'php'];
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          publishLead(ws, { receivedAt: `${days[i % 2]}T${String(i % 24).padStart(2, '0')}:00:00Z`, source: sources[i % 3] }),
        ),
      );
      await waitForCounted(ws, 400, 30000);

      const rows = await countersOf(ws);
      const expected = new Map<string, number>();
      for (let i = 0; i < 200; i += 1) {
        const key = `${days[i % 2]}/${sources[i % 3]}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
      }
      expect(new Map(rows.map((r) => [`${r.day}/${r.source}`, r.leads]))).toEqual(expected);
      const report = await summary({ workspaceId: ws, from: '2026-03-01', to: '2026-03-02' });
      expect(report.total).toBe(200);
      expect(report.breakdown).toEqual([
        { source: 'landing', count: 67 },
        { source: 'partner', count: 67 },
        { source: 'php', count: 66 },
      ]);
      // Each event's transaction locks one counter row: concurrent increments wait, they never deadlock or retry.
      expect(h.app.output().slice(logStart)).not.toContain('event handler failed');
    });

    it('moves an event whose data breaks its contract to the dead letters without counting it or holding up others', async () => {
      const ws = newWorkspace();
      const bad = await publishLead(ws, { receivedAt: 'yesterday' });
      const badStage = await publishStage(ws, 'frozen' as StageChangedData['to']);
      await publishLead(ws);

      const deadLetters = await h.waitForRows<{ event_id: string; error: string }>(
        `SELECT event_id, error FROM metrics.dead_letters WHERE event_id = ANY($1::uuid[]) ORDER BY error`,
        [[bad.id, badStage.id]],
        (rows) => rows.length === 2,
      );
      expect(deadLetters).toEqual([
        { event_id: bad.id, error: 'data.receivedAt must be an ISO 8601 timestamp' },
        { event_id: badStage.id, error: 'data.to must be one of cold, warm, hot, qualified' },
      ]);
      await waitForCounted(ws, 2);
    });
  });

  describe('reports', () => {
    // 2026-03-02 and 2026-03-09 are Mondays.
    const ws = newWorkspace();

    beforeAll(async () => {
      await Promise.all([
        publishLead(ws, { receivedAt: '2026-02-27T08:00:00Z', source: 'partner', offer: 'winter', country: 'FR' }),
        publishLead(ws, { receivedAt: '2026-03-01T08:00:00Z' }),
        publishLead(ws, { receivedAt: '2026-03-01T09:00:00Z', source: 'partner' }),
        publishLead(ws, { receivedAt: '2026-03-02T08:00:00Z', isNewContact: false }),
        publishLead(ws, { receivedAt: '2026-03-02T09:00:00Z', offer: null }),
        publishLead(ws, { receivedAt: '2026-03-04T08:00:00Z', country: null }),
        publishLead(ws, { receivedAt: '2026-03-09T08:00:00Z', source: 'php' }),
        publishLead(ws, { receivedAt: '2026-03-10T08:00:00Z', source: 'php' }),
        publishLead(ws, { receivedAt: '2026-03-10T09:00:00Z', source: 'php', offer: 'winter', isNewContact: false }),
        publishStage(ws, 'cold', { at: '2026-03-01T08:00:00Z' }),
        publishStage(ws, 'warm', { at: '2026-03-02T08:00:00Z' }),
        publishStage(ws, 'qualified', { at: '2026-03-09T08:00:00Z', source: 'php' }),
      ]);
      await waitForCounted(ws, 21);
    });

    it('answers daily with one entry per day of the range, zero-filled, and totals for the range', async () => {
      const report = await daily({ workspaceId: ws, from: '2026-02-28', to: '2026-03-05' });
      expect(report).toEqual({
        from: '2026-02-28',
        to: '2026-03-05',
        filters: {},
        total: 5,
        newContacts: 4,
        returningContacts: 1,
        stageEntries: { cold: 1, warm: 1, hot: 0, qualified: 0 },
        breakdown: [
          { date: '2026-02-28', count: 0 },
          { date: '2026-03-01', count: 2 },
          { date: '2026-03-02', count: 2 },
          { date: '2026-03-03', count: 0 },
          { date: '2026-03-04', count: 1 },
          { date: '2026-03-05', count: 0 },
        ],
      });
    });

    it('answers weekly with Monday weeks, the first starting before from, counting only days inside the range', async () => {
      // Sunday 2026-03-01 to Tuesday 2026-03-10: three weeks, the first starting on Monday 2026-02-23.
      const report = await weekly({ workspaceId: ws, from: '2026-03-01', to: '2026-03-10' });
      expect(report.breakdown).toEqual([
        { weekStart: '2026-02-23', count: 2 }, // 2026-02-27 is outside the range and not counted
        { weekStart: '2026-03-02', count: 3 },
        { weekStart: '2026-03-09', count: 3 },
      ]);
      expect(report.total).toBe(8);
      expect(report.stageEntries).toEqual({ cold: 1, warm: 1, hot: 0, qualified: 1 });
    });

    it('cuts weeks at the range ends and zero-fills weeks without leads', async () => {
      const report = await weekly({ workspaceId: ws, from: '2026-03-03', to: '2026-03-23' });
      expect(report.breakdown).toEqual([
        { weekStart: '2026-03-02', count: 1 }, // only Tuesday 3rd onwards: the leads of Monday 2nd are outside
        { weekStart: '2026-03-09', count: 3 },
        { weekStart: '2026-03-16', count: 0 },
        { weekStart: '2026-03-23', count: 0 },
      ]);
      expect(report).toMatchObject({ newContacts: 3, returningContacts: 1 });
    });

    it('answers summary with leads by source, highest first, then by name', async () => {
      const report = await summary({ workspaceId: ws, from: '2026-02-01', to: '2026-03-31' });
      expect(report.breakdown).toEqual([
        { source: 'landing', count: 4 },
        { source: 'php', count: 3 },
        { source: 'partner', count: 2 },
      ]);
      expect(report).toMatchObject({
        total: 9,
        newContacts: 7,
        returningContacts: 2,
        stageEntries: { cold: 1, warm: 1, hot: 0, qualified: 1 },
      });
    });

    it('applies the source, offer and country filters, with empty meaning "none given by the sender"', async () => {
      const range = { workspaceId: ws, from: '2026-02-01', to: '2026-03-31' };
      expect(await summary({ ...range, source: 'php' })).toMatchObject({
        filters: { source: 'php' },
        total: 3,
        breakdown: [{ source: 'php', count: 3 }],
        stageEntries: { qualified: 1, cold: 0 },
        newContacts: 2,
        returningContacts: 1,
      });
      expect((await summary({ ...range, offer: 'winter' })).breakdown).toEqual([
        { source: 'partner', count: 1 },
        { source: 'php', count: 1 },
      ]);
      expect((await daily({ ...range, offer: 'winter', country: 'FR', from: '2026-02-27', to: '2026-02-28' })).breakdown).toEqual([
        { date: '2026-02-27', count: 1 },
        { date: '2026-02-28', count: 0 },
      ]);
      expect(await summary({ ...range, offer: '' })).toMatchObject({ filters: { offer: '' }, total: 1 });
      expect(await summary({ ...range, country: '' })).toMatchObject({ total: 1, breakdown: [{ source: 'landing', count: 1 }] });
      expect(await summary({ ...range, source: 'nobody' })).toMatchObject({ total: 0, breakdown: [], stageEntries: { cold: 0 } });
    });

    it('always has a total equal to the sum of its breakdown', async () => {
      const queries: LeadsReportQuery[] = [
        { workspaceId: ws, from: '2026-02-01', to: '2026-03-31' },
        { workspaceId: ws, from: '2026-03-01', to: '2026-03-01' },
        { workspaceId: ws, from: '2026-03-04', to: '2026-03-12', source: 'php' },
        { workspaceId: ws, from: '2026-02-25', to: '2026-03-10', country: 'DE' },
      ];
      for (const query of queries) {
        for (const subject of REPORT_SUBJECTS) {
          const report = await h.request<AnyReport>(subject, query);
          expect(report.total).toBe(sumOf(report));
        }
      }
      const [s, d, w] = await Promise.all(REPORT_SUBJECTS.map((subject) => h.request<AnyReport>(subject, queries[0])));
      expect([s?.total, d?.total, w?.total]).toEqual([9, 9, 9]);
    });

    it('accepts a range of exactly MAX_REPORT_DAYS days', async () => {
      const report = await daily({ workspaceId: ws, from: '2024-01-01', to: '2026-09-26' });
      expect(report.breakdown).toHaveLength(MAX_REPORT_DAYS);
      expect(report.total).toBe(9);
    });

    it('answers for the first and last days a four-digit year can write', async () => {
      // 0001-01-01 is a Monday in the proleptic Gregorian calendar that PostgreSQL and the reports use.
      expect((await weekly({ workspaceId: ws, from: '0001-01-01', to: '0001-01-08' })).breakdown).toEqual([
        { weekStart: '0001-01-01', count: 0 },
        { weekStart: '0001-01-08', count: 0 },
      ]);
      expect((await weekly({ workspaceId: ws, from: '9999-12-31', to: '9999-12-31' })).breakdown).toEqual([
        { weekStart: '9999-12-27', count: 0 },
      ]);
      expect((await summary({ workspaceId: ws, from: '9999-12-31', to: '9999-12-31' })).total).toBe(0);
    });

    it('answers a bad range with invalid_query (400) and a message saying what is wrong', async () => {
      const cases: Array<[Partial<LeadsReportQuery>, RegExp]> = [
        [{ from: '2026-3-1' }, /from must be a UTC date written YYYY-MM-DD/],
        [{ to: '01.03.2026' }, /to must be a UTC date written YYYY-MM-DD/],
        [{ from: '2026-02-30' }, /from is not a calendar date: 2026-02-30/],
        [{ from: '2026-03-10', to: '2026-03-01' }, /from \(2026-03-10\) is after to \(2026-03-01\)/],
        [{ from: '2020-01-01', to: '2026-01-01' }, /covers 2193 days; a report covers at most 1000/],
      ];
      for (const [override, message] of cases) {
        for (const subject of REPORT_SUBJECTS) {
          const failure = await failureOf(subject, { workspaceId: ws, from: '2026-03-01', to: '2026-03-07', ...override });
          expect(failure).toEqual({ code: 'invalid_query', message: expect.stringMatching(message) });
        }
      }
    });

    it('answers malformed queries with validation_failed (400), never a 500', async () => {
      const good = { workspaceId: ws, from: '2026-03-01', to: '2026-03-07' };
      const long = 'x'.repeat(100000);
      const payloads: unknown[] = [
        null,
        'metrics please',
        42,
        [good],
        {},
        { ...good, workspaceId: undefined },
        { ...good, workspaceId: '' },
        { ...good, workspaceId: 7 },
        { ...good, from: 20260301 },
        { ...good, to: null },
        { ...good, from: { $gt: '' } },
        { ...good, source: ['landing'] },
        { ...good, offer: 5 },
        { ...good, country: true },
        { ...good, workspaceId: long },
        { ...good, from: long },
        { ...good, source: long },
        { ...good, country: 'D\u0000E' },
      ];
      for (const payload of payloads) {
        for (const subject of REPORT_SUBJECTS) {
          const failure = await failureOf(subject, payload);
          expect({ payload, code: failure.code }).toEqual({ payload, code: 'validation_failed' });
        }
      }
      expect(h.app.output()).not.toContain('unhandled error');
      // Unknown fields are dropped, not refused.
      expect((await daily({ ...good, extra: 'ignored' } as LeadsReportQuery)).total).toBe(5);
    });
  });

  it('loses nothing and counts nothing twice when killed in the middle of a stream of events', async () => {
    const ws = newWorkspace();
    const days = ['2026-04-06', '2026-04-07', '2026-04-08'];
    const publishBatch = (from: number, to: number) =>
      Promise.all(
        Array.from({ length: to - from }, (_, k) => {
          const i = from + k;
          const day = days[i % days.length];
          if (i % 10 === 7) return publishAttribution(ws, i % 20 === 7, { receivedAt: `${day}T10:00:00Z` });
          if (i % 10 === 9) return publishStage(ws, 'hot', { at: `${day}T10:00:00Z` });
          return publishLead(ws, { receivedAt: `${day}T10:00:00Z` });
        }),
      );

    await publishBatch(0, 150);
    await waitFor(async () => (await countedEvents(ws)) > 0, { what: 'the first events counted' });
    const countedAtKill = await countedEvents(ws);
    const restarting = h.restart();
    await publishBatch(150, 300);
    await restarting;
    // Events in flight at the kill come back after the ack wait (3 s); wait past it before the final count.
    // 270 leads (each a lead and a new or returning contact) and 30 stage entries.
    await waitForCounted(ws, 570, 40000);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(await countedEvents(ws)).toBe(570);
    expect(countedAtKill).toBeLessThan(570);

    const report = await summary({ workspaceId: ws, from: '2026-04-06', to: '2026-04-08' });
    expect(report).toMatchObject({ total: 270, newContacts: 255, returningContacts: 15, stageEntries: { hot: 30 } });
    expect((await daily({ workspaceId: ws, from: '2026-04-06', to: '2026-04-08' })).breakdown).toEqual([
      { date: '2026-04-06', count: 90 },
      { date: '2026-04-07', count: 90 },
      { date: '2026-04-08', count: 90 },
    ]);
    expect(await h.db.query(`SELECT 1 FROM metrics.dead_letters WHERE payload LIKE $1`, [`%${ws}%`])).toHaveLength(0);
  }, 90000);

  it('deletes, when it starts, its durable for lead.ingested, which earlier releases counted leads from', async () => {
    const ns = new NatsNamespace(h.namespace);
    const manager = await h.nats.jetstreamManager();
    // Ingestion's stream, as ingestion makes it: metrics consumes nothing of it any more.
    const stream = await ensureStream(manager, ns, Streams.ingestion);
    const retired = ns.durable(eventConsumerName('metrics', EventTypes.leadIngested));
    await manager.consumers.add(stream, {
      durable_name: retired,
      ack_policy: AckPolicy.Explicit,
      filter_subject: ns.subject(EventTypes.leadIngested),
    });
    const names = async () => {
      const all: string[] = [];
      for await (const info of manager.consumers.list(stream)) all.push(info.name);
      return all;
    };
    expect(await names()).toContain(retired);
    await h.restart();
    expect(await names()).not.toContain(retired);

    // A lead.ingested published now is delivered to no consumer of metrics and counts nothing.
    const ws = newWorkspace();
    await h.publish(
      EventTypes.leadIngested,
      {
        leadId: randomUUID(),
        source: 'landing',
        receivedAt: '2026-03-02T10:00:00.000Z',
        email: null,
        emailValid: false,
        phone: null,
        phoneValid: false,
        country: 'DE',
        offer: 'summer',
        firstName: null,
        lastName: null,
      },
      { workspaceId: ws },
    );
    await publishLead(ws);
    await waitForCounted(ws, 2);
    expect(await names()).not.toContain(retired);
  }, 60000);
});
