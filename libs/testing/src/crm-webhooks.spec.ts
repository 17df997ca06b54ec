import { INTEGRATION_KINDS, Money } from '@leadflow/contracts';
import { webhookSignatureScheme } from '@leadflow/signing';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CrmWebhookPayload, planCrmWebhooks, sendCrmWebhooks, signCrmWebhook } from './crm-webhooks';

describe('CRM webhook plans', () => {
  it('is the same for the same seed, and another for another seed', () => {
    const a = planCrmWebhooks({ count: 300, seed: 7 });
    const b = planCrmWebhooks({ count: 300, seed: 7 });
    const c = planCrmWebhooks({ count: 300, seed: 8 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a.webhooks)).not.toBe(JSON.stringify(c.webhooks));
  });

  it('sends exactly count webhooks, 10 % of them resends of an earlier one and 20 % of the rest late', () => {
    const plan = planCrmWebhooks({ count: 5000, seed: 42 });
    expect(plan.webhooks).toHaveLength(5000);
    expect(plan.counts).toMatchObject({ total: 5000, distinct: 4500, duplicates: 500, outOfOrder: 900 });
    const seen = new Map<string, string>();
    for (const { payload, duplicate } of plan.webhooks) {
      const body = JSON.stringify(payload);
      if (duplicate) expect(seen.get(payload.id)).toBe(body);
      else {
        expect(seen.has(payload.id)).toBe(false);
        seen.set(payload.id, body);
      }
    }
    expect(plan.webhooks.filter((w) => w.outOfOrder)).toHaveLength(900);
    expect(Object.values(plan.counts.byType).reduce((sum, n) => sum + (n ?? 0), 0)).toBe(5000);
  });

  it('sends each late event after a newer event of its record, and every other in its record order', () => {
    const plan = planCrmWebhooks({ count: 2000, seed: 3 });
    const newestSent = new Map<string, number>();
    for (const { payload, duplicate, outOfOrder } of plan.webhooks) {
      if (duplicate) continue;
      const key = `${payload.type.split('.')[0]}:${payload.data.id}`;
      const time = Date.parse(payload.data.updatedAt);
      const newest = newestSent.get(key) ?? -Infinity;
      expect({ id: payload.id, late: time < newest }).toEqual({ id: payload.id, late: outOfOrder });
      newestSent.set(key, Math.max(newest, time));
    }
  });

  it('sends a contact before the first opportunity that names it', () => {
    const plan = planCrmWebhooks({ count: 1000, seed: 11 });
    const contacts = new Set<string>();
    for (const { payload } of plan.webhooks) {
      if (payload.type.startsWith('contact.')) contacts.add(payload.data.id);
      else expect(contacts.has(payload.data.contactId as string)).toBe(true);
    }
  });

  it('expects each record in its newest state by CRM time, amounts exact in minor units', () => {
    const plan = planCrmWebhooks({ count: 1500, seed: 5 });
    const newest = new Map<string, CrmWebhookPayload>();
    for (const { payload } of plan.webhooks) {
      const key = `${payload.type.split('.')[0]}:${payload.data.id}`;
      const known = newest.get(key);
      if (!known || Date.parse(known.data.updatedAt) < Date.parse(payload.data.updatedAt)) newest.set(key, payload);
    }
    expect(plan.expected.contacts.length + plan.expected.opportunities.length).toBe(newest.size);
    for (const contact of plan.expected.contacts) {
      const last = newest.get(`contact:${contact.externalId}`) as CrmWebhookPayload;
      expect(contact.deleted).toBe(last.type === 'contact.deleted');
      if (!contact.deleted) expect(contact.firstName).toBe(last.data.firstName);
    }
    expect(plan.expected.contacts.some((c) => c.deleted)).toBe(true);
    for (const deal of plan.expected.opportunities) {
      const last = newest.get(`opportunity:${deal.externalId}`) as CrmWebhookPayload;
      expect(deal.amount).toBe(Money.fromMajorUnits(last.data.amount as string, last.data.currency as string).amount.toString());
      expect(deal.stage).toBe(
        last.type === 'opportunity.won' ? 'closed_won' : last.type === 'opportunity.lost' ? 'closed_lost' : last.data.stage,
      );
      expect(plan.expected.contacts.find((c) => c.externalId === deal.contactExternalId)?.deleted).toBe(false);
    }
    const emails = plan.expected.contacts.map((c) => c.email);
    expect(new Set(emails).size).toBe(emails.length);
    const phones = plan.expected.contacts.flatMap((c) => (c.phone ? [c.phone] : []));
    expect(new Set(phones).size).toBe(phones.length);
  });

  it.each(INTEGRATION_KINDS)('signs a webhook as the %s scheme verifies it', (kind) => {
    const scheme = webhookSignatureScheme(kind);
    const secret = scheme.generateSecret();
    const url = 'http://127.0.0.1:3000/api/v1/webhooks/0190a5b2-0000-7000-8000-000000000042';
    const { payload } = planCrmWebhooks({ count: 1, seed: 1 }).webhooks[0] as { payload: CrmWebhookPayload };
    const { body, headers } = signCrmWebhook(kind, secret, url, payload);
    expect(JSON.parse(body)).toEqual(payload);
    const verification = scheme.verify({ method: 'POST', url, headers, body: Buffer.from(body) }, [secret]);
    expect(verification).toMatchObject({ ok: true });
    const tampered = scheme.verify({ method: 'POST', url, headers, body: Buffer.from(body.replace('crm-', 'crx-')) }, [secret]);
    expect(tampered).toMatchObject({ ok: false });
  });

  it('sends every webhook signed, in order but for those in flight, and sends again after a 503', async () => {
    const scheme = webhookSignatureScheme('standard');
    const secret = scheme.generateSecret();
    const plan = planCrmWebhooks({ count: 40, seed: 2 });
    const received: string[] = [];
    let refusedOnce = false;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${request.url}`;
        const verified = scheme.verify({ method: 'POST', url, headers, body }, [secret]);
        if (!verified.ok) {
          response.writeHead(401).end();
          return;
        }
        if (!refusedOnce) {
          refusedOnce = true;
          response.writeHead(503, { 'retry-after': '0' }).end();
          return;
        }
        received.push((JSON.parse(body.toString('utf8')) as CrmWebhookPayload).id);
        response.writeHead(202).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/webhooks/0190a5b2-0000-7000-8000-000000000042`;
      const { statuses, retried } = await sendCrmWebhooks(plan.webhooks, { url, kind: 'standard', secret, concurrency: 1 });
      expect([...statuses]).toEqual([['202', 40]]);
      expect(retried).toBe(1);
      expect(received).toEqual(plan.webhooks.map((w) => w.payload.id));
    } finally {
      server.close();
    }
  });
});
