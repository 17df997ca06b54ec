import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { generateStandardWebhookSecret, signStandardWebhook, standardWebhookSignature, verifyStandardWebhook } from './standard-webhooks';
import { SigningConfigurationException } from './signature-verification';

// The reference test vectors of the Standard Webhooks libraries (its JavaScript and Python test suites).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  unprefixedSecret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  // The same signature with its last byte changed, from the Python suite's invalid-signature case.
  lastByteChanged: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=',
  foreignSignature: 'Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
};

const vectorTime = new Date(VECTOR.timestamp * 1000);
const body = Buffer.from(VECTOR.payload, 'utf8');

function vectorHeaders(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    'webhook-id': VECTOR.id,
    'webhook-timestamp': String(VECTOR.timestamp),
    'webhook-signature': VECTOR.signature,
    ...overrides,
  };
}

describe('Standard Webhooks against the reference vectors', () => {
  it('signs the reference message to the reference signature', () => {
    expect(standardWebhookSignature(VECTOR.id, vectorTime, VECTOR.payload, VECTOR.secret)).toBe(VECTOR.signature);
    expect(signStandardWebhook({ id: VECTOR.id, body }, [VECTOR.secret], vectorTime)).toEqual({
      'webhook-id': VECTOR.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': VECTOR.signature,
    });
  });

  it('accepts the reference signature, with or without the whsec_ prefix on the secret', () => {
    for (const secret of [VECTOR.secret, VECTOR.unprefixedSecret]) {
      expect(verifyStandardWebhook(vectorHeaders(), body, [secret], { now: vectorTime })).toEqual({
        ok: true,
        secretIndex: 0,
        signedAt: vectorTime,
        webhookId: VECTOR.id,
      });
    }
  });

  it('reads header names in any case', () => {
    const headers = { 'Webhook-Id': VECTOR.id, 'WEBHOOK-TIMESTAMP': String(VECTOR.timestamp), 'Webhook-Signature': VECTOR.signature };
    expect(verifyStandardWebhook(headers, body, [VECTOR.secret], { now: vectorTime }).ok).toBe(true);
  });

  it('rejects the reference signature with its last byte changed', () => {
    const verification = verifyStandardWebhook(vectorHeaders({ 'webhook-signature': VECTOR.lastByteChanged }), body, [VECTOR.secret], {
      now: vectorTime,
    });
    expect(verification).toMatchObject({ ok: false, code: 'invalid_signature' });
  });

  it('finds the valid signature among others and skips versions it does not know', () => {
    const signature = [
      `v1,${VECTOR.foreignSignature}`,
      `v2,${VECTOR.foreignSignature}`,
      VECTOR.signature,
      `v1,${VECTOR.foreignSignature}`,
    ].join(' ');
    const verification = verifyStandardWebhook(vectorHeaders({ 'webhook-signature': signature }), body, [VECTOR.secret], {
      now: vectorTime,
    });
    expect(verification.ok).toBe(true);
  });

  it('rejects a truncated, a partial or an empty v1 signature', () => {
    for (const signature of ['v1,dawfeoifkpqwoekfpqoekf', VECTOR.signature.slice(0, 8), VECTOR.signature.slice(0, -4), 'v1,']) {
      const verification = verifyStandardWebhook(vectorHeaders({ 'webhook-signature': signature }), body, [VECTOR.secret], {
        now: vectorTime,
      });
      expect(verification.ok).toBe(false);
    }
  });

  it('rejects a tampered body and a wrong secret as invalid_signature', () => {
    const tampered = Buffer.from('{"test": 2432232315}', 'utf8');
    expect(verifyStandardWebhook(vectorHeaders(), tampered, [VECTOR.secret], { now: vectorTime })).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    expect(verifyStandardWebhook(vectorHeaders(), body, [generateStandardWebhookSecret()], { now: vectorTime })).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
  });

  it('rejects a changed id or timestamp, both being signed', () => {
    const otherId = vectorHeaders({ 'webhook-id': 'msg_other' });
    expect(verifyStandardWebhook(otherId, body, [VECTOR.secret], { now: vectorTime })).toMatchObject({ code: 'invalid_signature' });
    const otherTime = vectorHeaders({ 'webhook-timestamp': String(VECTOR.timestamp + 1) });
    expect(verifyStandardWebhook(otherTime, body, [VECTOR.secret], { now: vectorTime })).toMatchObject({ code: 'invalid_signature' });
  });

  it('answers missing_signature for each absent or empty header', () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      for (const value of [undefined, '', '  ']) {
        const verification = verifyStandardWebhook(vectorHeaders({ [name]: value }), body, [VECTOR.secret], { now: vectorTime });
        expect(verification).toMatchObject({ ok: false, code: 'missing_signature' });
      }
    }
  });

  it('answers malformed_header for a timestamp that is not whole seconds, a repeated header or no v1 signature', () => {
    for (const timestamp of ['hello', '1614265330.5', '-1614265330', '0x60382b72', '1614265330abc']) {
      const verification = verifyStandardWebhook(vectorHeaders({ 'webhook-timestamp': timestamp }), body, [VECTOR.secret], {
        now: vectorTime,
      });
      expect(verification).toMatchObject({ ok: false, code: 'malformed_header' });
    }
    const repeated = { ...vectorHeaders(), 'webhook-signature': [VECTOR.signature, VECTOR.signature] };
    expect(verifyStandardWebhook(repeated, body, [VECTOR.secret], { now: vectorTime })).toMatchObject({ code: 'malformed_header' });
    const onlyV2 = vectorHeaders({ 'webhook-signature': `v2,${VECTOR.foreignSignature}` });
    expect(verifyStandardWebhook(onlyV2, body, [VECTOR.secret], { now: vectorTime })).toMatchObject({ code: 'malformed_header' });
    const tooMany = vectorHeaders({ 'webhook-signature': Array.from({ length: 17 }, () => VECTOR.signature).join(' ') });
    expect(verifyStandardWebhook(tooMany, body, [VECTOR.secret], { now: vectorTime })).toMatchObject({ code: 'malformed_header' });
  });

  it('accepts a timestamp up to the tolerance away in either direction, and answers stale_timestamp beyond it', () => {
    const at = (seconds: number): Date => new Date((VECTOR.timestamp + seconds) * 1000);
    const verify = (now: Date, toleranceSeconds?: number) =>
      verifyStandardWebhook(vectorHeaders(), body, [VECTOR.secret], { now, toleranceSeconds });
    expect(verify(at(300)).ok).toBe(true);
    expect(verify(at(-300)).ok).toBe(true);
    // A fraction of a second never tips the balance: timestamps are whole seconds.
    expect(verify(new Date((VECTOR.timestamp + 300) * 1000 + 999)).ok).toBe(true);
    expect(verify(at(301))).toMatchObject({ ok: false, code: 'stale_timestamp' });
    expect(verify(at(-301))).toMatchObject({ ok: false, code: 'stale_timestamp' });
    expect(verify(at(60), 30)).toMatchObject({ ok: false, code: 'stale_timestamp' });
    expect(verify(at(60), 60).ok).toBe(true);
  });

  it('refuses our own misconfiguration instead of answering the sender', () => {
    expect(() => verifyStandardWebhook(vectorHeaders(), body, [], { now: vectorTime })).toThrow(SigningConfigurationException);
    expect(() => verifyStandardWebhook(vectorHeaders(), body, ['whsec_not base64!'], { now: vectorTime })).toThrow(
      SigningConfigurationException,
    );
    expect(() => verifyStandardWebhook(vectorHeaders(), body, [VECTOR.secret], { now: vectorTime, toleranceSeconds: 0 })).toThrow(
      SigningConfigurationException,
    );
  });
});

describe('Standard Webhooks secret rotation', () => {
  const oldSecret = generateStandardWebhookSecret();
  const newSecret = generateStandardWebhookSecret();
  const now = new Date('2026-11-30T12:00:00Z');

  it('signs with every active secret, so receivers that know either one accept the delivery', () => {
    const headers = signStandardWebhook({ id: 'msg_rotation', body }, [newSecret, oldSecret], now);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyStandardWebhook(headers, body, [oldSecret], { now })).toMatchObject({ ok: true, secretIndex: 0 });
    expect(verifyStandardWebhook(headers, body, [newSecret], { now })).toMatchObject({ ok: true, secretIndex: 0 });
  });

  it('accepts a message signed with either of our secrets and tells which one matched', () => {
    const signedWithOld = signStandardWebhook({ id: 'msg_old', body }, [oldSecret], now);
    const signedWithNew = signStandardWebhook({ id: 'msg_new', body }, [newSecret], now);
    expect(verifyStandardWebhook(signedWithOld, body, [newSecret, oldSecret], { now })).toMatchObject({ ok: true, secretIndex: 1 });
    expect(verifyStandardWebhook(signedWithNew, body, [newSecret, oldSecret], { now })).toMatchObject({ ok: true, secretIndex: 0 });
    expect(verifyStandardWebhook(signedWithOld, body, [newSecret], { now })).toMatchObject({ ok: false, code: 'invalid_signature' });
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const secret = generateStandardWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateStandardWebhookSecret()).not.toBe(secret);
  });
});

describe('Standard Webhooks against the standardwebhooks package', () => {
  const secret = generateStandardWebhookSecret();
  const payload = JSON.stringify({ type: 'contact.created', data: { id: 'c_1', name: 'Zoë' } });

  afterEach(() => jest.useRealTimers());

  it('signs what the package verifies, with one secret and with several', () => {
    const now = new Date();
    const headers = signStandardWebhook({ id: 'msg_ours', body: payload }, [secret], now);
    expect(new Webhook(secret).verify(payload, { ...headers })).toEqual(JSON.parse(payload));

    const rotating = signStandardWebhook({ id: 'msg_ours', body: payload }, [generateStandardWebhookSecret(), secret], now);
    expect(new Webhook(secret).verify(Buffer.from(payload), { ...rotating })).toEqual(JSON.parse(payload));
  });

  it('verifies what the package signs', () => {
    const now = new Date();
    const signature = new Webhook(secret).sign('msg_theirs', now, payload);
    expect(standardWebhookSignature('msg_theirs', now, payload, secret)).toBe(signature);
    const headers = {
      'webhook-id': 'msg_theirs',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    };
    expect(verifyStandardWebhook(headers, Buffer.from(payload), [secret], { now })).toMatchObject({ ok: true, webhookId: 'msg_theirs' });
  });

  it('agrees with the package on where the tolerance ends, in the past and in the future', () => {
    const now = new Date('2026-11-30T12:00:00.500Z');
    jest.useFakeTimers({ now, doNotFake: ['nextTick', 'setImmediate'] });
    for (const offset of [-301, -300, -1, 0, 1, 300, 301]) {
      const signedAt = new Date(now.getTime() + offset * 1000);
      const headers = signStandardWebhook({ id: `msg_${offset}`, body: payload }, [secret], signedAt);
      const ours = verifyStandardWebhook(headers, Buffer.from(payload), [secret], { now });
      let theirs: boolean;
      try {
        new Webhook(secret).verify(payload, { ...headers });
        theirs = true;
      } catch (error) {
        expect(error).toBeInstanceOf(WebhookVerificationError);
        theirs = false;
      }
      expect({ offset, accepted: ours.ok }).toEqual({ offset, accepted: theirs });
      if (!ours.ok) expect(ours.code).toBe('stale_timestamp');
    }
  });

  it('agrees with the package on a tampered body and a wrong secret', () => {
    const now = new Date();
    const headers = signStandardWebhook({ id: 'msg_x', body: payload }, [secret], now);
    const tampered = payload.replace('Zoë', 'Zoe');
    expect(() => new Webhook(secret).verify(tampered, { ...headers })).toThrow(WebhookVerificationError);
    expect(verifyStandardWebhook(headers, Buffer.from(tampered), [secret], { now })).toMatchObject({ code: 'invalid_signature' });
    const other = generateStandardWebhookSecret();
    expect(() => new Webhook(other).verify(payload, { ...headers })).toThrow(WebhookVerificationError);
    expect(verifyStandardWebhook(headers, Buffer.from(payload), [other], { now })).toMatchObject({ code: 'invalid_signature' });
  });
});
