import { rulesHitBy, type ScoringRule } from './scoring-rule';

const defaults: ScoringRule[] = [
  { id: 'fit_valid_phone', kind: 'fit', activityType: null, condition: 'phone_valid', points: 5 },
  { id: 'lead_submitted', kind: 'activity', activityType: 'lead_submitted', condition: null, points: 10 },
  { id: 'fit_valid_email', kind: 'fit', activityType: null, condition: 'email_valid', points: 5 },
];

describe('rulesHitBy', () => {
  it('gives a lead with a valid email and phone its activity rule and both fit rules, in rule id order', () => {
    expect(rulesHitBy(defaults, { type: 'lead_submitted', conditions: { email_valid: true, phone_valid: true } })).toEqual([
      { ruleId: 'fit_valid_email', kind: 'fit', points: 5 },
      { ruleId: 'fit_valid_phone', kind: 'fit', points: 5 },
      { ruleId: 'lead_submitted', kind: 'activity', points: 10 },
    ]);
  });

  it('gives only the activity rule when no condition holds', () => {
    expect(rulesHitBy(defaults, { type: 'lead_submitted', conditions: { email_valid: false, phone_valid: false } })).toEqual([
      { ruleId: 'lead_submitted', kind: 'activity', points: 10 },
    ]);
  });

  it('takes an absent condition as not holding', () => {
    expect(rulesHitBy(defaults, { type: 'lead_submitted', conditions: { phone_valid: true } }).map((h) => h.ruleId)).toEqual([
      'fit_valid_phone',
      'lead_submitted',
    ]);
  });

  it('gives nothing for an activity type without a rule', () => {
    expect(rulesHitBy(defaults, { type: 'page_viewed', conditions: {} })).toEqual([]);
  });

  it('reads the points from the rule, not from the code', () => {
    const doubled = defaults.map((r) => ({ ...r, points: r.points * 2 }));
    const hits = rulesHitBy(doubled, { type: 'lead_submitted', conditions: { email_valid: true } });
    expect(hits.reduce((sum, h) => sum + h.points, 0)).toBe(30);
  });

  it('ignores fit rules with a condition it does not know', () => {
    const rules: ScoringRule[] = [{ id: 'fit_odd', kind: 'fit', activityType: null, condition: 'likes_cats', points: 50 }];
    expect(rulesHitBy(rules, { type: 'lead_submitted', conditions: { email_valid: true } })).toEqual([]);
  });

  it('scores an activity once even if two rules of its type are active', () => {
    const rules: ScoringRule[] = [
      { id: 'lead_b', kind: 'activity', activityType: 'lead_submitted', condition: null, points: 7 },
      { id: 'lead_a', kind: 'activity', activityType: 'lead_submitted', condition: null, points: 3 },
    ];
    expect(rulesHitBy(rules, { type: 'lead_submitted', conditions: {} })).toEqual([{ ruleId: 'lead_a', kind: 'activity', points: 3 }]);
  });
});
