/**
 * A contact's timeline and explicit merges: contacts holds leads, activities and merges; scoring
 * holds score and stage changes; the gateway composes both, newest first, in keyset pages.
 */
import type { ScoringTimelineEntry, Stage } from './scoring';

export type TimelineEntryKind = 'lead' | 'activity' | 'merge' | 'score_changed' | 'stage_changed';

/** One entry of a contact's timeline; which fields are set depends on `kind`. */
export interface TimelineEntry {
  at: string;
  kind: TimelineEntryKind;
  /** Unique within a timeline; with `at`, the order of entries at the same instant (descending). */
  key: string;
  leadId?: string;
  activityId?: string;
  /** `activity`: track, identify, page or alias. */
  activityKind?: string;
  /** `activity`: its name; `merge`: why (lead, identify, alias, admin). */
  name?: string;
  source?: string | null;
  properties?: Record<string, unknown>;
  /** `merge`: the contact folded into this one. */
  mergedId?: string;
  ruleId?: string | null;
  points?: number;
  score?: number;
  stage?: Stage | string;
  fromStage?: Stage | string | null;
}

/** Where a timeline page ends: the (at, key) of its last entry. */
export interface TimelinePosition {
  at: string;
  key: string;
}

export interface ContactTimelineQuery {
  workspaceId: string;
  id: string;
  before?: TimelinePosition;
  limit: number;
}

export interface ContactTimelineReply {
  /** The live contact the id stands for (a merged id answers its survivor). */
  contactId: string;
  entries: TimelineEntry[];
}

export interface ScoringTimelineReply {
  entries: ScoringTimelineEntry[];
}

/** `contacts.contact.merge`: an admin folds contact `id` into `intoId`. */
export interface ContactMergeRequest {
  workspaceId: string;
  actor: string;
  id: string;
  intoId: string;
}

export function encodeTimelineCursor(position: TimelinePosition): string {
  return Buffer.from(JSON.stringify([position.at, position.key]), 'utf8').toString('base64url');
}

/** The position inside a timeline cursor, or null when the cursor is not one of ours. */
export function decodeTimelineCursor(cursor: string): TimelinePosition | null {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [at, key] = parsed as unknown[];
    if (typeof at !== 'string' || typeof key !== 'string' || key.length === 0 || key.length > 200) return null;
    return Number.isNaN(Date.parse(at)) ? null : { at: new Date(at).toISOString(), key };
  } catch {
    return null;
  }
}
