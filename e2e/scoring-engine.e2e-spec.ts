import type { ContactInsightsView, LeaderboardEntry, LeadView, Page, RecomputeView, ScoreView, ScoringRuleView } from '@leadflow/contracts';
import { findInvariantViolations, waitFor } from '@leadflow/testing';
import { E2E_ADMIN_KEY, E2E_INTAKE_KEY, Platform } from './platform';

/**
 * The scoring admin API through the gateway: rules and thresholds (audited, with clear 400s), a
 * recompute after a rule change with its progress, a dry-run backtest, the leaderboard in cursor
 * pages, a contact's score parts and insights.
 */
describe('scoring rules, recompute and reads, through the gateway', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(platform.gateway.url(path), {
      method,
      headers: { Authorization: `Bearer ${E2E_ADMIN_KEY}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  };

  async function sendLead(email: string, phone: string): Promise<string> {
    const sent = await fetch(platform.gateway.url('/api/v1/leads'), {
      method: 'POST',
      headers: { 'X-Api-Key': E2E_INTAKE_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, phone, offer: 'spring' }),
    });
    expect(sent.status).toBe(201);
    const leadId = String(((await sent.json()) as { id: string }).id);
    let contactId: string | null = null;
    await waitFor(
      async () => {
        const lead = await call<LeadView>('GET', `/api/v1/leads/${leadId}`);
        contactId = lead.body.contactId ?? null;
        if (contactId === null) return false;
        // The gateway answers 200 with an empty history until scoring has seen the contact: wait for the lead's points.
        const score = await call<ScoreView>('GET', `/api/v1/contacts/${contactId}/score`);
        return score.status === 200 && score.body.history.some((h) => h.ruleId === 'lead_submitted');
      },
      { timeoutMs: 20000, what: 'the lead scored' },
    );
    return contactId as unknown as string;
  }

  it('manages rules and thresholds, recomputes after a change, backtests drafts, and reads scores, leaderboard and insights', async () => {
    const [first, second] = [
      await sendLead('score.one@example.com', '+49 30 901820'),
      await sendLead('score.two@example.com', '+49 30 901821'),
    ];
    const score = await call<ScoreView>('GET', `/api/v1/contacts/${first}/score`);
    expect(score.body).toMatchObject({ score: 20, fit: 10, engagement: 10, stage: 'warm' });
    expect(score.body.history.map((h) => [h.ruleId, h.points, h.kind])).toEqual([
      ['lead_submitted', 10, 'engagement'],
      ['fit_valid_email', 5, 'fit'],
      ['fit_valid_phone', 5, 'fit'],
    ]);

    const rules = await call<Page<ScoringRuleView>>('GET', '/api/v1/scoring/rules');
    expect(rules.body.items.map((r) => `${r.id}:${r.points}`)).toEqual([
      'contract_signed:100',
      'demo_request:50',
      'download:10',
      'fit_valid_email:5',
      'fit_valid_phone:5',
      'lead_submitted:10',
      'page_view:5',
      'signup:20',
    ]);
    const invalid = await call<{ error: { code: string } }>('POST', '/api/v1/scoring/rules', {
      id: 'bad',
      kind: 'engagement',
      event: 'x',
      points: 5,
      conditions: [{ path: 'nowhere', op: 'equals', value: 1 }],
    });
    expect([invalid.status, invalid.body.error.code]).toEqual([400, 'invalid_rule']);
    const malformed = await call<{ error: { code: string } }>('POST', '/api/v1/scoring/rules', {
      id: 'bad',
      kind: 'sometimes',
      event: 'x',
      points: 5,
    });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'validation_failed']);
    const created = await call<ScoringRuleView>('POST', '/api/v1/scoring/rules', {
      id: 'webinar',
      kind: 'engagement',
      event: 'webinar_attended',
      points: 15,
      cap: 30,
    });
    expect([created.status, created.body.cap]).toEqual([201, 30]);
    expect(
      (await call<{ error: { code: string } }>('POST', '/api/v1/scoring/rules', { id: 'webinar', kind: 'fit', event: '*', points: 1 })).body
        .error.code,
    ).toBe('rule_exists');
    expect((await call('DELETE', '/api/v1/scoring/rules/webinar')).status).toBe(204);
    expect((await call('DELETE', '/api/v1/scoring/rules/webinar')).status).toBe(404);
    const patched = await call<ScoringRuleView>('PATCH', '/api/v1/scoring/rules/lead_submitted', { points: 50 });
    expect([patched.status, patched.body.points]).toEqual([200, 50]);
    const audit = await platform.db.query<{ action: string }>(
      `SELECT action FROM gateway.audit_log WHERE action LIKE 'scoring%' ORDER BY at, id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['scoring_rule.create', 'scoring_rule.delete', 'scoring_rule.update']);

    expect((await call('GET', '/api/v1/scoring/stages')).body).toEqual({ warm: 20, hot: 50, qualified: 100 });
    const badStages = await call<{ error: { code: string } }>('PUT', '/api/v1/scoring/stages', { warm: 60, hot: 50, qualified: 100 });
    expect([badStages.status, badStages.body.error.code]).toEqual([400, 'invalid_thresholds']);

    // A backtest: under the saved rules (lead 50) both would be hot; a draft keeping lead at 10 changes none.
    const dry = await call<RecomputeView>('POST', '/api/v1/scoring/recompute', { dryRun: true });
    expect([dry.status, dry.body.dryRun, dry.body.total]).toEqual([202, true, 2]);
    const draft = await call<RecomputeView>('POST', '/api/v1/scoring/recompute', {
      dryRun: true,
      rules: rules.body.items.map(({ id, kind, event, conditions, points }) => ({ id, kind, event, conditions, points })),
    });
    const progress = async (id: string) => {
      let run: RecomputeView | undefined;
      await waitFor(
        async () => {
          run = (await call<RecomputeView>('GET', `/api/v1/scoring/recompute/${id}`)).body;
          return run.status === 'done';
        },
        { timeoutMs: 20000, what: 'the recompute done' },
      );
      return run as RecomputeView;
    };
    expect(await progress(dry.body.id)).toMatchObject({ done: 2, total: 2, stageChanges: 2 });
    expect(await progress(draft.body.id)).toMatchObject({ done: 2, total: 2, stageChanges: 0 });
    expect((await call<ScoreView>('GET', `/api/v1/contacts/${first}/score`)).body.score).toBe(20);

    const run = await call<RecomputeView>('POST', '/api/v1/scoring/recompute', { filter: { contactIds: [first] } });
    expect(await progress(run.body.id)).toMatchObject({ done: 1, total: 1, stageChanges: 1 });
    expect((await call<ScoreView>('GET', `/api/v1/contacts/${first}/score`)).body).toMatchObject({ score: 60, stage: 'hot' });
    await waitFor(
      async () =>
        (await platform.db.query(`SELECT 1 FROM scoring.outbox WHERE type = 'stage.changed' AND published_at IS NULL`)).length === 0,
      { timeoutMs: 10000, what: 'stage changes published' },
    );
    expect((await call<{ error: { code: string } }>('GET', '/api/v1/scoring/recompute/not-a-uuid')).body.error.code).toBe('invalid_id');

    const page1 = await call<Page<LeaderboardEntry>>('GET', '/api/v1/leaderboard?limit=1');
    expect(page1.body.items).toEqual([{ contactId: first, score: 60, stage: 'hot' }]);
    const page2 = await call<Page<LeaderboardEntry>>('GET', `/api/v1/leaderboard?limit=1&cursor=${page1.body.nextCursor}`);
    expect([page2.body.items, page2.body.nextCursor]).toEqual([[{ contactId: second, score: 20, stage: 'warm' }], null]);
    expect((await call<Page<LeaderboardEntry>>('GET', '/api/v1/leaderboard?stage=warm')).body.items.map((e) => e.contactId)).toEqual([
      second,
    ]);
    expect((await call<{ error: { code: string } }>('GET', '/api/v1/leaderboard?stage=boiling')).status).toBe(400);
    expect((await call<{ error: { code: string } }>('GET', '/api/v1/leaderboard?cursor=zzz')).body.error.code).toBe('invalid_cursor');
    expect((await call<{ items: LeaderboardEntry[] }>('GET', '/api/v1/scores/leaderboard?limit=1')).body.items).toHaveLength(1);

    const insights = await call<ContactInsightsView>('GET', `/api/v1/contacts/${first}/insights`);
    expect(insights.body).toMatchObject({
      contactId: first,
      score: 60,
      stage: 'hot',
      velocity: { last7Days: 60, previous7Days: 0, trend: 'up' },
      daysSinceLastActivity: 0,
      atRisk: false,
      nextAction: 'offer_demo',
    });
    await waitFor(async () => (await findInvariantViolations(platform.db, { drained: true })).length === 0, {
      timeoutMs: 20000,
      what: 'no invariant violated',
    });
  });
});
