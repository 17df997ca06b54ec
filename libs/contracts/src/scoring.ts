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
}

export interface ScoreView {
  contactId: string;
  score: number;
  stage: Stage;
  history: ScoreHistoryEntry[];
  /** Present (true) while the contact is soft-deleted: its score is kept, but it is off the leaderboard. */
  contactDeleted?: boolean;
}

export interface LeaderboardQuery {
  workspaceId: string;
  limit: number;
}

export interface LeaderboardEntry {
  contactId: string;
  score: number;
  stage: Stage;
}
