import type { AutomationConditions, AutomationPropertyMatch, AutomationTrigger, Stage } from '@leadflow/contracts';

/** What happened, as automations see it: one occurrence of a possible trigger for one contact. */
export type OccurrenceKind =
  'stage_changed' | 'score_changed' | 'event_received' | 'contact_created' | 'opportunity_won' | 'opportunity_lost' | 'backfill';

export interface Occurrence {
  workspaceId: string;
  /** Unique per occurrence and the same on every delivery of it: with the automation id, the run's key. */
  occurrenceId: string;
  kind: OccurrenceKind;
  contactId: string | null;
  /** ISO time of the occurrence: cooldowns count from it. */
  at: string;
  correlationId?: string;
  fromStage?: Stage | null;
  toStage?: Stage;
  score?: number;
  previousScore?: number;
  event?: string;
  properties?: Record<string, unknown>;
  source?: string | null;
  offer?: string | null;
  /** The triggering event's data, handed to webhooks. */
  data: Record<string, unknown>;
}

/** The contact fields conditions test, as contacts last announced them. */
export interface ContactFields {
  tags: string[];
  ownerId: string | null;
  lifecycle: string | null;
  company: string | null;
  title: string | null;
  country: string | null;
}

/** What scoring knows of the occurrence's contact when it runs. */
export interface ContactFacts {
  score: number | null;
  stage: Stage | null;
  fields: ContactFields | null;
  /** Backfill of an event_received automation: whether the contact ever sent the event. */
  sentEvent?: boolean;
  /** Backfill: the stage the contact left when it entered its current one (null: its first stage). */
  enteredFrom?: Stage | null;
  /** Backfill of an opportunity_won|lost automation: whether the contact ever won, or lost, one. */
  opportunityWon?: boolean;
  opportunityLost?: boolean;
}

/** Whether the occurrence is one of the trigger (a backfill: whether the contact is where the trigger leads). */
export function triggerMatches(trigger: AutomationTrigger, occurrence: Occurrence, facts: ContactFacts): boolean {
  if (occurrence.kind === 'backfill') return alreadyMatches(trigger, facts);
  switch (trigger.type) {
    case 'stage_changed':
      return (
        occurrence.kind === 'stage_changed' &&
        (trigger.fromStage === undefined || trigger.fromStage === occurrence.fromStage) &&
        (trigger.toStage === undefined || trigger.toStage === occurrence.toStage)
      );
    case 'score_crossed': {
      if (occurrence.kind !== 'score_changed' || occurrence.score === undefined || occurrence.previousScore === undefined) return false;
      const threshold = trigger.threshold as number;
      return trigger.direction === 'up'
        ? occurrence.previousScore < threshold && occurrence.score >= threshold
        : occurrence.previousScore >= threshold && occurrence.score < threshold;
    }
    case 'event_received':
      return occurrence.kind === 'event_received' && occurrence.event === trigger.event;
    default:
      return occurrence.kind === trigger.type;
  }
}

/**
 * A contact that already stands where the trigger would lead it: in the stage it names, entered
 * from the stage it names; past the threshold; having sent the event; having won (or lost) an
 * opportunity.
 */
function alreadyMatches(trigger: AutomationTrigger, facts: ContactFacts): boolean {
  switch (trigger.type) {
    case 'stage_changed':
      return (
        facts.stage !== null &&
        (trigger.toStage === undefined || facts.stage === trigger.toStage) &&
        (trigger.fromStage === undefined || (facts.enteredFrom !== undefined && facts.enteredFrom === trigger.fromStage))
      );
    case 'score_crossed':
      if (facts.score === null) return false;
      return trigger.direction === 'up' ? facts.score >= (trigger.threshold as number) : facts.score < (trigger.threshold as number);
    case 'event_received':
      return facts.sentEvent === true;
    case 'contact_created':
      return true;
    case 'opportunity_won':
      return facts.opportunityWon === true;
    case 'opportunity_lost':
      return facts.opportunityLost === true;
    default:
      return false;
  }
}

function valueAt(object: unknown, path: readonly string[]): unknown {
  let value = object;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function propertyMatches(match: AutomationPropertyMatch, occurrence: Occurrence, facts: ContactFacts): boolean {
  const [root, ...path] = match.path.split('.');
  const value = root === 'contact' ? valueAt(facts.fields, path) : valueAt(occurrence.properties ?? {}, path);
  const present = value !== undefined && value !== null;
  if (match.op === 'exists') return present === (match.value !== false);
  // A list (the contact's tags) matches when one of its items does.
  const values = Array.isArray(value) ? value : [value];
  if (match.op === 'equals') return present && values.some((v) => v === match.value);
  return present && values.some((v) => (match.value as unknown[]).includes(v));
}

/**
 * Whether the occurrence meets every condition. Stage conditions test the stage left and entered by
 * a stage change (a backfill: the contact's current stage and the one it left to enter it;
 * otherwise, the current stage, and no from-stage); the score range, the
 * score after the change; source and offer, those of the activity behind it.
 */
export function conditionsMatch(conditions: AutomationConditions, occurrence: Occurrence, facts: ContactFacts): boolean {
  const stageChange = occurrence.kind === 'stage_changed';
  if (conditions.fromStage) {
    // A backfill tests the stage the contact left when it entered its current one.
    const from = occurrence.kind === 'backfill' ? facts.enteredFrom : stageChange ? (occurrence.fromStage ?? null) : undefined;
    if (from === undefined || !conditions.fromStage.includes(from)) return false;
  }
  const stage = stageChange ? occurrence.toStage : facts.stage;
  if (conditions.toStage && (!stage || !conditions.toStage.includes(stage))) return false;
  const score = occurrence.kind === 'score_changed' ? occurrence.score : facts.score;
  if (conditions.score) {
    if (score === undefined || score === null) return false;
    if (conditions.score.min !== undefined && score < conditions.score.min) return false;
    if (conditions.score.max !== undefined && score > conditions.score.max) return false;
  }
  if (conditions.source && !(occurrence.source && conditions.source.includes(occurrence.source))) return false;
  if (conditions.offer && !(occurrence.offer && conditions.offer.includes(occurrence.offer))) return false;
  if (conditions.tags) {
    const tags = new Set(facts.fields?.tags ?? []);
    if (conditions.tags.all && !conditions.tags.all.every((t) => tags.has(t))) return false;
    if (conditions.tags.any && !conditions.tags.any.some((t) => tags.has(t))) return false;
    if (conditions.tags.none && conditions.tags.none.some((t) => tags.has(t))) return false;
  }
  return (conditions.properties ?? []).every((match) => propertyMatches(match, occurrence, facts));
}
