export const STAGES = ['cold', 'warm', 'hot', 'qualified'] as const;
export type Stage = (typeof STAGES)[number];

export const ActivityTypes = {
  leadSubmitted: 'lead_submitted',
} as const;

export interface ScoreHistoryEntry {
  activityId: string;
  type: string;
  points: number;
  ruleId: string;
  at: string;
  /** Why the row exists: the rule's award, or a later decay or expiry of it. */
  reason?: 'award' | 'decay' | 'expiry';
  /** The rule's kind. */
  kind?: 'fit' | 'engagement';
}

export interface ScoreView {
  contactId: string;
  score: number;
  stage: Stage;
  /** The parts of the score from fit rules and from engagement rules. */
  fit?: number;
  engagement?: number;
  history: ScoreHistoryEntry[];
  /** Present (true) while the contact is soft-deleted: its score is kept, but it is off the leaderboard. */
  contactDeleted?: boolean;
}

export interface LeaderboardQuery {
  workspaceId: string;
  limit: number;
  stage?: Stage;
  /** From a previous page's `nextCursor`. */
  cursor?: string;
}

export interface LeaderboardEntry {
  contactId: string;
  score: number;
  stage: Stage;
}

/** A scoring rule of a workspace, as the admin API shows and takes it. */
export interface ScoringRuleCondition {
  /** `properties.<key>` or `traits.<key>` (dots reach deeper). */
  path: string;
  op: 'equals' | 'in' | 'exists' | 'gt' | 'gte' | 'lt' | 'lte';
  value?: unknown;
}

export type ScoringRuleDecay = { type: 'halve'; percent: number; everyDays: number } | { type: 'expire'; afterDays: number };

export interface ScoringRuleView {
  id: string;
  kind: 'fit' | 'engagement';
  /** The activity's event name, or `*` for any. */
  event: string;
  conditions: ScoringRuleCondition[];
  points: number;
  cap: number | null;
  group: string | null;
  groupCap: number | null;
  decay: ScoringRuleDecay | null;
  active: boolean;
  description: string | null;
}

/** A rule write: the rule after it (null once deleted) and before it (null when created), for the audit. */
export interface ScoringRuleWriteReply {
  rule: ScoringRuleView | null;
  before: ScoringRuleView | null;
}

export interface StageThresholdsView {
  warm: number;
  hot: number;
  qualified: number;
}

/** One entry of `scoring.contact.timeline`, newest first. */
export interface ScoringTimelineEntry {
  at: string;
  kind: 'score_changed' | 'stage_changed';
  activityId: string;
  ruleId: string | null;
  points: number | null;
  score: number;
  stage: Stage | null;
  fromStage: Stage | null;
}

export interface ScoringTimelineRequest {
  workspaceId: string;
  contactId: string;
  before?: string;
  limit: number;
}

export interface RecomputeView {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  dryRun: boolean;
  done: number;
  total: number;
  /** Contacts whose stage changed (or, in a dry run, would change). */
  stageChanges: number;
}

export interface ContactInsightsView {
  contactId: string;
  score: number;
  stage: Stage;
  velocity: { last7Days: number; previous7Days: number; trend: 'up' | 'down' | 'flat' };
  lastActivityAt: string | null;
  daysSinceLastActivity: number | null;
  atRisk: boolean;
  nextAction: string;
}
