import type { Lifecycle } from './contacts';
import type { Stage } from './scoring';

/** What starts an automation. */
export const AUTOMATION_TRIGGERS = [
  'stage_changed',
  'score_crossed',
  'event_received',
  'contact_created',
  'opportunity_won',
  'opportunity_lost',
] as const;
export type AutomationTriggerType = (typeof AUTOMATION_TRIGGERS)[number];

/** The trigger named by a run made for a contact that already matched when the automation was backfilled. */
export const AUTOMATION_BACKFILL_TRIGGER = 'backfill';

export const AUTOMATION_ACTIONS = ['webhook', 'assign_owner', 'add_tag', 'remove_tag', 'set_lifecycle'] as const;
export type AutomationActionType = (typeof AUTOMATION_ACTIONS)[number];

export const AUTOMATION_PROPERTY_OPS = ['equals', 'in', 'exists'] as const;
export type AutomationPropertyOp = (typeof AUTOMATION_PROPERTY_OPS)[number];

/** Outcomes of a run: its actions were requested, or a cooldown held it back. */
export const AUTOMATION_RUN_OUTCOMES = ['completed', 'skipped_cooldown'] as const;
export type AutomationRunOutcome = (typeof AUTOMATION_RUN_OUTCOMES)[number];

export interface AutomationTrigger {
  type: AutomationTriggerType;
  /** stage_changed: the stage left and the stage entered (any when absent). */
  fromStage?: Stage | null;
  toStage?: Stage;
  /** score_crossed: the threshold, and whether the score rises to it or falls below it. */
  threshold?: number;
  direction?: 'up' | 'down';
  /** event_received: the activity's event name (a track's name, `page_view`, `identify`, `lead_submitted`). */
  event?: string;
}

/**
 * A test of the triggering activity's properties (`properties.<key>`) or of the contact's fields
 * scoring knows (`contact.tags|ownerId|lifecycle|company|title|country`).
 */
export interface AutomationPropertyMatch {
  path: string;
  op: AutomationPropertyOp;
  value?: unknown;
}

export interface AutomationConditions {
  fromStage?: Array<Stage | null>;
  toStage?: Stage[];
  score?: { min?: number; max?: number };
  properties?: AutomationPropertyMatch[];
  source?: string[];
  offer?: string[];
  tags?: { all?: string[]; any?: string[]; none?: string[] };
}

export type AutomationAction =
  | { type: 'webhook'; endpointId: string }
  | { type: 'assign_owner'; strategy: 'round_robin' | 'fixed'; ownerIds: string[] }
  | { type: 'add_tag'; tag: string }
  | { type: 'remove_tag'; tag: string }
  | { type: 'set_lifecycle'; lifecycle: Lifecycle };

export interface AutomationView {
  id: string;
  name: string;
  trigger: AutomationTrigger;
  conditions: AutomationConditions;
  actions: AutomationAction[];
  enabled: boolean;
  cooldownSeconds: number | null;
  /** One more per change: the ETag of the automation. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * A write's answer: the automation after and before it (for the audit log); or, for a change made
 * from a version the automation is no longer at, `version_conflict` with the automation as it is.
 */
export interface AutomationWriteReply {
  outcome?: 'written' | 'version_conflict';
  automation: AutomationView | null;
  before: AutomationView | null;
  current?: AutomationView;
  backfill?: AutomationBackfillView | null;
}

export interface AutomationRunView {
  id: string;
  automationId: string;
  contactId: string | null;
  trigger: string;
  occurrenceId: string;
  outcome: AutomationRunOutcome;
  /** What the run requested, each action with what it resolved to (the owner a round robin chose). */
  actions: Array<Record<string, unknown>>;
  error: string | null;
  createdAt: string;
}

export interface AutomationBackfillView {
  automationId: string;
  status: 'running' | 'done';
  processed: number;
  total: number;
  matched: number;
  startedAt: string;
  updatedAt: string;
}
