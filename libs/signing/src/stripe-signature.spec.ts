import Stripe from 'stripe';
import { signStripeWebhook, stripeScheme, verifyStripeWebhook } from './stripe-signature';

const stripe = new Stripe('sk_test_signing_compatibility_only');
const payload = JSON.stringify({ id: 'evt_1QzA', object: 'event', type: 'customer.created', data: { object: { name: 'Zoë' } } });
const body = Buffer.from(payload);

describe('the Stripe scheme against the stripe package', () => {
  const secret = stripeScheme.generateSecret();
  const now = new Date('2026-11-30T12:00:00Z');
  const nowSeconds = Math.floor(now.getTime() / 1000);

  it('accepts the header that generateTestHeaderString makes', () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: nowSeconds });
    expect(verifyStripeWebhook({ 'stripe-signature': header }, body, [secret], { now })).toEqual({
      ok: true,
      secretIndex: 0,
      signedAt: new Date(nowSeconds * 1000),
      webhookId: null,
    });
  });

  it('signs headers that constructEvent accepts, with one secret and with several', () => {
    const header = signStripeWebhook(body, [secret], now);
    expect(stripe.webhooks.constructEvent(payload, header, secret, 300, undefined, now.getTime()).id).toBe('evt_1QzA');
    expect(header).toBe(stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: nowSeconds }));

    const other = stripeScheme.generateSecret();
    const rotating = signStripeWebhook(body, [other, secret], now);
    expect(stripe.webhooks.constructEvent(payload, rotating, secret, 300, undefined, now.getTime()).id).toBe('evt_1QzA');
    expect(stripe.webhooks.constructEvent(payload, rotating, other, 300, undefined, now.getTime()).id).toBe('evt_1QzA');
  });

  it('agrees with constructEvent on a tampered body, a wrong secret and an old timestamp', () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: nowSeconds });
    const tampered = payload.replace('Zoë', 'Zoe');
    expect(() => stripe.webhooks.constructEvent(tampered, header, secret, 300, undefined, now.getTime())).toThrow();
    expect(verifyStripeWebhook({ 'stripe-signature': header }, Buffer.from(tampered), [secret], { now })).toMatchObject({
      code: 'invalid_signature',
    });

    const wrong = stripeScheme.generateSecret();
    expect(() => stripe.webhooks.constructEvent(payload, header, wrong, 300, undefined, now.getTime())).toThrow();
    expect(verifyStripeWebhook({ 'stripe-signature': header }, body, [wrong], { now })).toMatchObject({ code: 'invalid_signature' });

    const later = new Date(now.getTime() + 301_000);
    expect(() => stripe.webhooks.constructEvent(payload, header, secret, 300, undefined, later.getTime())).toThrow(/tolerance/);
    expect(verifyStripeWebhook({ 'stripe-signature': header }, body, [secret], { now: later })).toMatchObject({
      code: 'stale_timestamp',
    });
  });

  it('also refuses a timestamp far in the future, which Stripe itself would let through', () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: nowSeconds + 3600 });
    expect(verifyStripeWebhook({ 'stripe-signature': header }, body, [secret], { now })).toMatchObject({ code: 'stale_timestamp' });
  });

  it('ignores the v0 and unknown schemes Stripe adds, and needs a v1', () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: nowSeconds });
    const withV0 = `${header},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39,v2=zzz`;
    expect(verifyStripeWebhook({ 'stripe-signature': withV0 }, body, [secret], { now }).ok).toBe(true);
    const onlyV0 = header.replace('v1=', 'v0=');
    expect(verifyStripeWebhook({ 'stripe-signature': onlyV0 }, body, [secret], { now })).toMatchObject({ code: 'malformed_header' });
  });

  it('answers malformed_header for a header without exactly one whole-seconds t=', () => {
    const v1 = `v1=${'a'.repeat(64)}`;
    for (const header of [v1, `t=,${v1}`, `t=12.5,${v1}`, `t=abc,${v1}`, `t=1,t=2,${v1}`, 'garbage']) {
      expect(verifyStripeWebhook({ 'stripe-signature': header }, body, [secret], { now })).toMatchObject({ code: 'malformed_header' });
    }
    expect(verifyStripeWebhook({}, body, [secret], { now })).toMatchObject({ code: 'missing_signature' });
  });
});
