import { type CrmEventType, type IntegrationKind, Money } from '@leadflow/contracts';
import { webhookSignatureScheme } from '@leadflow/signing';
import { seededRandom, shuffled } from './seeded';

/**
 * Realistic CRM webhooks for `npm run generate:crm-events` and the end-to-end suite: contacts
 * first, then opportunities of those contacts, each record a few versions (every event carries the
 * record's whole state at its `updatedAt`, as CRMs send it), with a share of the events sent late
 * (after a newer event of the same record) and a share sent twice (the same webhook id and body).
 * Pure and seeded: the same options give the same webhooks, and the state LeadFlow must end in.
 */

/** The wire payload of a CRM webhook (libs/contracts crm.ts): the webhook's id, its type and the record. */
export interface CrmWebhookPayload {
  type: CrmEventType;
  id: string;
  timestamp: string;
  data: Record<string, unknown> & { id: string; updatedAt: string };
}

export interface PlannedCrmWebhook {
  payload: CrmWebhookPayload;
  /** A resend of an earlier webhook: the same id and body. */
  duplicate: boolean;
  /** Sent after a newer event of the same record: LeadFlow must skip it as stale. */
  outOfOrder: boolean;
}

export interface CrmWebhookPlanOptions {
  /** How many webhooks to send, resends included. */
  count: number;
  seed: number;
  /** Share of `count` that are resends (default 0.1). */
  duplicateRate?: number;
  /** Share of the distinct events sent after a newer one of their record (default 0.2). */
  outOfOrderRate?: number;
  /** Makes the CRM ids, emails and phones of one run its own (default: from the seed). */
  runId?: string;
  /** The CRM time of the first event (default 2026-11-30T00:00:00Z). */
  startAt?: Date;
}

/** A contact as LeadFlow must hold it in the end (normalized as contacts store it). */
export interface ExpectedCrmContact {
  externalId: string;
  deleted: boolean;
  email: string;
  phone: string | null;
  firstName: string;
  lastName: string;
  company: string;
  title: string;
}

/** An opportunity as LeadFlow must hold it in the end: amount in minor units, a stage of the default pipeline. */
export interface ExpectedCrmOpportunity {
  externalId: string;
  contactExternalId: string;
  name: string;
  amount: string;
  currency: string;
  stage: string;
}

export interface CrmWebhookPlan {
  webhooks: PlannedCrmWebhook[];
  expected: { contacts: ExpectedCrmContact[]; opportunities: ExpectedCrmOpportunity[] };
  counts: { total: number; distinct: number; duplicates: number; outOfOrder: number; byType: Partial<Record<CrmEventType, number>> };
}

const FIRST_NAMES = ['Ana', 'Bruno', 'Chloé', 'Dmitri', 'Emma', 'Farah', 'Giulia', 'Hiro', 'Inés', 'Jonas', 'Kofi', 'Lena'];
const LAST_NAMES = ['García', 'Müller', 'Rossi', 'Nowak', 'Silva', 'Dubois', 'Jensen', 'Kowalski', 'Tanaka', 'Okafor'];
const COMPANIES = ['Acme GmbH', 'Globex', 'Initech', 'Umbrella SA', 'Stark Industries', 'Hooli', 'Vandelay Imports'];
const TITLES = ['CEO', 'Head of Sales', 'Marketing Manager', 'CTO', 'Buyer', 'Founder'];
const DEAL_NAMES = ['Annual plan', 'Pilot', 'Enterprise licence', 'Renewal', 'Upsell seats', 'Onboarding package'];
const OPEN_STAGES = ['appointment_scheduled', 'qualified_to_buy', 'presentation_scheduled', 'decision_maker_bought_in', 'contract_sent'];
const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY'];

interface RecordEvents {
  kind: 'contact' | 'opportunity';
  externalId: string;
  /** Its events in CRM time order. */
  events: CrmWebhookPayload[];
}

/** Plans `count` webhooks; see the module's comment. */
export function planCrmWebhooks(options: CrmWebhookPlanOptions): CrmWebhookPlan {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const runId = options.runId ?? `s${options.seed.toString(36)}`;
  const total = Math.max(0, Math.floor(options.count));
  const duplicates = Math.round(total * (options.duplicateRate ?? 0.1));
  const distinct = total - duplicates;
  const startAt = (options.startAt ?? new Date(Date.UTC(2026, 10, 30))).getTime();
  let webhookSeq = 0;
  const webhookId = () => `evt_${runId}_${(webhookSeq += 1).toString(36).padStart(6, '0')}`;

  // About three events a record; contacts take 60 % of the events, opportunities the rest.
  const contactEvents = Math.max(distinct > 0 ? 1 : 0, Math.round(distinct * 0.6));
  const records: RecordEvents[] = [];
  const contactIds: string[] = [];
  let clock = startAt;
  const tick = () => (clock += 1000 + Math.floor(random() * 60_000));

  const contactRecords = Math.max(contactEvents > 0 ? 1 : 0, Math.round(contactEvents / 3));
  const contactBudget = spread(contactEvents, contactRecords, random);
  const phoneBase = (Math.abs(options.seed) % 1000) * 100_000;
  contactBudget.forEach((events, i) => {
    const externalId = `crm-${runId}-contact-${i}`;
    contactIds.push(externalId);
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const email = `${ascii(first)}.${ascii(last)}.${runId}.${i}@example.com`;
    // Unique within a run (an identity two records share would be a conflict, refused).
    const phone = random() < 0.5 ? `+49151${String((phoneBase + i) % 1e8).padStart(8, '0')}` : null;
    // Contacts with opportunities are never deleted: a deleted CRM contact's deals are the CRM's to remove.
    const deletes = events >= 2 && i % 7 === 3;
    const createdAt = new Date(tick()).toISOString();
    const versions: CrmWebhookPayload[] = [];
    for (let v = 0; v < events; v += 1) {
      const updatedAt = new Date(tick()).toISOString();
      const type: CrmEventType = v === 0 ? 'contact.created' : deletes && v === events - 1 ? 'contact.deleted' : 'contact.updated';
      const data =
        type === 'contact.deleted'
          ? { id: externalId, updatedAt }
          : {
              id: externalId,
              createdAt,
              updatedAt,
              email,
              phone,
              firstName: first,
              lastName: last,
              company: pick(COMPANIES),
              title: pick(TITLES),
            };
      versions.push({ type, id: webhookId(), timestamp: updatedAt, data });
    }
    records.push({ kind: 'contact', externalId, events: versions });
  });

  const opportunityEvents = distinct - contactEvents;
  const liveContacts = records.filter((r) => r.events.at(-1)?.type !== 'contact.deleted').map((r) => r.externalId);
  const opportunityRecords = liveContacts.length === 0 ? 0 : Math.max(opportunityEvents > 0 ? 1 : 0, Math.round(opportunityEvents / 3));
  spread(opportunityEvents, opportunityRecords, random).forEach((events, i) => {
    const externalId = `crm-${runId}-deal-${i}`;
    const contactId = pick(liveContacts);
    const currency = pick(CURRENCIES);
    const name = `${pick(DEAL_NAMES)} ${i}`;
    const createdAt = new Date(tick()).toISOString();
    const closing = events >= 2 && random() < 0.4;
    const versions: CrmWebhookPayload[] = [];
    let stageIndex = 0;
    for (let v = 0; v < events; v += 1) {
      const updatedAt = new Date(tick()).toISOString();
      const last = v === events - 1;
      const won = random() < 0.6;
      const type: CrmEventType =
        v === 0 ? 'opportunity.created' : closing && last ? (won ? 'opportunity.won' : 'opportunity.lost') : 'opportunity.updated';
      stageIndex = Math.min(OPEN_STAGES.length - 1, stageIndex + (v === 0 ? 0 : 1));
      const stage =
        type === 'opportunity.won' ? 'closed_won' : type === 'opportunity.lost' ? 'closed_lost' : (OPEN_STAGES[stageIndex] as string);
      const minor = BigInt(Math.floor(random() * 5_000_000) + 1000) * BigInt(v + 1);
      versions.push({
        type,
        id: webhookId(),
        timestamp: updatedAt,
        data: {
          id: externalId,
          createdAt,
          updatedAt,
          name,
          contactId,
          amount: Money.of(minor, currency).toMajorUnits(),
          currency,
          stage,
          probability: null,
          expectedCloseDate: null,
        },
      });
    }
    records.push({ kind: 'opportunity', externalId, events: versions });
  });

  // In CRM time order, contacts first: every opportunity's contact is sent before it.
  const byTime = (a: CrmWebhookPayload, b: CrmWebhookPayload) => Date.parse(a.data.updatedAt) - Date.parse(b.data.updatedAt);
  const sendOrder: CrmWebhookPayload[] = [
    ...records
      .filter((r) => r.kind === 'contact')
      .flatMap((r) => r.events)
      .sort(byTime),
    ...records
      .filter((r) => r.kind === 'opportunity')
      .flatMap((r) => r.events)
      .sort(byTime),
  ];
  const outOfOrder = lateEvents(records, sendOrder, Math.round(distinct * (options.outOfOrderRate ?? 0.2)), random);

  const webhooks: PlannedCrmWebhook[] = sendOrder.map((payload) => ({ payload, duplicate: false, outOfOrder: outOfOrder.has(payload.id) }));
  // Resends go a little later than their first sending, as a sender's retry does.
  for (let d = 0; d < duplicates && sendOrder.length > 0; d += 1) {
    const original = Math.floor(random() * webhooks.length);
    const source = webhooks[original] as PlannedCrmWebhook;
    const at = Math.min(webhooks.length, original + 1 + Math.floor(random() * 20));
    webhooks.splice(at, 0, { payload: source.payload, duplicate: true, outOfOrder: false });
  }

  const byType: Partial<Record<CrmEventType, number>> = {};
  for (const { payload } of webhooks) byType[payload.type] = (byType[payload.type] ?? 0) + 1;
  return {
    webhooks,
    expected: expectedState(records),
    counts: {
      total: webhooks.length,
      distinct: sendOrder.length,
      duplicates: webhooks.length - sendOrder.length,
      outOfOrder: outOfOrder.size,
      byType,
    },
  };
}

/**
 * Sends `target` events late: each moves to just after a newer event of its record (a swap of two
 * consecutive versions, each version in at most one swap). Returns the ids of the late events.
 */
function lateEvents(records: RecordEvents[], sendOrder: CrmWebhookPayload[], target: number, random: () => number): Set<string> {
  const pairs: Array<[CrmWebhookPayload, CrmWebhookPayload]> = [];
  for (const record of records) {
    for (let v = 0; v + 1 < record.events.length; v += 2)
      pairs.push([record.events[v] as CrmWebhookPayload, record.events[v + 1] as CrmWebhookPayload]);
  }
  const late = new Set<string>();
  const chosen = shuffled(pairs, random).slice(0, target);
  for (const [older, newer] of chosen) {
    const from = sendOrder.indexOf(older);
    const to = sendOrder.indexOf(newer);
    sendOrder.splice(from, 1);
    sendOrder.splice(to, 0, older);
    late.add(older.id);
  }
  return late;
}

/** The newest state of each record: the last version by CRM time, whatever order they are sent in. */
function expectedState(records: RecordEvents[]): CrmWebhookPlan['expected'] {
  const contacts: ExpectedCrmContact[] = [];
  const opportunities: ExpectedCrmOpportunity[] = [];
  for (const record of records) {
    const newest = record.events.at(-1) as CrmWebhookPayload;
    if (record.kind === 'contact') {
      const state = [...record.events].reverse().find((e) => e.type !== 'contact.deleted') as CrmWebhookPayload;
      const d = state.data as Record<string, string | null>;
      contacts.push({
        externalId: record.externalId,
        deleted: newest.type === 'contact.deleted',
        email: (d.email as string).toLowerCase(),
        phone: d.phone ?? null,
        firstName: d.firstName as string,
        lastName: d.lastName as string,
        company: d.company as string,
        title: d.title as string,
      });
    } else {
      const d = newest.data as Record<string, string>;
      opportunities.push({
        externalId: record.externalId,
        contactExternalId: d.contactId as string,
        name: d.name as string,
        amount: Money.fromMajorUnits(d.amount as string, d.currency as string).amount.toString(),
        currency: d.currency as string,
        stage: d.stage as string,
      });
    }
  }
  return { contacts, opportunities };
}

/** `total` split over `parts` records, each at least one, about three each. */
function spread(total: number, parts: number, random: () => number): number[] {
  if (parts === 0) return [];
  const counts = Array.from({ length: parts }, () => 1);
  for (let left = total - parts; left > 0; left -= 1) {
    const i = Math.floor(random() * parts);
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

function ascii(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

/** A webhook as sent: the body's bytes and the headers that sign it with the integration kind's scheme. */
export function signCrmWebhook(
  kind: IntegrationKind,
  secret: string,
  url: string,
  payload: CrmWebhookPayload,
  signedAt: Date = new Date(),
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  const headers = webhookSignatureScheme(kind).sign({ id: payload.id, method: 'POST', url, body }, [secret], signedAt);
  return { body, headers: { 'content-type': 'application/json', ...headers } };
}

export interface CrmWebhookSending {
  /** The endpoint: `<gateway>/api/v1/webhooks/<integration id>`. */
  url: string;
  kind: IntegrationKind;
  secret: string;
  /** Webhooks in flight at once. */
  concurrency: number;
  /** Sendings of one webhook at most (default 6). */
  maxAttempts?: number;
}

/**
 * Sends webhooks in order (but for those in flight together), each signed anew on every attempt,
 * retrying as a sender does on 429, 5xx and lost connections (honouring Retry-After, at most 5 s).
 * Returns how many got each final status (`no answer` when none came) and how many needed retries.
 */
export async function sendCrmWebhooks(
  webhooks: readonly PlannedCrmWebhook[],
  sending: CrmWebhookSending,
): Promise<{ statuses: Map<string, number>; retried: number }> {
  const statuses = new Map<string, number>();
  let retried = 0;
  let next = 0;
  const worker = async () => {
    while (next < webhooks.length) {
      const webhook = webhooks[next++] as PlannedCrmWebhook;
      const { status, attempts } = await sendOne(webhook.payload, sending);
      statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
      if (attempts > 1) retried += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(sending.concurrency, webhooks.length) }, worker));
  return { statuses, retried };
}

async function sendOne(
  payload: CrmWebhookPayload,
  sending: CrmWebhookSending,
): Promise<{ status: number | 'no answer'; attempts: number }> {
  const maxAttempts = sending.maxAttempts ?? 6;
  for (let attempt = 1; ; attempt += 1) {
    const { body, headers } = signCrmWebhook(sending.kind, sending.secret, sending.url, payload);
    let retryAfterMs = 200 * 2 ** attempt;
    try {
      const response = await fetch(sending.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
      await response.arrayBuffer();
      if (response.status !== 429 && response.status < 500) return { status: response.status, attempts: attempt };
      const retryAfter = Number(response.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
      if (attempt >= maxAttempts) return { status: response.status, attempts: attempt };
    } catch {
      if (attempt >= maxAttempts) return { status: 'no answer', attempts: attempt };
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfterMs, 5000)));
  }
}
