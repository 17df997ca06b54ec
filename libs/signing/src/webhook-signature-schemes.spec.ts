import type { SignatureVerification } from './signature-verification';
import { ACME_SIGNATURE_HEADER } from './acme-signature';
import { HUBSPOT_SIGNATURE_HEADER } from './hubspot-signature';
import { STRIPE_SIGNATURE_HEADER } from './stripe-signature';
import { WEBHOOK_SIGNATURE_KINDS, type IncomingWebhook, type OutgoingWebhook, type WebhookSignatureKind } from './webhook-signature-scheme';
import { webhookSignatureScheme } from './webhook-signature-schemes';

/** Where each scheme carries its signature. */
const SIGNATURE_HEADERS: Record<WebhookSignatureKind, string> = {
  standard: 'webhook-signature',
  stripe: STRIPE_SIGNATURE_HEADER,
  hubspot: HUBSPOT_SIGNATURE_HEADER,
  acme: ACME_SIGNATURE_HEADER,
};

const now = new Date('2026-11-30T12:00:00Z');
const message: OutgoingWebhook = {
  id: 'msg_2nYQ6oHuVdnjxWQ7Zm3Wm3Xn8Pb',
  method: 'POST',
  url: 'https://api.leadflow.example/api/v1/webhooks/0193a1b2-0000-7000-8000-000000000001?source=crm',
  body: JSON.stringify({ type: 'contact.updated', data: { id: 'ext-42', email: 'ana@example.com', note: 'größe ✓' } }),
};

function received(headers: Record<string, string>, changes: Partial<IncomingWebhook> = {}): IncomingWebhook {
  return { method: message.method, url: message.url, headers, body: Buffer.from(message.body), ...changes };
}

function withSignature(
  headers: Record<string, string>,
  kind: WebhookSignatureKind,
  edit: (signature: string) => string,
): Record<string, string> {
  const name = SIGNATURE_HEADERS[kind];
  return { ...headers, [name]: edit(headers[name]) };
}

/** The signature with its last character before any base64 padding replaced by another digit. */
function lastCharChanged(signature: string): string {
  const index = signature.replace(/=+$/, '').length - 1;
  return signature.slice(0, index) + (signature[index] === '0' ? '1' : '0') + signature.slice(index + 1);
}

describe.each(WEBHOOK_SIGNATURE_KINDS)('the %s scheme', (kind) => {
  const scheme = webhookSignatureScheme(kind);
  const secret = scheme.generateSecret();
  const signed = scheme.sign(message, [secret], now);
  const verify = (request: IncomingWebhook, secrets: readonly string[] = [secret], at: Date = now): SignatureVerification =>
    scheme.verify(request, secrets, { now: at });

  it('accepts what it signs, with the signing time and the matching secret', () => {
    const verification = verify(received(signed));
    expect(verification).toMatchObject({ ok: true, secretIndex: 0 });
    if (verification.ok) expect(Math.abs(verification.signedAt.getTime() - now.getTime())).toBeLessThan(1000);
    expect(scheme.kind).toBe(kind);
  });

  it('rejects a tampered body, one byte changed or one byte added', () => {
    const body = Buffer.from(message.body);
    const changed = Buffer.from(body);
    changed[changed.length - 2] ^= 0x01;
    expect(verify(received(signed, { body: changed }))).toMatchObject({ ok: false, code: 'invalid_signature' });
    expect(verify(received(signed, { body: Buffer.concat([body, Buffer.from('\n')]) }))).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
  });

  it('rejects a wrong secret', () => {
    expect(verify(received(signed), [scheme.generateSecret()])).toMatchObject({ ok: false, code: 'invalid_signature' });
  });

  it('compares the whole signature: a changed last character, a truncated or an extended one is rejected', () => {
    for (const edit of [
      lastCharChanged,
      (s: string) => s.slice(0, -1),
      (s: string) => s.slice(0, -2),
      (s: string) => `${s}0`,
      (s: string) => `${s}00`,
    ]) {
      const edited = withSignature(signed, kind, edit);
      expect({ edited: edited[SIGNATURE_HEADERS[kind]], verification: verify(received(edited)) }).toMatchObject({
        verification: { ok: false },
      });
    }
  });

  it('accepts a request signed with any active secret during a rotation', () => {
    const next = scheme.generateSecret();
    const signedWithNext = scheme.sign(message, [next], now);
    expect(verify(received(signedWithNext), [next, secret])).toMatchObject({ ok: true, secretIndex: 0 });
    expect(verify(received(signed), [next, secret])).toMatchObject({ ok: true, secretIndex: 1 });
    expect(verify(received(signed), [next])).toMatchObject({ ok: false, code: 'invalid_signature' });
  });

  it('answers stale_timestamp beyond 300 s in the past or the future, and accepts within it', () => {
    const seconds = (offset: number): Date => new Date(now.getTime() + offset * 1000);
    expect(verify(received(signed), [secret], seconds(299)).ok).toBe(true);
    expect(verify(received(signed), [secret], seconds(-299)).ok).toBe(true);
    expect(verify(received(signed), [secret], seconds(302))).toMatchObject({ ok: false, code: 'stale_timestamp' });
    expect(verify(received(signed), [secret], seconds(-302))).toMatchObject({ ok: false, code: 'stale_timestamp' });
    expect(scheme.verify(received(signed), [secret], { now: seconds(100), toleranceSeconds: 60 })).toMatchObject({
      code: 'stale_timestamp',
    });
  });

  it('answers missing_signature when a signing header is absent and malformed_header when it is sent twice', () => {
    for (const name of Object.keys(signed)) {
      const { [name]: _dropped, ...rest } = signed;
      expect(verify(received(rest))).toMatchObject({ ok: false, code: 'missing_signature' });
      const repeated: IncomingWebhook = { ...received(signed), headers: { ...signed, [name]: [signed[name], signed[name]] } };
      expect(verify(repeated)).toMatchObject({ ok: false, code: 'malformed_header' });
    }
  });

  it('reads its headers in lower case, as Node hands them over', () => {
    const lowerCase = Object.fromEntries(Object.entries(signed).map(([name, value]) => [name.toLowerCase(), value]));
    expect(verify(received(lowerCase)).ok).toBe(true);
  });
});
