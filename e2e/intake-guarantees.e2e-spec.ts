import {
  type ContactsDailyReport,
  EventTypes,
  type LeadsDailyReport,
  type LeadsSummaryReport,
  type ServiceName,
} from '@leadflow/contracts';
import { waitFor } from '@leadflow/testing';
import { expectedPeople, expectedScore, inParallel, type LoadPlan, planLoad, type PlannedLead } from './lead-load';
import { E2E_INTAKE_KEY, Platform } from './platform';

/** Redelivery after a SIGKILL comes after the ack wait: keep it short so the suite stays quick. */
const FAST_REDELIVERY = { EVENT_ACK_WAIT_SECONDS: '5', LOG_LEVEL: 'info' };
const TOTAL_REQUESTS = 2000;
const LONG_TEST_MS = 300_000;

interface Answer {
  key: string;
  status: number;
  leadId: string | undefined;
  /** 503s answered before this answer (the sender retried them with the same key). */
  unavailable: number;
}

async function post(platform: Platform, lead: PlannedLead): Promise<{ status: number; leadId?: string }> {
  const response = await fetch(platform.gateway.url('/api/lead'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': lead.key, 'X-Api-Key': E2E_INTAKE_KEY },
    body: JSON.stringify(lead.body),
  });
  const body = (await response.json()) as { lead_id?: string };
  return { status: response.status, leadId: body.lead_id };
}

/**
 * Sends the planned requests to POST /api/lead, `concurrency` at a time, as senders do: a 503 is
 * retried with the same key after a pause. `during(i)` runs before request i.
 */
async function send(platform: Platform, plan: LoadPlan, concurrency: number, during?: (index: number) => Promise<void>): Promise<Answer[]> {
  return inParallel(plan.requests, concurrency, async (lead, index) => {
    await during?.(index);
    for (let unavailable = 0; ; unavailable++) {
      const { status, leadId } = await post(platform, lead);
      if (status !== 503 || unavailable === 20) return { key: lead.key, status, leadId, unavailable };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });
}

const today = () => new Date().toISOString().slice(0, 10);
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

async function count(platform: Platform, sql: string): Promise<number> {
  return Number((await platform.db.query<{ n: string }>(sql))[0]?.n);
}

/** Waits until every stored lead went through contacts, scoring and metrics. */
async function drained(platform: Platform, leads: number): Promise<void> {
  await waitFor(
    async () =>
      (await count(platform, `SELECT count(*) AS n FROM contacts.contact_leads`)) === leads &&
      (await count(platform, `SELECT count(*) AS n FROM scoring.activities WHERE event = 'lead_submitted'`)) === leads &&
      (await countedByMetrics(platform)) === leads &&
      (await count(platform, `SELECT count(*) AS n FROM scoring.outbox WHERE published_at IS NULL`)) === 0 &&
      (await count(platform, `SELECT count(*) AS n FROM contacts.outbox WHERE published_at IS NULL`)) === 0,
    { timeoutMs: 90_000, intervalMs: 500, what: `${leads} leads through contacts, scoring and metrics` },
  );
  // Stage entries reach metrics after scoring publishes them: wait for the counts to match.
  await waitFor(async () => (await stageEntriesMismatch(platform)) === undefined, {
    timeoutMs: 30_000,
    intervalMs: 500,
    what: 'stage entries in metrics',
  });
}

/**
 * Leads metrics has counted, and only when it has also counted each lead's attribution (new or
 * returning): an event whose consumer was killed comes back only after the ack wait.
 */
async function countedByMetrics(platform: Platform): Promise<number> {
  const report = await platform.admin<LeadsSummaryReport>(`/api/v1/metrics/leads/summary?from=${today()}&to=${tomorrow()}`);
  return report.newContacts + report.returningContacts === report.total ? report.total : -1;
}

async function stageEntriesMismatch(platform: Platform): Promise<string | undefined> {
  const published = await platform.published<{ to: string }>(EventTypes.stageChanged);
  const report = await platform.admin<LeadsSummaryReport>(`/api/v1/metrics/leads/summary?from=${today()}&to=${tomorrow()}`);
  for (const stage of ['cold', 'warm', 'hot', 'qualified'] as const) {
    const expected = published.filter((event) => event.data.to === stage).length;
    if (report.stageEntries[stage] !== expected) return `${stage}: metrics ${report.stageEntries[stage]}, scoring published ${expected}`;
  }
  return undefined;
}

/** What must hold after any run of the plan, disturbed or not; returns the order-independent end state. */
async function verifyEndState(platform: Platform, plan: LoadPlan, answers: Answer[]): Promise<string[]> {
  // Every answer is a success, every key got one lead id, and no key was acknowledged 201 twice.
  // (A 201 can be missing: the lead was stored but its answer came too late, so the retry got 409.)
  expect(answers.filter((a) => a.status !== 201 && a.status !== 409)).toEqual([]);
  const idsByKey = new Map<string, Set<string>>();
  for (const answer of answers) idsByKey.set(answer.key, (idsByKey.get(answer.key) ?? new Set()).add(answer.leadId ?? 'missing'));
  expect(idsByKey.size).toBe(plan.distinct.length);
  expect([...idsByKey.values()].filter((ids) => ids.size !== 1)).toEqual([]);
  const created = answers.filter((a) => a.status === 201).map((a) => a.key);
  expect(new Set(created).size).toBe(created.length);
  expect(created.length).toBeGreaterThan(plan.distinct.length * 0.9);

  // Raw rows = distinct keys, and each is the lead id the sender was given.
  const raw = await platform.db.query<{ idempotency_key: string; id: string }>(`SELECT idempotency_key, id FROM ingestion.raw_leads`);
  expect(raw.length).toBe(plan.distinct.length);
  for (const row of raw) expect(idsByKey.get(row.idempotency_key)).toEqual(new Set([row.id]));

  await drained(platform, plan.distinct.length);

  // One contact per person.
  const person = expectedPeople(plan.distinct);
  const keyById = new Map(raw.map((row) => [row.id, row.idempotency_key]));
  const attributions = await platform.db.query<{ lead_id: string; contact_id: string; merged_into: string | null }>(
    `SELECT cl.lead_id, cl.contact_id, c.merged_into FROM contacts.contact_leads cl JOIN contacts.contacts c ON c.id = cl.contact_id`,
  );
  expect(attributions.filter((a) => a.merged_into !== null)).toEqual([]);
  const contactOfPerson = new Map<number, Set<string>>();
  for (const a of attributions) {
    const who = person.get(keyById.get(a.lead_id) ?? '') ?? -1;
    contactOfPerson.set(who, (contactOfPerson.get(who) ?? new Set()).add(a.contact_id));
  }
  expect([...contactOfPerson.values()].filter((contacts) => contacts.size !== 1)).toEqual([]);
  const livePeople = new Set(person.values()).size;
  expect(await count(platform, `SELECT count(*) AS n FROM contacts.contacts WHERE merged_into IS NULL`)).toBe(livePeople);

  // Every score is what the rules give for that person's leads, and every stage follows from it.
  const scores = await platform.db.query<{ contact_id: string; score: number; stage: string }>(
    `SELECT contact_id, score, stage FROM scoring.contact_scores WHERE state = 'active'`,
  );
  const scoreOf = new Map(scores.map((s) => [s.contact_id, s]));
  const leadsOfPerson = new Map<number, PlannedLead[]>();
  for (const lead of plan.distinct)
    leadsOfPerson.set(person.get(lead.key) ?? -1, [...(leadsOfPerson.get(person.get(lead.key) ?? -1) ?? []), lead]);
  const endState: string[] = [];
  const wrongScores: string[] = [];
  for (const [who, leads] of leadsOfPerson) {
    const contactId = [...(contactOfPerson.get(who) ?? [])][0] ?? '';
    const actual = scoreOf.get(contactId);
    const expected = expectedScore(leads);
    const stage = expected >= 100 ? 'qualified' : expected >= 50 ? 'hot' : expected >= 20 ? 'warm' : 'cold';
    if (actual?.score !== expected || actual.stage !== stage)
      wrongScores.push(`${contactId}: ${actual?.score}/${actual?.stage}, expected ${expected}/${stage}`);
    endState.push(
      `${leads
        .map((l) => l.key)
        .sort()
        .join(',')} → ${actual?.score}/${actual?.stage}`,
    );
  }
  expect(wrongScores).toEqual([]);

  // Metrics equal ingestion's own count, and what contacts and scoring published, exactly.
  const summary = await platform.admin<LeadsSummaryReport>(`/api/v1/metrics/leads/summary?from=${today()}&to=${tomorrow()}`);
  const daily = await platform.admin<LeadsDailyReport>(`/api/v1/metrics/leads/daily?from=${today()}&to=${tomorrow()}`);
  expect(summary.total).toBe(raw.length);
  expect(daily.total).toBe(raw.length);
  expect(daily.breakdown.reduce((sum, day) => sum + day.count, 0)).toBe(daily.total);
  const newContacts = (await platform.published<{ isNewContact: boolean }>(EventTypes.leadAttributed)).filter(
    (event) => event.data.isNewContact,
  ).length;
  expect(summary.newContacts).toBe(newContacts);
  expect(summary.newContacts).toBe(await count(platform, `SELECT count(*) AS n FROM contacts.contacts`));
  expect(summary.newContacts + summary.returningContacts).toBe(raw.length);
  // Each contact a lead made is counted as created once, with its lead (its contact.created names
  // the lead and is not counted again).
  const contactsDaily = await platform.admin<ContactsDailyReport>(`/api/v1/metrics/contacts/daily?from=${today()}&to=${tomorrow()}`);
  expect(contactsDaily.total.created).toBe(newContacts);
  expect(await stageEntriesMismatch(platform)).toBeUndefined();
  endState.push(`metrics total ${summary.total}; by source ${JSON.stringify(summary.breakdown)}`);
  return endState.sort();
}

describe('intake guarantees against the running platform', () => {
  const plan = planLoad(TOTAL_REQUESTS, 7);
  let undisturbed: string[];

  it(
    `keeps every promise for ${TOTAL_REQUESTS} concurrent leads with 20 % retried keys and 30 % returning people`,
    async () => {
      const platform = await Platform.start({ env: FAST_REDELIVERY });
      try {
        const started = Date.now();
        const answers = await send(platform, plan, 50);
        process.stdout.write(
          `${TOTAL_REQUESTS} requests answered in ${Date.now() - started} ms; ${answers.reduce((n, a) => n + a.unavailable, 0)} 503s retried\n`,
        );
        undisturbed = await verifyEndState(platform, plan, answers);
      } finally {
        await platform.stop();
      }
    },
    LONG_TEST_MS,
  );

  it(
    'reaches the same end state when contacts, scoring and metrics are SIGKILLed during the run',
    async () => {
      expect(undisturbed).toBeDefined();
      const platform = await Platform.start({ env: FAST_REDELIVERY });
      const victims: Array<[number, ServiceName]> = [
        [400, 'contacts'],
        [800, 'scoring'],
        [1200, 'metrics'],
      ];
      const restarts: Array<Promise<void>> = [];
      try {
        const answers = await send(platform, plan, 50, async (index) => {
          const victim = victims.find(([at]) => at === index)?.[1];
          if (!victim) return;
          await platform.kill(victim);
          restarts.push(new Promise((resolve) => setTimeout(resolve, 500)).then(() => platform.restart(victim)));
        });
        await Promise.all(restarts);
        expect(await verifyEndState(platform, plan, answers)).toEqual(undisturbed);
      } finally {
        await platform.stop();
      }
    },
    LONG_TEST_MS,
  );

  describe('with NATS stopped during intake', () => {
    let platform: Platform;

    beforeAll(async () => {
      platform = await Platform.start({ env: FAST_REDELIVERY });
    });

    afterAll(async () => {
      await platform?.stop();
    });

    it('answers 503 fast while NATS is down, 201 again once it is back, and every acknowledged lead flows through', async () => {
      const small = planLoad(300, 11);
      const before = await send(platform, { requests: small.requests.slice(0, 100), distinct: [] }, 10);

      await platform.nats.stop();
      const during = await inParallel(small.requests.slice(100, 140), 5, async (lead) => {
        const started = Date.now();
        const response = await fetch(platform.gateway.url('/api/lead'), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': lead.key, 'X-Api-Key': E2E_INTAKE_KEY },
          body: JSON.stringify(lead.body),
        });
        return {
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          body: await response.json(),
          ms: Date.now() - started,
        };
      });
      expect(during.map((d) => d.status)).toEqual(during.map(() => 503));
      expect(during.every((d) => d.retryAfter !== null && (d.body as { error: string }).error === 'unavailable')).toBe(true);
      // A request racing the disconnect may wait out the intake deadline (3 s); the rest fail at once
      // (the bounds leave a busy machine room: a gateway waiting out the deadline would take 3 s each).
      const times = during.map((d) => d.ms).sort((a, b) => a - b);
      expect(times.at(-1)).toBeLessThan(5000);
      expect(times[Math.floor(times.length / 2)]).toBeLessThan(1000);

      await platform.nats.start();
      // Senders retry what got a 503 with the same key, then go on.
      const after = await waitFor(
        async () => {
          const answers = await send(platform, { requests: small.requests.slice(100), distinct: [] }, 10);
          return answers.every((a) => a.status === 201 || a.status === 409) ? answers : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500, what: '201s after NATS returned' },
      );

      const acknowledged = new Map([...before, ...after].filter((a) => a.leadId).map((a) => [a.key, a.leadId as string]));
      expect(acknowledged.size).toBe(small.distinct.length);
      await drained(platform, acknowledged.size);
      const attributed = new Set(
        (await platform.db.query<{ lead_id: string }>(`SELECT lead_id FROM contacts.contact_leads`)).map((r) => r.lead_id),
      );
      expect([...acknowledged.values()].filter((id) => !attributed.has(id))).toEqual([]);
    });
  });
});
