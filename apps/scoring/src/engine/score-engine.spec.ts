import { DEFAULT_RULES, type EngineActivity, type EngineRule, orderActivities, scoreContact, scoreOnly, stageFor } from './score-engine';

const at = (day: number, minutes = 0) => new Date(Date.UTC(2026, 0, 1 + day, 10, minutes)).toISOString();

let next = 0;
function activity(event: string, time: string, extra: Partial<EngineActivity> = {}): EngineActivity {
  next += 1;
  return { activityId: `a-${String(next).padStart(4, '0')}`, event, occurredAt: time, properties: {}, traits: {}, ...extra };
}

function rule(id: string, event: string, points: number, extra: Partial<EngineRule> = {}): EngineRule {
  return { id, kind: 'engagement', event, conditions: [], points, active: true, ...extra };
}

/** Fisher–Yates with a seeded generator, so a failure can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('scoreContact', () => {
  it('scores the default rules: engagement per occurrence, fit once, engagement rows before fit rows', () => {
    const lead1 = activity('lead_submitted', at(0), { traits: { emailValid: true, phoneValid: true } });
    const lead2 = activity('lead_submitted', at(1), { traits: { emailValid: true } });
    const view = activity('page_view', at(2));
    const result = scoreContact([lead1, lead2, view], DEFAULT_RULES);
    expect(result.history.map((r) => [r.activityId, r.ruleId, r.points, r.score])).toEqual([
      [lead1.activityId, 'lead_submitted', 10, 10],
      [lead1.activityId, 'fit_valid_email', 5, 15],
      [lead1.activityId, 'fit_valid_phone', 5, 20],
      [lead2.activityId, 'lead_submitted', 10, 30],
      [view.activityId, 'page_view', 5, 35],
    ]);
    expect(result).toMatchObject({ score: 35, fit: 10, engagement: 25, stage: 'warm' });
    expect(result.transitions).toEqual([{ at: at(0), activityId: lead1.activityId, from: null, to: 'warm', score: 20 }]);
  });

  it('gives each default event its points and moves through every stage in order', () => {
    const events = ['page_view', 'download', 'signup', 'demo_request', 'contract_signed'];
    const result = scoreContact(
      events.map((e, i) => activity(e, at(i))),
      DEFAULT_RULES,
    );
    expect(result.history.map((r) => r.points)).toEqual([5, 10, 20, 50, 100]);
    expect(result.transitions.map((t) => [t.from, t.to, t.score])).toEqual([
      [null, 'cold', 5],
      ['cold', 'warm', 35],
      ['warm', 'hot', 85],
      ['hot', 'qualified', 185],
    ]);
  });

  it('ignores unknown events and inactive rules', () => {
    const rules = [rule('view', 'page_view', 5, { active: false }), rule('dl', 'download', 10)];
    const result = scoreContact([activity('page_view', at(0)), activity('clicked', at(1)), activity('download', at(2))], rules);
    expect(result.history.map((r) => r.ruleId)).toEqual(['dl']);
    expect(result.score).toBe(10);
  });

  it('tests conditions on properties and traits: equals, in, exists, numeric comparisons', () => {
    const rules = [
      rule('pricing', 'page_view', 10, { conditions: [{ path: 'properties.path', op: 'equals', value: '/pricing' }] }),
      rule('plan', 'signup', 7, { conditions: [{ path: 'properties.plan', op: 'in', value: ['pro', 'team'] }] }),
      rule('company', '*', 3, { kind: 'fit', conditions: [{ path: 'traits.company.name', op: 'exists' }] }),
      rule('big', 'signup', 20, { conditions: [{ path: 'properties.seats', op: 'gte', value: 50 }] }),
      rule('small', 'signup', 1, { conditions: [{ path: 'properties.seats', op: 'lt', value: 5 }] }),
    ];
    const result = scoreContact(
      [
        activity('page_view', at(0), { properties: { path: '/blog' } }),
        activity('page_view', at(1), { properties: { path: '/pricing' } }),
        activity('signup', at(2), { properties: { plan: 'free', seats: '2' }, traits: { company: { name: 'Acme' } } }),
        activity('signup', at(3), { properties: { plan: 'team', seats: 50 } }),
        activity('signup', at(4), { properties: { seats: 'many' } }),
      ],
      rules,
    );
    expect(result.history.map((r) => [r.ruleId, r.points])).toEqual([
      ['pricing', 10],
      ['small', 1],
      ['company', 3],
      ['big', 20],
      ['plan', 7],
    ]);
    expect(result).toMatchObject({ score: 41, fit: 3, engagement: 38 });
  });

  it('applies negative points, and a score may go below zero and the stage back down', () => {
    const rules = [rule('demo', 'demo_request', 50), rule('unsub', 'unsubscribed', -60)];
    const result = scoreContact([activity('demo_request', at(0)), activity('unsubscribed', at(1))], rules);
    expect(result.history.map((r) => r.points)).toEqual([50, -60]);
    expect(result.score).toBe(-10);
    expect(result.transitions.map((t) => t.to)).toEqual(['hot', 'cold']);
  });

  it('caps what one rule and one group give a contact, but never a negative rule', () => {
    const rules = [
      rule('view', 'page_view', 5, { cap: 12 }),
      rule('dl', 'download', 10, { group: 'content', groupCap: 25 }),
      rule('webinar', 'webinar', 10, { group: 'content' }),
      rule('bounce', 'bounce', -5, { cap: 1 }),
    ];
    const result = scoreContact(
      [
        ...[0, 1, 2, 3].map((d) => activity('page_view', at(d))),
        activity('download', at(5)),
        activity('webinar', at(6)),
        activity('download', at(7)),
        activity('bounce', at(8)),
        activity('bounce', at(9)),
      ],
      rules,
    );
    expect(result.history.map((r) => [r.ruleId, r.points])).toEqual([
      ['view', 5],
      ['view', 5],
      ['view', 2],
      ['dl', 10],
      ['webinar', 10],
      ['dl', 5],
      ['bounce', -5],
      ['bounce', -5],
    ]);
    expect(result.score).toBe(27);
  });

  it('halves decaying points every interval up to the time of evaluation, each step a row', () => {
    const rules = [rule('demo', 'demo_request', 50, { decay: { type: 'halve', percent: 50, everyDays: 30 } })];
    const demo = activity('demo_request', at(0));
    expect(scoreContact([demo], rules).score).toBe(50);
    expect(scoreContact([demo], rules, { asOf: at(29) }).score).toBe(50);
    const after65 = scoreContact([demo], rules, { asOf: at(65) });
    expect(after65.history.map((r) => [r.reason, r.points, r.at])).toEqual([
      ['award', 50, at(0)],
      ['decay', -25, at(30)],
      ['decay', -13, at(60)],
    ]);
    expect(after65.score).toBe(12);
    expect(after65.transitions.map((t) => [t.to, t.at])).toEqual([
      ['hot', at(0)],
      ['warm', at(30)],
      ['cold', at(60)],
    ]);
    // It runs out: nothing is left of it after enough halvings.
    expect(scoreContact([demo], rules, { asOf: at(3650) }).score).toBe(0);
  });

  it('expires points after their time', () => {
    const rules = [rule('view', 'page_view', 5, { decay: { type: 'expire', afterDays: 90 } }), rule('signup', 'signup', 20)];
    const acts = [activity('page_view', at(0)), activity('signup', at(10))];
    expect(scoreContact(acts, rules, { asOf: at(89) }).score).toBe(25);
    const later = scoreContact(acts, rules, { asOf: at(95) });
    expect(later.score).toBe(20);
    expect(later.history.at(-1)).toMatchObject({ ruleId: 'view', reason: 'expiry', points: -5, at: at(90), score: 20 });
  });

  it('breaks ties of time by activity id', () => {
    const a = { ...activity('signup', at(0)), activityId: 'b' };
    const b = { ...activity('signup', at(0)), activityId: 'a' };
    expect(orderActivities([a, b]).map((x) => x.activityId)).toEqual(['a', 'b']);
    const rules = [rule('signup', 'signup', 20, { cap: 20 })];
    expect(scoreContact([a, b], rules).history.map((r) => r.activityId)).toEqual(['a']);
  });

  it('gives the same history, score and transitions whatever order activities arrive in', () => {
    const rules = [
      ...DEFAULT_RULES,
      rule('view_cap', 'page_view', 3, { cap: 9, group: 'web', groupCap: 12 }),
      rule('pricing', 'page_view', 8, { group: 'web', conditions: [{ path: 'properties.path', op: 'equals', value: '/pricing' }] }),
      rule('unsub', 'unsubscribed', -30),
      rule('dl_decay', 'download', 4, { decay: { type: 'halve', percent: 50, everyDays: 7 } }),
    ];
    const events = ['page_view', 'download', 'signup', 'unsubscribed', 'demo_request', 'lead_submitted'];
    const acts: EngineActivity[] = [];
    for (let i = 0; i < 80; i += 1) {
      acts.push(
        activity(events[(i * 7) % events.length] as string, at(i % 20, (i * 13) % 3), {
          properties: { path: i % 4 === 0 ? '/pricing' : '/' },
          traits: { emailValid: i % 5 === 0, phoneValid: i % 9 === 0 },
        }),
      );
    }
    const asOf = at(40);
    const reference = scoreContact(acts, rules, { asOf });
    expect(reference.history.reduce((sum, r) => sum + r.points, 0)).toBe(reference.score);
    for (let seed = 1; seed <= 25; seed += 1) {
      expect(scoreContact(shuffled(acts, seed), shuffled(rules, seed + 100), { asOf })).toEqual(reference);
    }
  });
});

describe('scoreOnly', () => {
  it('gives the score and stage of scoreContact for every prefix of a history, with caps, negatives and decay', () => {
    const rules = [
      ...DEFAULT_RULES,
      rule('view_cap', 'page_view', 3, { cap: 9, group: 'web', groupCap: 12 }),
      rule('unsub', 'unsubscribed', -30),
      rule('dl_decay', 'download', 4, { decay: { type: 'halve', percent: 50, everyDays: 7 } }),
      rule('demo_expiry', 'demo_request', 40, { decay: { type: 'expire', afterDays: 10 } }),
    ];
    const thresholds = { warm: 10, hot: 40, qualified: 80 };
    const events = ['page_view', 'download', 'signup', 'unsubscribed', 'demo_request', 'lead_submitted'];
    const acts = Array.from({ length: 40 }, (_, i) =>
      activity(events[(i * 5) % events.length] as string, at(i % 15, i % 7), {
        traits: { emailValid: i % 6 === 2, phoneValid: i % 11 === 3 },
      }),
    );
    const stages = new Set<string>();
    for (let n = 0; n <= acts.length; n += 1) {
      const seen = shuffled(acts.slice(0, n), n);
      const full = scoreContact(seen, rules, { thresholds, asOf: at(20) });
      expect(scoreOnly(seen, rules, { thresholds, asOf: at(20) })).toEqual({ score: full.score, stage: full.stage });
      stages.add(full.stage);
    }
    // The prefixes went through more than one stage, so the stage is really compared.
    expect(stages.size).toBeGreaterThan(2);
  });
});

describe('stageFor', () => {
  it('uses the default thresholds, or a workspace’s own', () => {
    expect([-5, 19, 20, 49, 50, 99, 100].map((s) => stageFor(s))).toEqual(['cold', 'cold', 'warm', 'warm', 'hot', 'hot', 'qualified']);
    expect(stageFor(30, { warm: 10, hot: 30, qualified: 60 })).toBe('hot');
  });
});
