import { insightsOf } from './insights';

const now = new Date('2026-03-01T12:00:00.000Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const base = { score: 0, stage: 'cold' as const, last7Days: 0, previous7Days: 0, lastActivityAt: daysAgo(1), now, riskSilentDays: 14 };

describe('insightsOf', () => {
  it('reports velocity, last activity and days since', () => {
    const view = insightsOf('c', { ...base, score: 30, stage: 'warm', last7Days: 25, previous7Days: 5, lastActivityAt: daysAgo(3) });
    expect(view).toEqual({
      contactId: 'c',
      score: 30,
      stage: 'warm',
      velocity: { last7Days: 25, previous7Days: 5, trend: 'up' },
      lastActivityAt: daysAgo(3).toISOString(),
      daysSinceLastActivity: 3,
      atRisk: false,
      nextAction: 'send_case_study',
    });
  });

  it('flags a hot or qualified contact silent for N days, and only those', () => {
    expect(insightsOf('c', { ...base, stage: 'hot', lastActivityAt: daysAgo(14) })).toMatchObject({
      atRisk: true,
      nextAction: 're_engage',
    });
    expect(insightsOf('c', { ...base, stage: 'qualified', lastActivityAt: daysAgo(13) })).toMatchObject({
      atRisk: false,
      nextAction: 'hand_to_sales',
    });
    expect(insightsOf('c', { ...base, stage: 'qualified', lastActivityAt: daysAgo(5), riskSilentDays: 5 }).atRisk).toBe(true);
    expect(insightsOf('c', { ...base, stage: 'warm', lastActivityAt: daysAgo(60) })).toMatchObject({
      atRisk: false,
      nextAction: 'nurture',
    });
  });

  it('suggests the next action by the documented rules', () => {
    expect(insightsOf('c', { ...base, stage: 'hot' }).nextAction).toBe('offer_demo');
    expect(insightsOf('c', { ...base, stage: 'warm', last7Days: 5, previous7Days: 10 }).nextAction).toBe('nurture');
    expect(insightsOf('c', { ...base, lastActivityAt: daysAgo(2) }).nextAction).toBe('welcome_sequence');
    expect(insightsOf('c', { ...base, lastActivityAt: daysAgo(30) }).nextAction).toBe('wait');
    expect(insightsOf('c', { ...base, lastActivityAt: null })).toMatchObject({ daysSinceLastActivity: null, nextAction: 'wait' });
  });
});
