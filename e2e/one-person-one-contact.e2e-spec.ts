import { ActivityTypes, type LeadsSummaryReport, type ServiceName } from '@leadflow/contracts';
import { inParallel, random } from './lead-load';
import { E2E_INTAKE_KEY, Platform } from './platform';

/**
 * Issue 21's crash test, as its reporter ran it: people each send a lead with email and phone, one
 * with the email only and one with the phone only, over 24 connections, a quarter of the sends
 * repeated with the same key, senders retrying blindly on 5xx and broken connections. Every person
 * must end as one live contact holding both identities, scored once for everything they sent.
 *
 * A tenth of the people give a phone that parses but cannot exist. It identifies nobody, so their
 * phone-only lead makes a contact of its own, and the phone stays on the leads: before the fix it
 * also reached both contacts' `phone` column, the split the issue reported.
 */

/** Redelivery after a SIGKILL comes after the ack wait: keep it short so the suite stays quick. */
const FAST_REDELIVERY = { EVENT_ACK_WAIT_SECONDS: '5', LOG_LEVEL: 'info' };
const CONNECTIONS = 24;
const REPEATED_SHARE = 0.25;
/** A sender gives up on a lead after this long; the suite then reports the lead as not acknowledged. */
const SEND_DEADLINE_MS = 90_000;
const UNDISTURBED_PEOPLE = 300;
const UNDISTURBED_ROUNDS = 3;
const KILLED_PEOPLE = 300;
/**
 * Under kills the sends go in waves at full concurrency with pauses between them, so that the load
 * lasts as long as four kills and restarts do and each app dies while leads are flowing through it.
 */
const KILLED_WAVES = { size: 100, pauseMs: 2000 };
const VICTIMS: readonly ServiceName[] = ['contacts', 'scoring', 'ingestion', 'metrics'];
const LONG_TEST_MS = 240_000;
/** How many split people the failure report describes row by row. */
const DESCRIBED_PEOPLE = 5;
/** Every how many people one gives a phone that identifies nobody. */
const UNIDENTIFYING_PHONE_EVERY = 10;

type LeadKind = 'email and phone' | 'email only' | 'phone only';

interface Person {
  index: number;
  email: string;
  phone: string;
  /** Whether the phone is valid, so an identity; the email always is. */
  phoneIdentifies: boolean;
  leads: PlannedLead[];
}

interface PlannedLead {
  key: string;
  kind: LeadKind;
  person: Person;
  body: Record<string, unknown>;
}

interface Round {
  label: string;
  people: Person[];
  distinct: PlannedLead[];
  /** Every send in order: each distinct lead once, a quarter of them twice. */
  sends: PlannedLead[];
}

/**
 * `count` people of round `round`: numbers +49151 <round> <7 digits> are valid German mobiles for
 * libphonenumber's full metadata, so those phones identify their person; +49199 <round> <5 digits>
 * parse as E.164 but are invalid (no such German range). A person's three leads are sent close
 * together (in one window of shuffled sends), so that they race each other through intake and land
 * in the same or neighbouring batches of contacts.
 */
function planRound(round: number, count: number, seed: number): Round {
  const next = random(seed);
  const kinds: LeadKind[] = ['email and phone', 'email only', 'phone only'];
  const people: Person[] = [];
  const distinct: PlannedLead[] = [];
  for (let index = 0; index < count; index++) {
    const phoneIdentifies = index % UNIDENTIFYING_PHONE_EVERY !== UNIDENTIFYING_PHONE_EVERY - 1;
    const person: Person = {
      index,
      email: `r${round}.person${index}@one-person.example.com`,
      phone: phoneIdentifies ? `+49151${round}${String(index).padStart(7, '0')}` : `+49199${round}${String(index).padStart(5, '0')}`,
      phoneIdentifies,
      leads: [],
    };
    for (const kind of shuffle(kinds, next)) {
      const lead: PlannedLead = {
        key: `one-person-${round}-${index}-${kind.replace(/ /g, '-')}`,
        kind,
        person,
        body: {
          firstName: `Person${index}`,
          lastName: `Round${round}`,
          email: kind === 'phone only' ? undefined : person.email,
          phone: kind === 'email only' ? undefined : person.phone,
          country: 'DE',
          offer: 'alpha',
          click_id: `click-${round}-${index}-${kind}`,
          lang: 'de',
        },
      };
      person.leads.push(lead);
      distinct.push(lead);
    }
    people.push(person);
  }
  // A repeat goes near its first send (at most a window away, before or after it).
  const slots = distinct.map((lead, position) => ({ lead, position }));
  for (const lead of distinct) {
    if (next() >= REPEATED_SHARE) continue;
    const position = distinct.indexOf(lead) + Math.floor((next() - 0.5) * 2 * CONNECTIONS);
    slots.push({ lead, position });
  }
  slots.sort((a, b) => a.position - b.position);
  const sends: PlannedLead[] = [];
  for (let start = 0; start < slots.length; start += CONNECTIONS) {
    sends.push(...shuffle(slots.slice(start, start + CONNECTIONS), next).map((slot) => slot.lead));
  }
  return { label: `round ${round}`, people, distinct, sends };
}

function shuffle<T>(items: readonly T[], next: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

interface Answer {
  lead: PlannedLead;
  /** The last status seen; 0 when the last try got no HTTP answer at all. */
  status: number;
  leadId: string | undefined;
  /** Tries after the first (5xx answers and broken connections). */
  retries: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends every planned lead as a blind sender does: on a 5xx or a broken connection, the same body
 * with the same key again after a short pause, until a 201 or a 409 (the lead was stored by an
 * earlier try) or any other 4xx, which the suite reports. In `waves`, when given.
 */
async function sendAll(
  platform: Platform,
  round: Round,
  onAnswer: () => void,
  waves?: { size: number; pauseMs: number },
): Promise<Answer[]> {
  if (!waves) return sendWave(platform, round.sends, onAnswer);
  const answers: Answer[] = [];
  for (let start = 0; start < round.sends.length; start += waves.size) {
    if (start > 0) await sleep(waves.pauseMs);
    answers.push(...(await sendWave(platform, round.sends.slice(start, start + waves.size), onAnswer)));
  }
  return answers;
}

async function sendWave(platform: Platform, sends: PlannedLead[], onAnswer: () => void): Promise<Answer[]> {
  return inParallel(sends, CONNECTIONS, async (lead) => {
    const deadline = Date.now() + SEND_DEADLINE_MS;
    for (let retries = 0; ; retries++) {
      const { status, leadId } = await post(platform, lead).catch(() => ({ status: 0, leadId: undefined }));
      if ((status > 0 && status < 500) || Date.now() > deadline) {
        onAnswer();
        return { lead, status, leadId, retries };
      }
      await sleep(100 + Math.floor(Math.random() * 150));
    }
  });
}

async function post(platform: Platform, lead: PlannedLead): Promise<{ status: number; leadId: string | undefined }> {
  const response = await fetch(platform.gateway.url('/api/lead'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': lead.key, 'X-Api-Key': E2E_INTAKE_KEY },
    body: JSON.stringify(lead.body),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await response.json().catch(() => ({}))) as { lead_id?: string };
  return { status: response.status, leadId: body.lead_id };
}

interface Kill {
  service: ServiceName;
  /** Sends answered when the app was killed. */
  answeredAt: number;
  /** Rows the app had committed when it was killed (see `committed`), and whether that number was rising. */
  committedAt: number;
  busy: boolean;
  restartMs: number;
}

/**
 * Rows of the leads each app handles without an inbox row (`@ConsumesEvents(type, { idempotent: true })`):
 * keyed by the lead, they show its commits as inbox rows show the others'.
 */
const KEYED_EFFECTS: Partial<Record<ServiceName, string>> = {
  contacts: 'contacts.contact_leads',
  scoring: 'scoring.activities',
  metrics: 'metrics.counted_lead_events',
};

/** What an app has committed so far: leads stored by ingestion, events processed by the others. */
async function committed(platform: Platform, service: ServiceName): Promise<number> {
  if (service === 'ingestion') return count(platform, `SELECT count(*) AS n FROM ingestion.raw_leads`);
  const keyed = KEYED_EFFECTS[service];
  return count(platform, `SELECT (SELECT count(*) FROM ${service}.inbox)${keyed ? ` + (SELECT count(*) FROM ${keyed})` : ''} AS n`);
}

/**
 * Kills the victims with SIGKILL one after the other, each restarted on its port before the next
 * is killed. The first dies once a tenth of the sends are answered, the others at further steps of
 * the load; each at a moment its commits are rising, so that it dies among batches in flight (after
 * 10 s without one, it dies anyway).
 */
async function killInTurn(platform: Platform, victims: readonly ServiceName[], answered: () => number, total: number): Promise<Kill[]> {
  const kills: Kill[] = [];
  for (const [turn, service] of victims.entries()) {
    const threshold = Math.floor(total * (0.1 + (0.8 * turn) / victims.length));
    while (answered() < threshold) await sleep(20);
    let committedAt = await committed(platform, service);
    let busy = false;
    for (const idleUntil = Date.now() + 10_000; !busy && Date.now() < idleUntil;) {
      await sleep(5);
      const now = await committed(platform, service);
      busy = now > committedAt;
      committedAt = now;
    }
    const answeredAt = answered();
    await platform.kill(service);
    await sleep(500);
    const started = Date.now();
    await platform.restart(service);
    kills.push({ service, answeredAt, committedAt, busy, restartMs: Date.now() - started });
  }
  return kills;
}

async function rows<T>(platform: Platform, sql: string, params: unknown[] = []): Promise<T[]> {
  return platform.db.query<T>(sql, params);
}

async function count(platform: Platform, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await rows<{ n: string }>(platform, sql, params))[0]?.n);
}

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

async function leadSummary(platform: Platform): Promise<LeadsSummaryReport> {
  return platform.admin<LeadsSummaryReport>(`/api/v1/metrics/leads/summary?from=${day(-1)}&to=${day(1)}`);
}

/**
 * What still lags behind: leads not attributed or not scored, outbox rows not published, merges
 * scoring has not seen, leads metrics has not counted (with their attribution). Undefined once
 * everything acknowledged went all the way through.
 */
async function lagging(platform: Platform, leadIds: string[], countedLeads: number): Promise<string | undefined> {
  const lags: string[] = [];
  const attributed = await count(platform, `SELECT count(*) AS n FROM contacts.contact_leads WHERE lead_id = ANY($1::uuid[])`, [leadIds]);
  if (attributed !== leadIds.length) lags.push(`${attributed}/${leadIds.length} leads attributed`);
  const scored = await count(
    platform,
    `SELECT count(DISTINCT activity_id) AS n FROM scoring.activities WHERE activity_id = ANY($1::text[])`,
    [leadIds],
  );
  if (scored !== leadIds.length) lags.push(`${scored}/${leadIds.length} leads scored`);
  for (const schema of ['ingestion', 'contacts', 'scoring']) {
    const unpublished = await count(platform, `SELECT count(*) AS n FROM ${schema}.outbox WHERE published_at IS NULL`);
    if (unpublished > 0) lags.push(`${unpublished} ${schema} outbox rows unpublished`);
  }
  const merged = await count(platform, `SELECT count(*) AS n FROM contacts.contacts WHERE merged_into IS NOT NULL`);
  const mergesSeen = await count(platform, `SELECT count(*) AS n FROM scoring.contact_merges`);
  if (mergesSeen !== merged) lags.push(`scoring saw ${mergesSeen}/${merged} merges`);
  const summary = await leadSummary(platform);
  if (summary.total !== countedLeads || summary.newContacts + summary.returningContacts !== summary.total)
    lags.push(`metrics counted ${summary.total}/${countedLeads} leads, ${summary.newContacts + summary.returningContacts} attributions`);
  return lags.length > 0 ? lags.join('; ') : undefined;
}

async function deadLetters(platform: Platform): Promise<Array<{ schema: string; consumer: string; error: string }>> {
  const found: Array<{ schema: string; consumer: string; error: string }> = [];
  for (const schema of ['ingestion', 'contacts', 'scoring', 'metrics']) {
    const letters = await rows<{ consumer: string; error: string }>(platform, `SELECT consumer, error FROM ${schema}.dead_letters`);
    found.push(...letters.map((letter) => ({ schema, ...letter })));
  }
  return found;
}

/** Waits for the pipeline to drain; returns what still lagged when it gave up (or a dead letter). */
async function drain(platform: Platform, leadIds: string[], countedLeads: number): Promise<string | undefined> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const letters = await deadLetters(platform);
    if (letters.length > 0) return `dead letters: ${JSON.stringify(letters.slice(0, 5))}`;
    const lag = await lagging(platform, leadIds, countedLeads).catch((error: unknown) => String(error));
    if (lag === undefined || Date.now() > deadline) return lag;
    await sleep(500);
  }
}

/**
 * The contacts a person must end as: one holding everything when the phone is valid; else one by
 * the email with the two leads that carry it, and one with no identity for the phone-only lead.
 */
function contactsExpectedOf(person: Person): Array<{ leads: PlannedLead[]; email: string | null; phone: string | null }> {
  if (person.phoneIdentifies) return [{ leads: person.leads, email: person.email, phone: person.phone }];
  return [
    { leads: person.leads.filter((lead) => lead.kind !== 'phone only'), email: person.email, phone: null },
    { leads: person.leads.filter((lead) => lead.kind === 'phone only'), email: null, phone: null },
  ];
}

/** What the active rules give one contact for these leads: each lead once, each fit rule once per contact. */
async function scoreRules(platform: Platform): Promise<(leads: PlannedLead[]) => number> {
  // Every workspace starts with the same default rules; the leads' workspace holds them once scored.
  const rules = await rows<{
    kind: string;
    event: string;
    conditions: Array<{ path: string; op: string; value?: unknown }>;
    points: number;
  }>(
    platform,
    `SELECT DISTINCT ON ("id") "kind", "event", "conditions", "points" FROM scoring.workspace_rules WHERE "active" ORDER BY "id", "workspace_id"`,
  );
  return (leads) => {
    const traits: Record<string, boolean> = {
      // The fit facts a lead carries as traits (every planned email is valid).
      'traits.emailValid': leads.some((lead) => lead.kind !== 'phone only'),
      'traits.phoneValid': leads.some((lead) => lead.kind !== 'email only' && lead.person.phoneIdentifies),
    };
    const activityPoints = rules
      .filter((rule) => rule.kind === 'engagement' && rule.event === ActivityTypes.leadSubmitted && rule.conditions.length === 0)
      .reduce((sum, rule) => sum + rule.points, 0);
    const fitPoints = rules
      .filter(
        (rule) => rule.kind === 'fit' && rule.conditions.every((c) => c.op === 'equals' && c.value === true && traits[c.path] === true),
      )
      .reduce((sum, rule) => sum + rule.points, 0);
    return leads.length * activityPoints + fitPoints;
  };
}

interface Verdict {
  acknowledged: number;
  lost: string[];
  refused: string[];
  lag: string | undefined;
  split: Array<{ person: string; why: string[] }>;
  wrongScores: Array<{ person: string; contactId: string; score: number | null; expected: number }>;
  metricsTotal: number;
}

/**
 * Checks one round against the database: nothing acknowledged lost, one live contact per person
 * holding both identities and all three leads (two for a person whose phone identifies nobody, see
 * `contactsExpectedOf`), no other contact carrying their email or phone, every score exact, metrics' totals equal to the
 * distinct acknowledged leads (`countedBefore` from earlier rounds on the same platform).
 */
async function verify(platform: Platform, round: Round, answers: Answer[], countedBefore: number): Promise<Verdict> {
  const refused = answers.filter((a) => a.status !== 201 && a.status !== 409).map((a) => `${a.lead.key}: ${a.status}`);
  const idsByKey = new Map<string, Set<string>>();
  for (const answer of answers) {
    if (answer.leadId) idsByKey.set(answer.lead.key, (idsByKey.get(answer.lead.key) ?? new Set()).add(answer.leadId));
  }
  for (const [key, ids] of idsByKey) if (ids.size !== 1) refused.push(`${key}: answered with ${ids.size} lead ids`);
  const leadIdOf = new Map([...idsByKey].map(([key, ids]) => [key, [...ids][0] as string]));
  const leadIds = [...leadIdOf.values()];

  const stored = new Set(
    (await rows<{ id: string }>(platform, `SELECT id FROM ingestion.leads WHERE id = ANY($1::uuid[])`, [leadIds])).map((r) => r.id),
  );
  const lost = [...leadIdOf].filter(([, id]) => !stored.has(id)).map(([key, id]) => `${key} (${id}) not stored`);
  const lag = await drain(platform, leadIds, countedBefore + leadIds.length);

  const attributions = await rows<{ lead_id: string; contact_id: string }>(
    platform,
    `SELECT lead_id, contact_id FROM contacts.contact_leads WHERE lead_id = ANY($1::uuid[])`,
    [leadIds],
  );
  const contactOfLead = new Map(attributions.map((a) => [a.lead_id, a.contact_id]));
  lost.push(...[...leadIdOf].filter(([, id]) => !contactOfLead.has(id)).map(([key, id]) => `${key} (${id}) not attributed`));

  const values = round.people.flatMap((p) => [p.email, p.phone]);
  const leadContacts = [...new Set(contactOfLead.values())];
  const identities = await rows<{ kind: string; value: string; contact_id: string }>(
    platform,
    `SELECT kind, value, contact_id FROM contacts.contact_identities WHERE value = ANY($1::text[]) OR contact_id = ANY($2::uuid[])`,
    [values, leadContacts],
  );
  const ownerOf = new Map(identities.map((i) => [`${i.kind}:${i.value}`, i.contact_id]));
  const identitiesOf = new Map<string, string[]>();
  for (const i of identities) identitiesOf.set(i.contact_id, [...(identitiesOf.get(i.contact_id) ?? []), `${i.kind}:${i.value}`].sort());
  const contacts = await rows<{ id: string; email: string | null; phone: string | null; merged_into: string | null }>(
    platform,
    `SELECT id, email, phone, merged_into FROM contacts.contacts
     WHERE email = ANY($1::text[]) OR phone = ANY($1::text[]) OR id = ANY($2::uuid[])`,
    [values, [...new Set([...leadContacts, ...ownerOf.values()])]],
  );
  const contactById = new Map(contacts.map((c) => [c.id, c]));
  const scores = await rows<{ contact_id: string; score: number }>(
    platform,
    `SELECT contact_id, score FROM scoring.contact_scores WHERE state = 'active' AND contact_id = ANY($1::uuid[])`,
    [contacts.map((c) => c.id)],
  );
  const scoreOf = new Map(scores.map((s) => [s.contact_id, s.score]));
  const scoreFor = await scoreRules(platform);

  const split: Verdict['split'] = [];
  const wrongScores: Verdict['wrongScores'] = [];
  for (const person of round.people) {
    const why: string[] = [];
    const expectedContacts = contactsExpectedOf(person);
    const found = new Set<string>();
    for (const expected of expectedContacts) {
      const kinds = expected.leads.map((lead) => lead.kind).join(' + ');
      const holders = new Set(expected.leads.map((lead) => contactOfLead.get(leadIdOf.get(lead.key) ?? '') ?? 'none'));
      const contact = holders.size === 1 ? contactById.get([...holders][0] as string) : undefined;
      if (!contact || contact.merged_into !== null) {
        why.push(`leads ${kinds} on ${[...holders].join(', ')}, expected on one live contact`);
        continue;
      }
      if (found.has(contact.id)) why.push(`leads ${kinds} on ${contact.id}, which holds other leads of the person too`);
      found.add(contact.id);
      if (contact.email !== expected.email || contact.phone !== expected.phone)
        why.push(
          `contact of ${kinds} has email ${contact.email} and phone ${contact.phone}, expected ${expected.email} and ${expected.phone}`,
        );
      const own = identitiesOf.get(contact.id) ?? [];
      const wanted = [expected.email && `email:${expected.email}`, expected.phone && `phone:${expected.phone}`].filter(Boolean).sort();
      if (own.join() !== wanted.join())
        why.push(`contact of ${kinds} holds identities [${own.join(', ')}], expected [${wanted.join(', ')}]`);
      const score = scoreOf.get(contact.id) ?? null;
      const expectedScore = scoreFor(expected.leads);
      if (score !== expectedScore) wrongScores.push({ person: person.email, contactId: contact.id, score, expected: expectedScore });
    }
    // No other live contact carries the person's email or phone, and a phone that cannot exist is nobody's identity.
    const strangers = contacts.filter(
      (c) => c.merged_into === null && !found.has(c.id) && (c.email === person.email || c.phone === person.phone),
    );
    if (strangers.length > 0) why.push(`other live contacts carry its email or phone: ${strangers.map((c) => c.id).join(', ')}`);
    if (!person.phoneIdentifies && ownerOf.has(`phone:${person.phone}`))
      why.push(`its invalid phone is an identity of ${ownerOf.get(`phone:${person.phone}`)}`);
    if (why.length > 0) split.push({ person: person.email, why });
  }
  const summary = await leadSummary(platform);
  return { acknowledged: leadIds.length, lost, refused, lag, split, wrongScores, metricsTotal: summary.total };
}

/**
 * Everything the database holds about one person: its contacts, identities, leads and scores, and
 * the events about it still waiting in an outbox, with when their consumer processed them.
 */
async function describePerson(platform: Platform, person: Person, answers: Answer[]): Promise<Record<string, unknown>> {
  const keys = person.leads.map((lead) => lead.key);
  const leadIds = [...new Set(answers.filter((a) => keys.includes(a.lead.key) && a.leadId).map((a) => a.leadId as string))];
  const identities = await rows<{ contact_id: string }>(
    platform,
    `SELECT kind, value, contact_id, created_at FROM contacts.contact_identities WHERE value = ANY($1::text[]) ORDER BY created_at`,
    [[person.email, person.phone]],
  );
  const leads = await rows<{ contact_id: string }>(
    platform,
    `SELECT lead_id, contact_id, received_at, attributed_at FROM contacts.contact_leads WHERE lead_id = ANY($1::uuid[]) ORDER BY attributed_at`,
    [leadIds],
  );
  const contactIds = [...new Set([...identities, ...leads].map((row) => row.contact_id))];
  const contacts = await rows<{ id: string; merged_into: string | null }>(
    platform,
    `SELECT id, email, phone, merged_into, created_at, updated_at FROM contacts.contacts
     WHERE id = ANY($1::uuid[]) OR merged_into = ANY($1::uuid[]) OR email = $2 OR phone = $3 ORDER BY created_at`,
    [contactIds, person.email, person.phone],
  );
  const allContactIds = [...new Set([...contactIds, ...contacts.flatMap((c) => [c.id, c.merged_into ?? c.id])])];
  return {
    person: { email: person.email, phone: person.phone, leads: person.leads.map((lead) => `${lead.key} → ${lead.kind}`) },
    answers: answers
      .filter((a) => keys.includes(a.lead.key))
      .map((a) => `${a.lead.key}: ${a.status} ${a.leadId ?? ''} after ${a.retries} retries`),
    contacts,
    identities,
    leads,
    // Events still in an outbox (a published row leaves it): what has not reached JetStream yet.
    ingestedPending: await rows(
      platform,
      `SELECT o.seq, o.envelope->'data'->>'leadId' AS lead_id, o.created_at, l.attributed_at AS contacts_attributed_at
       FROM ingestion.outbox o LEFT JOIN contacts.contact_leads l ON l.lead_id::text = o.envelope->'data'->>'leadId'
       WHERE o.type = 'lead.ingested' AND o.envelope->'data'->>'leadId' = ANY($1::text[]) ORDER BY l.attributed_at NULLS LAST, o.seq`,
      [leadIds],
    ),
    contactEventsPending: await rows(
      platform,
      `SELECT o.seq, o.type, o.envelope->'data' AS data, o.created_at, coalesce(i.processed_at, a.recorded_at) AS scoring_processed_at
       FROM contacts.outbox o LEFT JOIN scoring.inbox i ON i.event_id = o.id
       LEFT JOIN scoring.activities a ON o.type = 'lead.attributed' AND a.activity_id = o.envelope->'data'->>'leadId'
       WHERE o.envelope->'data'->>'leadId' = ANY($1::text[]) OR o.envelope->'data'->>'contactId' = ANY($2::text[])
          OR o.envelope->'data'->>'survivorId' = ANY($2::text[]) OR o.envelope->'data'->>'mergedId' = ANY($2::text[])
       ORDER BY o.seq`,
      [leadIds, allContactIds],
    ),
    scores: await rows(platform, `SELECT contact_id, score, stage, state FROM scoring.contact_scores WHERE contact_id = ANY($1::uuid[])`, [
      allContactIds,
    ]),
    scoreHistory: await rows(
      platform,
      `SELECT contact_id, activity_id, rule_id, points, recorded_at FROM scoring.score_history WHERE contact_id = ANY($1::uuid[]) ORDER BY id`,
      [allContactIds],
    ),
    scoringMerges: await rows(
      platform,
      `SELECT merged_id, survivor_id, merged_at, recorded_at FROM scoring.contact_merges WHERE merged_id = ANY($1::uuid[]) OR survivor_id = ANY($1::uuid[])`,
      [allContactIds],
    ),
  };
}

/** Prints the round's figures and, for a split person or a wrong score, what the database held. */
async function report(
  platform: Platform,
  round: Round,
  answers: Answer[],
  verdict: Verdict,
  extra: { kills?: Kill[]; durationMs: number },
): Promise<void> {
  const retries = answers.reduce((sum, a) => sum + a.retries, 0);
  const kills =
    extra.kills
      ?.map(
        (k) => `${k.service} at ${k.answeredAt} answered/${k.committedAt} committed${k.busy ? '' : ' (idle)'} (restart ${k.restartMs} ms)`,
      )
      .join(', ') ?? 'none';
  process.stdout.write(
    `[one-person-one-contact] ${round.label}: ${round.people.length} people ` +
      `(${round.people.filter((p) => !p.phoneIdentifies).length} with a phone that identifies nobody), ${round.distinct.length} leads, ` +
      `${round.sends.length} sends, ${retries} retries, kills: ${kills}; ${verdict.acknowledged} acknowledged, ` +
      `${verdict.lost.length} lost, ${verdict.split.length} split people, ${verdict.wrongScores.length} score mismatches, ` +
      `metrics total ${verdict.metricsTotal}, ${extra.durationMs} ms\n`,
  );
  const suspects = new Set([...verdict.split.map((s) => s.person), ...verdict.wrongScores.map((w) => w.person)]);
  for (const email of [...suspects].slice(0, DESCRIBED_PEOPLE)) {
    const person = round.people.find((p) => p.email === email);
    if (!person) continue;
    process.stdout.write(
      `[one-person-one-contact] ${round.label}: ${email}\n${JSON.stringify(await describePerson(platform, person, answers), null, 2)}\n`,
    );
  }
}

function expectExact(verdict: Verdict): void {
  expect(verdict.refused).toEqual([]);
  expect(verdict.lag).toBeUndefined();
  expect(verdict.lost).toEqual([]);
  expect(verdict.split).toEqual([]);
  expect(verdict.wrongScores).toEqual([]);
}

describe('one person, one contact, against the running platform', () => {
  describe(`${UNDISTURBED_PEOPLE} people a round, ${UNDISTURBED_ROUNDS} rounds, nothing killed`, () => {
    let platform: Platform;
    /** Distinct leads acknowledged by earlier rounds: metrics counts them all. */
    let counted = 0;

    beforeAll(async () => {
      platform = await Platform.start({ env: FAST_REDELIVERY });
    }, LONG_TEST_MS);

    afterAll(async () => {
      await platform?.stop();
    }, LONG_TEST_MS);

    it.each(Array.from({ length: UNDISTURBED_ROUNDS }, (_, i) => i + 1))(
      'round %i: every person is one live contact holding both identities, all their leads and the exact score',
      async (roundNumber) => {
        const round = planRound(roundNumber, UNDISTURBED_PEOPLE, 2100 + roundNumber);
        const started = Date.now();
        const answers = await sendAll(platform, round, () => undefined);
        const verdict = await verify(platform, round, answers, counted);
        counted += verdict.acknowledged;
        await report(platform, round, answers, verdict, { durationMs: Date.now() - started });
        expectExact(verdict);
        expect(verdict.acknowledged).toBe(round.distinct.length);
        expect(verdict.metricsTotal).toBe(counted);
      },
      LONG_TEST_MS,
    );
  });

  describe('with kills', () => {
    it(
      `${KILLED_PEOPLE} people, with ${VICTIMS.join(', ')} SIGKILLed in turn and restarted: still one live contact per person, nothing lost, exact scores`,
      async () => {
        const platform = await Platform.start({ env: FAST_REDELIVERY });
        try {
          const round = planRound(9, KILLED_PEOPLE, 2109);
          round.label = 'with kills';
          const started = Date.now();
          let answered = 0;
          const chaos = killInTurn(platform, VICTIMS, () => answered, round.sends.length);
          const answers = await sendAll(platform, round, () => (answered += 1), KILLED_WAVES);
          const kills = await chaos;
          const verdict = await verify(platform, round, answers, 0);
          await report(platform, round, answers, verdict, { kills, durationMs: Date.now() - started });
          expect(kills.map((k) => k.service)).toEqual(VICTIMS);
          expectExact(verdict);
          expect(verdict.acknowledged).toBe(round.distinct.length);
          expect(verdict.metricsTotal).toBe(round.distinct.length);
        } finally {
          await platform.stop();
        }
      },
      LONG_TEST_MS,
    );
  });
});
