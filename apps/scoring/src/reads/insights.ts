import type { ContactInsightsView, Stage } from '@leadflow/contracts';

const DAY_MS = 86_400_000;

export interface InsightFacts {
  score: number;
  stage: Stage;
  last7Days: number;
  previous7Days: number;
  lastActivityAt: Date | null;
  now: Date;
  /** Days of silence after which a hot or qualified contact is at risk. */
  riskSilentDays: number;
}

/**
 * The suggested next action, first rule that applies:
 * 1. `re_engage`: hot or qualified but silent for `riskSilentDays` days (at risk);
 * 2. `hand_to_sales`: qualified;
 * 3. `offer_demo`: hot;
 * 4. `send_case_study`: warm and gaining points (more in the last 7 days than the 7 before);
 * 5. `nurture`: warm;
 * 6. `welcome_sequence`: cold with activity in the last 7 days;
 * 7. `wait`: otherwise (cold and quiet).
 */
export function insightsOf(contactId: string, facts: InsightFacts): ContactInsightsView {
  const days = facts.lastActivityAt === null ? null : Math.floor((facts.now.getTime() - facts.lastActivityAt.getTime()) / DAY_MS);
  const silent = days === null || days >= facts.riskSilentDays;
  const atRisk = (facts.stage === 'hot' || facts.stage === 'qualified') && silent;
  const trend = facts.last7Days > facts.previous7Days ? 'up' : facts.last7Days < facts.previous7Days ? 'down' : 'flat';
  let nextAction: string;
  if (atRisk) nextAction = 're_engage';
  else if (facts.stage === 'qualified') nextAction = 'hand_to_sales';
  else if (facts.stage === 'hot') nextAction = 'offer_demo';
  else if (facts.stage === 'warm') nextAction = trend === 'up' ? 'send_case_study' : 'nurture';
  else nextAction = days !== null && days < 7 ? 'welcome_sequence' : 'wait';
  return {
    contactId,
    score: facts.score,
    stage: facts.stage,
    velocity: { last7Days: facts.last7Days, previous7Days: facts.previous7Days, trend },
    lastActivityAt: facts.lastActivityAt?.toISOString() ?? null,
    daysSinceLastActivity: days,
    atRisk,
    nextAction,
  };
}
