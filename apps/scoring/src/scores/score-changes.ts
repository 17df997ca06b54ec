import type { ScoreChangedData, Stage, StageChangedData } from '@leadflow/contracts';

export interface ScoreSnapshot {
  score: number;
  /** Null before scoring knew the contact. */
  stage: Stage | null;
}

/** What caused a recomputation: an activity, or a merge (activityId null). */
export interface ChangeCause {
  activityId: string | null;
  /** ISO time of the activity, or of the merge event. */
  at: string;
  source: string;
  offer: string | null;
  country: string | null;
}

export interface ScoreChangeEvents {
  scoreChanged?: ScoreChangedData;
  stageChanged?: StageChangedData;
}

/**
 * The events one recomputation publishes: `score.changed` when the score moved, `stage.changed`
 * when the stage moved, including a contact's first stage (from null).
 */
export function scoreChangeEvents(
  contactId: string,
  before: ScoreSnapshot,
  after: { score: number; stage: Stage },
  cause: ChangeCause,
): ScoreChangeEvents {
  const events: ScoreChangeEvents = {};
  if (after.score !== before.score) {
    events.scoreChanged = { contactId, score: after.score, previousScore: before.score, stage: after.stage, activityId: cause.activityId };
  }
  if (after.stage !== before.stage) {
    events.stageChanged = {
      contactId,
      from: before.stage,
      to: after.stage,
      at: cause.at,
      source: cause.source,
      offer: cause.offer,
      country: cause.country,
      activityId: cause.activityId,
    };
  }
  return events;
}
