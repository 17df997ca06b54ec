import type { AutomationTrigger } from '@leadflow/contracts';
import { automationFromBody } from './automation-body';
import { type ContactFacts, conditionsMatch, type Occurrence, triggerMatches } from './automation-match';

const facts = (over: Partial<ContactFacts> = {}): ContactFacts => ({
  score: 60,
  stage: 'hot',
  fields: { tags: ['inbound', 'vip'], ownerId: null, lifecycle: 'lead', company: 'Acme', title: null, country: 'DE' },
  ...over,
});
const occurrence = (over: Partial<Occurrence>): Occurrence => ({
  workspaceId: 'ws',
  occurrenceId: 'o',
  kind: 'stage_changed',
  contactId: '0190a5b2-0000-7000-8000-000000000001',
  at: '2026-06-01T09:00:00.000Z',
  data: {},
  ...over,
});

describe('automation triggers', () => {
  it('matches a stage change by the stages left and entered, a first stage by fromStage null', () => {
    const trigger: AutomationTrigger = { type: 'stage_changed', toStage: 'hot' };
    expect(triggerMatches(trigger, occurrence({ fromStage: 'warm', toStage: 'hot' }), facts())).toBe(true);
    expect(triggerMatches(trigger, occurrence({ fromStage: 'hot', toStage: 'qualified' }), facts())).toBe(false);
    const first: AutomationTrigger = { type: 'stage_changed', fromStage: null };
    expect(triggerMatches(first, occurrence({ fromStage: null, toStage: 'cold' }), facts())).toBe(true);
    expect(triggerMatches(first, occurrence({ fromStage: 'cold', toStage: 'warm' }), facts())).toBe(false);
    expect(triggerMatches(trigger, occurrence({ kind: 'score_changed', score: 60, previousScore: 10 }), facts())).toBe(false);
  });

  it('crosses a threshold up when the score reaches it from below, down when it falls below it from at or above', () => {
    const up: AutomationTrigger = { type: 'score_crossed', threshold: 50, direction: 'up' };
    const down: AutomationTrigger = { type: 'score_crossed', threshold: 50, direction: 'down' };
    const change = (previousScore: number, score: number) => occurrence({ kind: 'score_changed', previousScore, score });
    expect(
      [change(49, 50), change(40, 80), change(50, 60), change(60, 40), change(30, 49)].map((o) => triggerMatches(up, o, facts())),
    ).toEqual([true, true, false, false, false]);
    expect([change(50, 49), change(80, 10), change(49, 10), change(40, 60)].map((o) => triggerMatches(down, o, facts()))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('backfills a contact already where the trigger leads', () => {
    const backfill = occurrence({ kind: 'backfill' });
    expect(triggerMatches({ type: 'stage_changed', toStage: 'hot' }, backfill, facts())).toBe(true);
    expect(triggerMatches({ type: 'stage_changed', toStage: 'warm' }, backfill, facts())).toBe(false);
    expect(triggerMatches({ type: 'score_crossed', threshold: 50, direction: 'up' }, backfill, facts())).toBe(true);
    expect(triggerMatches({ type: 'score_crossed', threshold: 50, direction: 'down' }, backfill, facts())).toBe(false);
    expect(triggerMatches({ type: 'event_received', event: 'demo' }, backfill, facts({ sentEvent: true }))).toBe(true);
    expect(triggerMatches({ type: 'event_received', event: 'demo' }, backfill, facts())).toBe(false);
    expect(triggerMatches({ type: 'contact_created' }, backfill, facts({ score: null, stage: null }))).toBe(true);
    expect(triggerMatches({ type: 'opportunity_won' }, backfill, facts())).toBe(false);
    expect(triggerMatches({ type: 'opportunity_won' }, backfill, facts({ opportunityWon: true }))).toBe(true);
    expect(triggerMatches({ type: 'opportunity_lost' }, backfill, facts({ opportunityWon: true }))).toBe(false);
    expect(triggerMatches({ type: 'opportunity_lost' }, backfill, facts({ opportunityLost: true }))).toBe(true);
  });

  it('backfills a stage trigger with a from-stage by the stage the contact left to enter its current one', () => {
    const backfill = occurrence({ kind: 'backfill' });
    const warmToHot: AutomationTrigger = { type: 'stage_changed', fromStage: 'warm', toStage: 'hot' };
    expect(triggerMatches(warmToHot, backfill, facts({ enteredFrom: 'warm' }))).toBe(true);
    expect(triggerMatches(warmToHot, backfill, facts({ enteredFrom: 'cold' }))).toBe(false);
    // No stage change known: where it came from is not known either.
    expect(triggerMatches(warmToHot, backfill, facts())).toBe(false);
    const first: AutomationTrigger = { type: 'stage_changed', fromStage: null };
    expect(triggerMatches(first, backfill, facts({ enteredFrom: null }))).toBe(true);
    expect(triggerMatches(first, backfill, facts({ enteredFrom: 'cold' }))).toBe(false);
    expect(conditionsMatch({ fromStage: ['warm'] }, backfill, facts({ enteredFrom: 'warm' }))).toBe(true);
    expect(conditionsMatch({ fromStage: ['warm'] }, backfill, facts({ enteredFrom: null }))).toBe(false);
    expect(conditionsMatch({ fromStage: ['warm'] }, backfill, facts())).toBe(false);
  });
});

describe('automation conditions', () => {
  /** Conditions as an admin writes them (a single value for a list), read through the body checks. */
  const match = (conditions: Record<string, unknown>, over: Partial<Occurrence> = {}, contact = facts()) =>
    conditionsMatch(
      automationFromBody({ name: 'x', trigger: { type: 'contact_created' }, conditions, actions: [{ type: 'add_tag', tag: 't' }] })
        .conditions,
      occurrence(over),
      contact,
    );

  it('tests stages, score range, source and offer', () => {
    const change = { fromStage: 'warm' as const, toStage: 'hot' as const, source: 'landing', offer: 'spring' };
    expect(match({ fromStage: ['warm', 'cold'], toStage: 'hot' }, change)).toBe(true);
    expect(match({ fromStage: [null] }, change)).toBe(false);
    expect(match({ score: { min: 50, max: 60 } }, change)).toBe(true);
    expect(match({ score: { min: 61 } }, change)).toBe(false);
    expect(match({ source: ['landing', 'partner'], offer: 'spring' }, change)).toBe(true);
    expect(match({ offer: 'autumn' }, change)).toBe(false);
    expect(match({ source: 'landing' }, { kind: 'contact_created' })).toBe(false);
    // Outside a stage change the contact's current stage counts, and no from-stage holds.
    expect(match({ toStage: 'hot' }, { kind: 'contact_created' })).toBe(true);
    expect(match({ fromStage: 'warm' }, { kind: 'contact_created' })).toBe(false);
  });

  it('tests tags and property matches on the activity and the contact', () => {
    expect(match({ tags: { all: ['inbound', 'vip'], none: ['spam'] } })).toBe(true);
    expect(match({ tags: { any: ['spam', 'partner'] } })).toBe(false);
    const activity = { kind: 'event_received' as const, properties: { plan: 'enterprise', seats: 40, trial: { days: 14 } } };
    expect(match({ properties: [{ path: 'properties.plan', op: 'equals', value: 'enterprise' }] }, activity)).toBe(true);
    expect(match({ properties: [{ path: 'properties.seats', op: 'in', value: [10, 40] }] }, activity)).toBe(true);
    expect(match({ properties: [{ path: 'properties.trial.days', op: 'exists' }] }, activity)).toBe(true);
    expect(match({ properties: [{ path: 'properties.coupon', op: 'exists', value: false }] }, activity)).toBe(true);
    expect(match({ properties: [{ path: 'properties.coupon', op: 'equals', value: 'x' }] }, activity)).toBe(false);
    expect(match({ properties: [{ path: 'contact.company', op: 'equals', value: 'Acme' }] }, activity)).toBe(true);
    expect(match({ properties: [{ path: 'contact.tags', op: 'in', value: ['vip', 'x'] }] }, activity)).toBe(true);
    expect(match({ properties: [{ path: 'contact.ownerId', op: 'exists' }] }, activity)).toBe(false);
    expect(match({ tags: { any: ['vip'] } }, activity, facts({ fields: null }))).toBe(false);
  });
});
