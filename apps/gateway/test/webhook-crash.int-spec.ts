import { EventTypes } from '@leadflow/contracts';
import { AppHarness, waitFor } from '@leadflow/testing';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

const ADMIN_KEY = 'lf_test_gateway-webhook-crash-key-000000';

/**
 * At least once across a crash: the gateway is SIGKILLed in the middle of a burst of deliveries and
 * started again; every event still reaches the receiver (verified with `standardwebhooks`), the
 * attempts it lost with the process taken again once their leases ran out.
 */
describe('gateway: webhook deliveries across a SIGKILL', () => {
  let gateway: AppHarness;
  let receiver: Server;
  let secret = '';
  const verifiedIds = new Set<string>();
  let unverified = 0;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        try {
          const payload = new Webhook(secret).verify(Buffer.concat(chunks).toString('utf8'), {
            'webhook-id': String(request.headers['webhook-id']),
            'webhook-timestamp': String(request.headers['webhook-timestamp']),
            'webhook-signature': String(request.headers['webhook-signature']),
          }) as { type: string };
          if (payload.type === 'stage.changed') verifiedIds.add(String(request.headers['webhook-id']));
        } catch {
          unverified += 1;
        }
        // Slow enough that the burst is still on its way when the gateway is killed.
        setTimeout(() => response.writeHead(200).end('ok'), 50);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    gateway = await AppHarness.start('gateway', {
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_RETRY_DELAYS_MS: '200,200,200,200,200,200,200',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_CONCURRENCY_PER_ENDPOINT: '4',
      LOG_LEVEL: 'info',
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('delivers every event at least once when the delivering gateway is killed mid-burst', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const created = await fetch(`http://127.0.0.1:${gateway.port}/api/v1/webhook-endpoints`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url, eventTypes: ['stage.changed'] }),
    });
    expect(created.status).toBe(201);
    secret = ((await created.json()) as { secret: string }).secret;

    const count = 200;
    const published: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const event = await gateway.publish(EventTypes.stageChanged, {
        contactId: randomUUID(),
        from: 'warm',
        to: 'hot',
        at: new Date().toISOString(),
        source: 'landing',
        offer: null,
        country: null,
      });
      published.push(event.id);
    }
    await waitFor(() => verifiedIds.size >= 20, { timeoutMs: 15_000, what: 'the first deliveries' });
    expect(verifiedIds.size).toBeLessThan(count);
    await gateway.restart();

    await waitFor(() => published.every((id) => verifiedIds.has(id)), { timeoutMs: 40_000, what: 'every event at the receiver' });
    expect(unverified).toBe(0);
    const rows = await gateway.waitForRows<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM gateway.webhook_deliveries GROUP BY status`,
      [],
      (found) => found.length === 1 && found[0]?.status === 'succeeded',
    );
    expect(rows).toEqual([{ status: 'succeeded', n: count }]);
  }, 90_000);
});
