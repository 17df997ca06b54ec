import { leadRequest, LeadSequence } from './lead-sequence';

describe('leadRequest', () => {
  it('gives every lead its own key, e-mail and phone, so that each becomes its own contact', () => {
    const leads = Array.from({ length: 5000 }, (_, n) => leadRequest('r1', n));
    const bodies = leads.map((lead) => JSON.parse(lead.body) as { email: string; phone: string });
    expect(new Set(leads.map((lead) => lead.idempotencyKey)).size).toBe(5000);
    expect(new Set(bodies.map((body) => body.email)).size).toBe(5000);
    expect(new Set(bodies.map((body) => body.phone)).size).toBe(5000);
  });

  it('sends the same n-th lead to every target', () => {
    const platform = new LeadSequence('r1');
    const baseline = new LeadSequence('r1');
    platform.take();
    baseline.take();
    expect(platform.take()).toEqual(baseline.take());
  });
});
