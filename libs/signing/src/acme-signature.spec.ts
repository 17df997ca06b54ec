import { createHmac } from 'node:crypto';
import { ACME_SIGNATURE_HEADER, ACME_TIMESTAMP_HEADER, signAcmeWebhook, verifyAcmeWebhook } from './acme-signature';

const secret = '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c';
const now = new Date('2026-11-30T12:00:00Z');
const timestamp = String(Math.floor(now.getTime() / 1000));
const body = Buffer.from('{"event":"contact.updated","id":"evt_7","data":{"id":"c_9","email":"ana@example.com"}}');

describe('the AcmeCRM scheme', () => {
  it('signs the hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret as text', () => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
    expect(signAcmeWebhook(body, secret, now)).toEqual({ [ACME_SIGNATURE_HEADER]: expected, [ACME_TIMESTAMP_HEADER]: timestamp });
  });

  it('accepts the signature in either case of hex', () => {
    const headers = signAcmeWebhook(body, secret, now);
    const upper = { ...headers, [ACME_SIGNATURE_HEADER]: headers[ACME_SIGNATURE_HEADER].toUpperCase() };
    expect(verifyAcmeWebhook(upper, body, [secret], { now })).toMatchObject({ ok: true, secretIndex: 0, signedAt: now });
  });

  it('rejects a signature of the body alone, which would let a captured request be replayed with a new timestamp', () => {
    const bodyOnly = createHmac('sha256', secret).update(body).digest('hex');
    const headers = { [ACME_SIGNATURE_HEADER]: bodyOnly, [ACME_TIMESTAMP_HEADER]: timestamp };
    expect(verifyAcmeWebhook(headers, body, [secret], { now })).toMatchObject({ ok: false, code: 'invalid_signature' });
  });

  it('answers malformed_header for a timestamp that is not whole seconds', () => {
    const headers = signAcmeWebhook(body, secret, now);
    for (const value of [`${timestamp}.5`, String(now.getTime()), '-1', 'now']) {
      expect(verifyAcmeWebhook({ ...headers, [ACME_TIMESTAMP_HEADER]: value }, body, [secret], { now })).toMatchObject({
        ok: false,
        code: 'malformed_header',
      });
    }
  });
});
