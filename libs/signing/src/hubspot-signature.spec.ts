import { createHmac } from 'node:crypto';
import {
  HUBSPOT_SIGNATURE_HEADER,
  HUBSPOT_TIMESTAMP_HEADER,
  hubspotScheme,
  hubspotSignedUri,
  verifyHubspotWebhook,
} from './hubspot-signature';
import type { IncomingWebhook } from './webhook-signature-scheme';

/** HubSpot's documented v3 algorithm, written out step by step from its documentation. */
function documentedV3Signature(clientSecret: string, method: string, uri: string, body: string, timestamp: string): string {
  const source = `${method}${uri}${body}${timestamp}`;
  return createHmac('sha256', clientSecret).update(source, 'utf8').digest('base64');
}

const clientSecret = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const now = new Date('2026-11-30T12:00:00.250Z');
const timestamp = String(now.getTime());
const body = JSON.stringify([
  { objectId: 1246965, propertyName: 'lifecyclestage', propertyValue: 'lead', changeSource: 'ACADEMY', eventId: 3816279340 },
]);

function request(url: string, signature: string, changes: Partial<IncomingWebhook> = {}): IncomingWebhook {
  return {
    method: 'POST',
    url,
    body: Buffer.from(body),
    headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp },
    ...changes,
  };
}

describe('the HubSpot v3 scheme', () => {
  it('accepts a signature made by the documented algorithm, the timestamp being in milliseconds', () => {
    const url = 'https://api.leadflow.example/api/v1/webhooks/abc?portalId=62515';
    const signature = documentedV3Signature(clientSecret, 'POST', url, body, timestamp);
    expect(verifyHubspotWebhook(request(url, signature), [clientSecret], { now })).toEqual({
      ok: true,
      secretIndex: 0,
      signedAt: now,
      webhookId: null,
    });
  });

  it('signs exactly what the documented algorithm computes', () => {
    const url = 'https://api.leadflow.example/hooks/hubspot';
    const headers = hubspotScheme.sign({ id: 'ignored', method: 'POST', url, body }, [clientSecret], now);
    expect(headers).toEqual({
      [HUBSPOT_SIGNATURE_HEADER]: documentedV3Signature(clientSecret, 'POST', url, body, timestamp),
      [HUBSPOT_TIMESTAMP_HEADER]: timestamp,
    });
  });

  it('decodes only the escapes HubSpot lists in the uri before signing', () => {
    expect(hubspotSignedUri('https://x.example/a%3Ab%2fc?d=%40e%21%24%27%28%29%2A%2C%3B&f=%20g%25')).toBe(
      "https://x.example/a:b/c?d=@e!$'()*,;&f=%20g%25",
    );
    // A sender's proxy may percent-encode the listed characters; HubSpot signed them decoded.
    const signedUrl = 'https://api.leadflow.example/hooks?email=ana@example.com&tags=a,b';
    const signature = documentedV3Signature(clientSecret, 'POST', signedUrl, body, timestamp);
    const receivedUrl = 'https://api.leadflow.example/hooks?email=ana%40example.com&tags=a%2Cb';
    expect(verifyHubspotWebhook(request(receivedUrl, signature), [clientSecret], { now }).ok).toBe(true);
  });

  it('rejects a signature made for another method, url or timestamp', () => {
    const url = 'https://api.leadflow.example/hooks/hubspot';
    const signature = documentedV3Signature(clientSecret, 'POST', url, body, timestamp);
    expect(verifyHubspotWebhook(request(url, signature, { method: 'PUT' }), [clientSecret], { now })).toMatchObject({
      code: 'invalid_signature',
    });
    expect(verifyHubspotWebhook(request(`${url}?x=1`, signature), [clientSecret], { now })).toMatchObject({ code: 'invalid_signature' });
    const shifted = request(url, signature);
    shifted.headers = { ...shifted.headers, 'x-hubspot-request-timestamp': String(now.getTime() + 1) };
    expect(verifyHubspotWebhook(shifted, [clientSecret], { now })).toMatchObject({ code: 'invalid_signature' });
  });

  it('measures the 5 minute tolerance in milliseconds, and reads a seconds timestamp as stale', () => {
    const url = 'https://api.leadflow.example/hooks/hubspot';
    const signature = documentedV3Signature(clientSecret, 'POST', url, body, timestamp);
    expect(verifyHubspotWebhook(request(url, signature), [clientSecret], { now: new Date(now.getTime() + 300_000) }).ok).toBe(true);
    expect(verifyHubspotWebhook(request(url, signature), [clientSecret], { now: new Date(now.getTime() + 300_001) })).toMatchObject({
      code: 'stale_timestamp',
    });
    const inSeconds = request(url, signature);
    inSeconds.headers = { ...inSeconds.headers, 'x-hubspot-request-timestamp': String(Math.floor(now.getTime() / 1000)) };
    expect(verifyHubspotWebhook(inSeconds, [clientSecret], { now })).toMatchObject({ code: 'stale_timestamp' });
  });
});
