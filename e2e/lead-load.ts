/**
 * A reproducible intake load: distinct leads of a known set of people, with retried keys mixed in,
 * and the expected end state computed independently of the platform.
 */
import { seededRandom } from '@leadflow/testing';

export interface PlannedLead {
  key: string;
  body: Record<string, unknown>;
  /** Valid identities the lead carries. */
  email: string | null;
  phone: string | null;
}

export interface LoadPlan {
  /** What is sent, in order: distinct leads and retries of some of them. */
  requests: PlannedLead[];
  distinct: PlannedLead[];
}

/** A seeded generator, so that two runs send the very same load. */
export const random = seededRandom;

const OFFERS = ['alpha', 'beta', 'gamma'];
const COUNTRIES = ['DE', 'France', 'us'];

/**
 * `total` requests: 20 % retry an earlier key (same body), and 30 % of the distinct leads come
 * from a person seen before, each lead carrying the person's email, phone or both (so that some
 * people first appear as two contacts and are merged later). A few leads identify nobody.
 */
export function planLoad(total: number, seed: number): LoadPlan {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const distinctCount = Math.round(total * 0.8);
  const distinct: PlannedLead[] = [];
  let people = 0;
  for (let i = 0; i < distinctCount; i++) {
    const person = people > 0 && next() < 0.3 ? Math.floor(next() * people) : people++;
    const email = `person${person}@example.com`;
    const phone = `+49151${String(10_000_000 + person).slice(-8)}`;
    const shape = next();
    const anonymous = shape < 0.03;
    const lead: PlannedLead = {
      key: `lead-${seed}-${i}`,
      email: anonymous || shape >= 0.76 ? null : email,
      phone: anonymous || (shape >= 0.52 && shape < 0.76) ? null : phone,
      body: {},
    };
    lead.body = {
      firstName: `First${person}`,
      lastName: 'Load',
      email: lead.email ?? (anonymous ? 'n/a' : undefined),
      phone: lead.phone ?? undefined,
      country: pick(COUNTRIES),
      offer: pick(OFFERS),
      click_id: `click-${i}`,
      lang: 'en',
    };
    distinct.push(lead);
  }
  const requests = [...distinct];
  for (let i = distinctCount; i < total; i++) requests.push(pick(distinct));
  for (let i = requests.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [requests[i], requests[j]] = [requests[j] as PlannedLead, requests[i] as PlannedLead];
  }
  return { requests, distinct };
}

/** The people behind the leads: leads sharing a valid email or phone, transitively, are one. */
export function expectedPeople(leads: PlannedLead[]): Map<string, number> {
  const parent = leads.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i] as number] as number;
    return i;
  };
  const owner = new Map<string, number>();
  leads.forEach((lead, i) => {
    for (const identity of [lead.email && `e:${lead.email}`, lead.phone && `p:${lead.phone}`]) {
      if (!identity) continue;
      const seen = owner.get(identity);
      if (seen === undefined) owner.set(identity, i);
      else parent[find(i)] = find(seen);
    }
  });
  return new Map(leads.map((lead, i) => [lead.key, find(i)]));
}

/** The score the default rules give a person: +10 per lead, +5 once for a valid email, +5 for a valid phone. */
export function expectedScore(leads: PlannedLead[]): number {
  return 10 * leads.length + (leads.some((l) => l.email) ? 5 : 0) + (leads.some((l) => l.phone) ? 5 : 0);
}

/** Runs `task` over `items` with at most `limit` at once; results in input order. */
export async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let cursor = 0;
  const worker = async () => {
    while (cursor < items.length) {
      const index = cursor++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
