import {
  type ActivityAttributedData,
  type ActivityDailyReport,
  type ActivityCounts,
  EventTypes,
  RpcSubjects,
  STAGES,
  type StageChangedData,
} from '@leadflow/contracts';
import { AppHarness, type RpcFailure, waitFor } from '@leadflow/testing';
import { JSONCodec } from 'nats';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

const codec = JSONCodec<unknown>();
const newWorkspace = (): string => `ws-${randomUUID().slice(0, 13)}`;

function activity(name: string, occurredAt: string, overrides: Partial<ActivityAttributedData> = {}): ActivityAttributedData {
  return {
    activityId: uuidv7(),
    messageId: randomUUID(),
    contactId: randomUUID(),
    kind: 'track',
    name,
    properties: {},
    traits: {},
    occurredAt,
    receivedAt: '2026-03-03T12:00:00.000Z',
    source: 'web',
    anonymous: true,
    emailValid: false,
    phoneValid: false,
    ...overrides,
  };
}

function stageChange(contactId: string, from: StageChangedData['from'], to: StageChangedData['to'], at: string): StageChangedData {
  return { contactId, from, to, at, source: 'web', offer: null, country: null };
}

/** Sums the breakdown of a report, as the total must be. */
function sumOfBreakdown(report: ActivityDailyReport): ActivityCounts {
  const sum: ActivityCounts = {
    events: 0,
    byName: {},
    stageEntries: { cold: 0, warm: 0, hot: 0, qualified: 0 },
    funnel: { cold: 0, warm: 0, hot: 0, qualified: 0 },
  };
  for (const day of report.breakdown) {
    sum.events += day.events;
    for (const [name, n] of Object.entries(day.byName)) sum.byName[name] = (sum.byName[name] ?? 0) + n;
    for (const stage of STAGES) {
      sum.stageEntries[stage] += day.stageEntries[stage];
      sum.funnel[stage] += day.funnel[stage];
    }
  }
  return sum;
}

/** The metrics app with its real inbox: activity and stage events in over JetStream, the activity report out over RPC. */
describe('metrics: activities per day and name, stage entries and the stage funnel', () => {
  let h: AppHarness;

  beforeAll(async () => {
    h = await AppHarness.start('metrics', { EVENT_ACK_WAIT_SECONDS: '3', EVENT_MAX_DELIVER: '2' });
  }, 90000);

  afterAll(async () => {
    await h?.stop();
  });

  const daily = (workspaceId: string, from: string, to: string) =>
    h.request<ActivityDailyReport>(RpcSubjects.metrics.activityDaily, { workspaceId, from, to });

  const countedActivities = async (workspaceId: string): Promise<number> => {
    const [row] = await h.db.query<{ n: number }>(
      `SELECT coalesce(sum(events), 0)::int AS n FROM metrics.activity_daily_counters WHERE workspace_id = $1`,
      [workspaceId],
    );
    return row?.n ?? 0;
  };

  it('counts each activity once, on the UTC day it occurred, under its name, whatever the redeliveries', async () => {
    const ws = newWorkspace();
    const sent = [
      activity('page_view', '2026-03-01T23:59:59.999Z'),
      activity('page_view', '2026-03-02T01:30:00+02:00'), // still March 1st in UTC
      activity('page_view', '2026-03-02T00:00:00.000Z'),
      activity('signup', '2026-03-02T10:00:00.000Z'),
      activity('demo_request', '2026-03-03T10:00:00.000Z'),
      // Flagged by intake as implausible, so counted on the day it was received instead.
      activity('download', '9999-12-31T23:30:00-01:00', { receivedAt: '2026-03-03T08:00:00.000Z' }),
    ];
    const envelopes = await Promise.all(sent.map((data) => h.publish(EventTypes.activityAttributed, data, { workspaceId: ws })));
    // Duplicate deliveries: the same envelopes again (under new JetStream message ids, which it does deliver)...
    for (const envelope of envelopes.slice(0, 4)) {
      await h.jetstream.publish(`${h.namespace}.${EventTypes.activityAttributed}`, codec.encode(envelope), { msgID: randomUUID() });
    }
    // ...and one activity replayed by its producer under a new event id.
    const replay = await h.publish(EventTypes.activityAttributed, sent[3], { workspaceId: ws });
    const ids = [...envelopes.map((e) => e.id), replay.id];
    await h.waitForRows(`SELECT 1 FROM metrics.inbox WHERE event_id = ANY($1::uuid[])`, [ids], (rows) => rows.length === ids.length);
    await waitFor(async () => (await countedActivities(ws)) >= 6, { what: 'six activities counted' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await countedActivities(ws)).toBe(6);

    const report = await daily(ws, '2026-02-28', '2026-03-04');
    expect(report.breakdown.map((d) => [d.date, d.events, d.byName])).toEqual([
      ['2026-02-28', 0, {}],
      ['2026-03-01', 2, { page_view: 2 }],
      ['2026-03-02', 2, { page_view: 1, signup: 1 }],
      ['2026-03-03', 2, { demo_request: 1, download: 1 }],
      ['2026-03-04', 0, {}],
    ]);
    expect(report.total).toEqual(sumOfBreakdown(report));
    expect(report.total.byName).toEqual({ page_view: 3, signup: 1, demo_request: 1, download: 1 });
  });

  it('reports stage entries per day and the funnel cold → warm → hot → qualified by the day each contact first reached each stage', async () => {
    const ws = newWorkspace();
    const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const changes = [
      stageChange(a, null, 'cold', '2026-04-01T09:00:00Z'),
      stageChange(a, 'cold', 'warm', '2026-04-01T10:00:00Z'),
      stageChange(a, 'warm', 'qualified', '2026-04-02T10:00:00Z'), // passes hot on the way
      stageChange(b, null, 'hot', '2026-04-01T11:00:00Z'), // a first stage: reaches cold, warm and hot
      stageChange(b, 'hot', 'warm', '2026-04-02T11:00:00Z'), // down: reaches nothing new
      stageChange(b, 'warm', 'hot', '2026-04-03T11:00:00Z'), // hot again: already reached on the 1st
      stageChange(c, null, 'cold', '2026-04-03T12:00:00Z'),
      // First seen from cold (its first stage was given under a contact merged into it): reaches cold too.
      stageChange(d, 'cold', 'warm', '2026-04-02T12:00:00Z'),
    ];
    const envelopes = [];
    for (const data of changes) envelopes.push(await h.publish(EventTypes.stageChanged, data, { workspaceId: ws }));
    // A redelivery changes nothing.
    await h.jetstream.publish(`${h.namespace}.${EventTypes.stageChanged}`, codec.encode(envelopes[2]), { msgID: randomUUID() });
    const ids = envelopes.map((e) => e.id);
    await h.waitForRows(`SELECT 1 FROM metrics.inbox WHERE event_id = ANY($1::uuid[])`, [ids], (rows) => rows.length === ids.length);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const report = await daily(ws, '2026-04-01', '2026-04-03');
    expect(report.breakdown.map((d) => [d.date, d.stageEntries, d.funnel])).toEqual([
      ['2026-04-01', { cold: 1, warm: 1, hot: 1, qualified: 0 }, { cold: 2, warm: 2, hot: 1, qualified: 0 }],
      ['2026-04-02', { cold: 0, warm: 2, hot: 0, qualified: 1 }, { cold: 1, warm: 1, hot: 1, qualified: 1 }],
      ['2026-04-03', { cold: 1, warm: 0, hot: 1, qualified: 0 }, { cold: 1, warm: 0, hot: 0, qualified: 0 }],
    ]);
    expect(report.total).toEqual(sumOfBreakdown(report));
    expect(report.total.funnel).toEqual({ cold: 4, warm: 3, hot: 2, qualified: 1 });
  });

  it('refuses a bad range with invalid_query', async () => {
    await expect(daily(newWorkspace(), '2026-04-03', '2026-04-01')).rejects.toMatchObject({
      code: 'invalid_query',
    } satisfies Partial<RpcFailure>);
  });
});
