/**
 * A shuffled stream of activity events for the end-to-end guarantees of scoring, and the reference
 * that says what the platform must make of it. Written apart from the scoring app's code on
 * purpose: the reference is a plain sum over each visitor's de-duplicated, sorted history.
 */

/** A small deterministic generator (mulberry32): the same seed makes the same stream. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type VisitorKind = 'known' | 'anonymous' | 'identifies';

export interface Visitor {
  index: number;
  kind: VisitorKind;
  /** Set for `known` and `identifies` visitors. */
  userId: string | null;
  email: string | null;
  /** Set for `anonymous` and `identifies` visitors. */
  anonymousId: string | null;
  /** Every distinct event the visitor sent, in the order they happened. */
  events: StreamEvent[];
}

/** One event as sent to `POST /api/v1/events/batch`. */
export interface StreamEvent {
  messageId: string;
  type: 'track' | 'identify' | 'page';
  /** What rules match on: `event` of a track, `page_view` for a page, `identify`. */
  name: string;
  timestamp: string;
  visitor: Visitor;
  body: Record<string, unknown>;
}

export interface Stream {
  visitors: Visitor[];
  /** Distinct events (each once), in time order. */
  distinct: StreamEvent[];
  /** What is sent, in order: every distinct event, a share of them again, a share moved late. */
  sends: StreamEvent[];
}

export interface StreamOptions {
  seed: number;
  /** Prefix of every id, so that streams never share a visitor. */
  prefix: string;
  visitors: number;
  /** Events sent in all, duplicates included. */
  events: number;
  /** Share of the sends that repeat an event already in the stream (same messageId). */
  duplicateShare: number;
  /** Share of the events sent late, by up to `maxLateMs` after the events that followed them. */
  lateShare: number;
  maxLateMs: number;
  /** When the first event happened. */
  startAt: number;
}

/** Names and their weights; `video_play` matches no default rule. */
const NAMES: ReadonlyArray<[string, number]> = [
  ['page_view', 50],
  ['download', 15],
  ['signup', 8],
  ['demo_request', 5],
  ['contract_signed', 1],
  ['video_play', 21],
];
const KINDS: readonly VisitorKind[] = ['known', 'anonymous', 'identifies'];
const STEP_MS = 90_000;

export function generateStream(options: StreamOptions): Stream {
  const random = seeded(options.seed);
  const distinctCount = Math.round(options.events * (1 - options.duplicateShare));
  const perVisitor = Math.floor(distinctCount / options.visitors);
  let extra = distinctCount - perVisitor * options.visitors;
  const visitors: Visitor[] = [];
  const distinct: StreamEvent[] = [];
  let serial = 0;
  const totalWeight = NAMES.reduce((sum, [, w]) => sum + w, 0);
  const pickName = (quiet: number): string => {
    // Quiet visitors mostly watch videos: it spreads the visitors over every stage.
    if (random() < quiet) return 'video_play';
    let r = random() * totalWeight;
    for (const [name, weight] of NAMES) {
      r -= weight;
      if (r < 0) return name;
    }
    return 'page_view';
  };
  for (let index = 0; index < options.visitors; index += 1) {
    const kind = KINDS[index % KINDS.length] as VisitorKind;
    const id = `${options.prefix}-v${index}`;
    const visitor: Visitor = {
      index,
      kind,
      userId: kind === 'anonymous' ? null : `user-${id}`,
      email: kind === 'anonymous' ? null : `${id}@stream.example.com`,
      anonymousId: kind === 'known' ? null : `anon-${id}`,
      events: [],
    };
    const count = perVisitor + (extra > 0 ? 1 : 0);
    if (extra > 0) extra -= 1;
    const quiet = random() * 0.9;
    const start = options.startAt + Math.floor(random() * 3_600_000);
    // An identifying visitor identifies midway: anonymous events first, then the identify, then known ones.
    const identifyAt = kind === 'identifies' ? Math.floor(count / 2) : -1;
    for (let k = 0; k < count; k += 1) {
      const timestamp = new Date(start + k * STEP_MS + Math.floor(random() * 1000)).toISOString();
      const messageId = `${id}-e${k}-${(serial += 1)}`;
      let event: Omit<StreamEvent, 'body'> & { body?: Record<string, unknown> };
      const identity: Record<string, unknown> = {};
      if (kind === 'known') {
        identity.userId = visitor.userId;
        // The first event names the email; the others the user id only.
        if (k === 0) identity.email = visitor.email;
      } else if (kind === 'anonymous' || k < identifyAt) {
        identity.anonymousId = visitor.anonymousId;
      } else if (k === identifyAt) {
        identity.anonymousId = visitor.anonymousId;
        identity.userId = visitor.userId;
        identity.email = visitor.email;
      } else {
        identity.userId = visitor.userId;
      }
      // Known visitors' trackers also claim the fit fact as a trait on every event: LeadFlow judges the
      // email itself, so only the event that carries a valid email earns the fit points, once.
      const fitTraits = kind === 'known' ? { traits: { emailValid: true } } : {};
      if (k === identifyAt) {
        event = { messageId, type: 'identify', name: 'identify', timestamp, visitor };
        event.body = { type: 'identify', messageId, timestamp, ...identity, traits: { email: visitor.email, plan: 'trial' } };
      } else {
        const name = pickName(quiet);
        if (name === 'page_view') {
          event = { messageId, type: 'page', name, timestamp, visitor };
          event.body = { type: 'page', messageId, timestamp, ...identity, properties: { path: `/p/${k}` }, ...fitTraits };
        } else {
          event = { messageId, type: 'track', name, timestamp, visitor };
          event.body = { type: 'track', event: name, messageId, timestamp, ...identity, properties: { step: k }, ...fitTraits };
        }
      }
      const complete = event as StreamEvent;
      visitor.events.push(complete);
      distinct.push(complete);
    }
    visitors.push(visitor);
  }
  distinct.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.messageId < b.messageId ? -1 : 1));

  // Send order: by time, but a share of the events late by up to maxLateMs, and duplicates anywhere after the first send.
  const keyed = distinct.map((event) => ({
    event,
    key: Date.parse(event.timestamp) + (random() < options.lateShare ? Math.floor(random() * options.maxLateMs) : 0),
  }));
  const duplicates = options.events - distinct.length;
  for (let i = 0; i < duplicates; i += 1) {
    const original = keyed[Math.floor(random() * distinct.length)] as { event: StreamEvent; key: number };
    keyed.push({ event: original.event, key: original.key + Math.floor(random() * 2 * options.maxLateMs) });
  }
  keyed.sort((a, b) => a.key - b.key);
  return { visitors, distinct, sends: keyed.map(({ event }) => event) };
}

/** How many of the sent events arrive after one that happened later. */
export function outOfOrderShare(sends: readonly StreamEvent[]): number {
  const seen = new Set<string>();
  let latest = Number.NEGATIVE_INFINITY;
  let late = 0;
  let firsts = 0;
  for (const event of sends) {
    if (seen.has(event.messageId)) continue;
    seen.add(event.messageId);
    firsts += 1;
    const time = Date.parse(event.timestamp);
    if (time < latest) late += 1;
    latest = Math.max(latest, time);
  }
  return late / firsts;
}

export type Stage = 'cold' | 'warm' | 'hot' | 'qualified';

/** The rules the reference scores with: points per event name, points for a valid email (once). */
export interface ReferenceRules {
  points: Record<string, number>;
  validEmail: number;
  thresholds: { warm: number; hot: number; qualified: number };
}

/** The defaults. */
export const DEFAULT_REFERENCE_RULES: ReferenceRules = {
  points: { page_view: 5, signup: 20, download: 10, demo_request: 50, contract_signed: 100, lead_submitted: 10 },
  validEmail: 5,
  thresholds: { warm: 20, hot: 50, qualified: 100 },
};

export interface ReferenceScore {
  score: number;
  stage: Stage;
  /** Stage changes in the order of the sorted history, from the first stage on. */
  stages: Stage[];
}

function stageOf(score: number, thresholds: ReferenceRules['thresholds']): Stage {
  if (score >= thresholds.qualified) return 'qualified';
  if (score >= thresholds.hot) return 'hot';
  if (score >= thresholds.warm) return 'warm';
  return 'cold';
}

/**
 * What a visitor's contact must end with: its distinct events sorted by time (ties by message id),
 * each worth its name's points, plus the valid-email fit points once, from the first event that
 * carries an email (every generated email is valid; a sender's `emailValid` trait counts for
 * nothing); the stage after each event.
 */
export function referenceScore(visitor: Visitor, rules: ReferenceRules): ReferenceScore {
  const unique = new Map(visitor.events.map((event) => [event.messageId, event]));
  const sorted = [...unique.values()].sort(
    (a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.messageId < b.messageId ? -1 : 1),
  );
  let score = 0;
  let emailCounted = false;
  const stages: Stage[] = [];
  for (const event of sorted) {
    score += rules.points[event.name] ?? 0;
    if (!emailCounted && typeof event.body.email === 'string') {
      score += rules.validEmail;
      emailCounted = true;
    }
    const stage = stageOf(score, rules.thresholds);
    if (stages[stages.length - 1] !== stage) stages.push(stage);
  }
  return { score, stage: stageOf(score, rules.thresholds), stages };
}
