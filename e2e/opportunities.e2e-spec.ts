import type {
  ClosedDealsDailyReport,
  DealFunnelReport,
  LeadConversionView,
  LeadView,
  OpportunityView,
  PipelineValueReport,
} from '@leadflow/contracts';
import { findInvariantViolations, waitFor } from '@leadflow/testing';
import { E2E_ADMIN_KEY, E2E_INTAKE_KEY, Platform } from './platform';

/**
 * Deals through the gateway, across the apps: a lead is sent, converted with an opportunity of a
 * 19-digit amount (idempotently), the opportunity is moved under If-Match to closed won, and the
 * deal reports of metrics add up to the exact amounts, their totals to their breakdowns.
 */
describe('opportunities, lead conversion and deal metrics, through the gateway', () => {
  let platform: Platform;
  const MAX = '9223372036854775807';

  beforeAll(async () => {
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  interface Answer<T> {
    status: number;
    headers: Headers;
    text: string;
    body: T;
  }

  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> => {
    const response = await fetch(platform.gateway.url(path), {
      method,
      headers: {
        Authorization: `Bearer ${E2E_ADMIN_KEY}`,
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: (text ? JSON.parse(text) : null) as T };
  };

  it('converts a lead with a 19-digit opportunity, closes it won under If-Match, and reports exact sums', async () => {
    const sent = await fetch(platform.gateway.url('/api/v1/leads'), {
      method: 'POST',
      headers: { 'X-Api-Key': E2E_INTAKE_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'deal.maker@example.com', phone: '+49 30 901821', offer: 'enterprise' }),
    });
    expect(sent.status).toBe(201);
    const leadId = String(((await sent.json()) as { id: string }).id);

    // Converting before the pipeline attributed the lead is a 409 to retry after Retry-After.
    const conversion = { opportunity: { name: 'Enterprise deal', amount: { amount: MAX, currency: 'EUR' } } };
    const convert = (body: unknown, key?: string) =>
      call<LeadConversionView>('POST', `/api/v1/leads/${leadId}/convert`, { body, headers: key ? { 'Idempotency-Key': key } : {} });
    let converted: Answer<LeadConversionView> | undefined;
    await waitFor(
      async () => {
        converted = await convert(conversion, 'convert-1');
        if (converted.status === 409) {
          expect(converted.text).toContain('lead_not_attributed');
          expect(converted.headers.get('retry-after')).toBe('1');
        }
        return converted.status === 200;
      },
      { timeoutMs: 20000, what: 'the lead converted' },
    );
    const first = converted as Answer<LeadConversionView>;
    const lead = (await call<LeadView>('GET', `/api/v1/leads/${leadId}`)).body;
    expect(first.body).toMatchObject({ leadId, contactId: lead.contactId, lifecycle: 'contact' });
    // The amount leaves as it came: a JSON string of all 19 digits.
    expect(first.text).toContain(`"amount":"${MAX}"`);
    const opportunity = first.body.opportunity as OpportunityView;
    expect(opportunity).toMatchObject({ leadId, stage: 'appointment_scheduled', probability: 20, version: 1, amount: { amount: MAX } });

    // The same key and body: the same answer again; another body under it: 422; no key: 409.
    const replay = await convert(conversion, 'convert-1');
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.text]).toEqual([200, 'true', first.text]);
    const reused = await convert({ opportunity: { ...conversion.opportunity, name: 'Other' } }, 'convert-1');
    expect([reused.status, reused.text]).toEqual([422, expect.stringContaining('idempotency_key_reused')]);
    const again = await convert({});
    expect([again.status, again.text]).toEqual([409, expect.stringContaining('lead_already_converted')]);

    // Reads carry the version as ETag; a change needs If-Match.
    const path = `/api/v1/opportunities/${opportunity.id}`;
    const read = await call<OpportunityView>('GET', path);
    expect([read.status, read.headers.get('etag'), read.body.amount.amount]).toEqual([200, '"1"', MAX]);
    const unconditional = await call('PATCH', path, { body: { stage: 'contract_sent' } });
    expect([unconditional.status, unconditional.text]).toEqual([428, expect.stringContaining('precondition_required')]);

    // Two changes made from the same version: one goes through, the other gets 412 and the current opportunity.
    const racing = await Promise.all(
      ['Enterprise deal A', 'Enterprise deal B'].map((name) =>
        call<Record<string, unknown>>('PATCH', path, { body: { name }, headers: { 'If-Match': '"1"' } }),
      ),
    );
    expect(racing.map((answer) => answer.status).sort()).toEqual([200, 412]);
    const conflict = racing.find((answer) => answer.status === 412) as Answer<{ error: { code: string }; current: OpportunityView }>;
    expect(conflict.body.error.code).toBe('version_conflict');
    expect([conflict.body.current.version, conflict.headers.get('etag')]).toEqual([2, '"2"']);
    expect(conflict.body.error).toMatchObject({ message: expect.any(String), requestId: expect.any(String) });
    // One rule with contacts: * (a blind write) and weak tags are refused; a list of strong ones is allowed.
    for (const ifMatch of ['*', 'W/"2"']) {
      const refused = await call('PATCH', path, { body: { name: 'Blind' }, headers: { 'If-Match': ifMatch } });
      expect([refused.status, refused.text]).toEqual([400, expect.stringContaining('invalid_precondition')]);
    }
    const listed = await call<OpportunityView>('PATCH', path, { body: { name: 'Enterprise deal' }, headers: { 'If-Match': '"1", "2"' } });
    expect([listed.status, listed.body.version]).toEqual([200, 3]);

    const floats = await call('POST', '/api/v1/opportunities', {
      body: { name: 'Yen', contactId: lead.contactId, amount: { amount: '1299.5', currency: 'JPY' } },
    });
    expect([floats.status, floats.text]).toEqual([400, expect.stringContaining('invalid_amount')]);

    const won = await call<OpportunityView>('PATCH', path, { body: { stage: 'closed_won' }, headers: { 'If-Match': '"3"' } });
    expect(won.status).toBe(200);
    expect(won.body).toMatchObject({ status: 'won', probability: 100, version: 4 });
    expect(won.headers.get('etag')).toBe('"4"');
    const closedDay = String(won.body.closedAt).slice(0, 10);
    const history = await call<{ items: Array<{ fromStage: string | null; toStage: string; version: number }> }>('GET', `${path}/history`);
    expect(history.body.items.map((move) => [move.version, move.fromStage, move.toStage])).toEqual([
      [1, null, 'appointment_scheduled'],
      [4, 'appointment_scheduled', 'closed_won'],
    ]);

    // A second opportunity stays open in the pipeline, also at the largest amount.
    const open = await call<OpportunityView>('POST', '/api/v1/opportunities', {
      body: { name: 'Follow-up', contactId: lead.contactId, stage: 'contract_sent', amount: { amount: MAX, currency: 'EUR' } },
    });
    expect([open.status, open.body.probability]).toEqual([201, 90]);

    // Metrics: the open pipeline, the won deal of the day and the funnel, exact and adding up.
    let pipelineValue: PipelineValueReport | undefined;
    let closed: ClosedDealsDailyReport | undefined;
    let funnel: DealFunnelReport | undefined;
    await waitFor(
      async () => {
        pipelineValue = await platform.admin<PipelineValueReport>('/api/v1/metrics/deals/pipeline-value');
        closed = await platform.admin<ClosedDealsDailyReport>(`/api/v1/metrics/deals/closed/daily?from=${closedDay}&to=${closedDay}`);
        funnel = await platform.admin<DealFunnelReport>('/api/v1/metrics/deals/funnel');
        // Each report is fed by its own consumers: wait until every one has applied the won deal and the open one.
        return (
          pipelineValue.breakdown.length === 1 &&
          pipelineValue.breakdown[0]?.stage === 'contract_sent' &&
          closed.totals.length === 1 &&
          funnel.total.won === 1 &&
          funnel.total.contacts === 1
        );
      },
      { timeoutMs: 20000, what: 'the deal metrics' },
    );
    expect(pipelineValue?.breakdown).toEqual([
      { pipelineId: open.body.pipelineId, stage: 'contract_sent', currency: 'EUR', count: 1, amount: MAX },
    ]);
    expect(pipelineValue?.totals).toEqual([{ currency: 'EUR', count: 1, amount: MAX }]);
    expect(closed?.breakdown).toEqual([{ date: closedDay, currency: 'EUR', wonCount: 1, wonAmount: MAX, lostCount: 0, lostAmount: '0' }]);
    expect(closed?.totals).toEqual([{ currency: 'EUR', wonCount: 1, wonAmount: MAX, lostCount: 0, lostAmount: '0' }]);
    expect(funnel?.breakdown).toEqual([{ source: lead.source, offer: 'enterprise', leads: 1, contacts: 1, opportunities: 2, won: 1 }]);
    expect(funnel?.total).toEqual({ leads: 1, contacts: 1, opportunities: 2, won: 1 });

    // Once drained, metrics hold every opportunity at its current version and amount.
    await waitFor(async () => (await findInvariantViolations(platform.db, { drained: true })).length === 0, {
      timeoutMs: 20000,
      what: 'the drained invariants, deal metrics included',
    });

    // Events and audit: the conversion and the win were published; every write is in the audit log.
    const convertedEvents = await platform.published<{ leadId: string; contactId: string }>('lead.converted');
    expect(convertedEvents.map((event) => [event.data.leadId, event.data.contactId])).toEqual([[leadId, lead.contactId]]);
    const wonEvents = await platform.published<{ opportunityId: string; amount: string; version: number }>('opportunity.won');
    expect(wonEvents.map((event) => [event.data.opportunityId, event.data.amount, event.data.version])).toEqual([[opportunity.id, MAX, 4]]);
    const audit = await platform.admin<{ items: Array<{ action: string; target: string }> }>('/api/v1/audit?limit=50');
    expect(
      audit.items
        .filter((entry) => /^(lead|opportunity):/.test(entry.target))
        .map((entry) => entry.action)
        .sort(),
    ).toEqual(['lead.convert', 'opportunity.create', 'opportunity.update', 'opportunity.update', 'opportunity.update'].sort());
  });
});
