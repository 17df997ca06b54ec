import { openSchemaDataSource, schemaDataSourceOptions } from '@leadflow/database';
import { openServiceDatabase, type ServiceDatabase } from '@leadflow/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { gatewayMigrations } from '../src/database/migrations';
import { WebhookEndpointsRepository } from '../src/webhook-endpoints/webhook-endpoints.repository';

/**
 * An endpoint's rate limit holds across gateway replicas: each attempt reserves its slot in the
 * database, so attempts from two replicas (two connection pools) are spaced as one limit says.
 */
describe('webhook endpoint rate slots against PostgreSQL', () => {
  let database: ServiceDatabase;
  let other: DataSource;

  beforeAll(async () => {
    database = await openServiceDatabase('gateway', gatewayMigrations);
    other = await openSchemaDataSource(
      schemaDataSourceOptions({
        url: await database.db.appUrl('gateway'),
        schema: 'gateway',
        poolSize: 4,
        applicationName: 'test-gateway-replica',
        migrations: [],
      }),
    );
  });

  afterAll(async () => {
    await other?.destroy();
    await database?.close();
  });

  const endpointWithRate = async (rate: number | null): Promise<string> => {
    const id = randomUUID();
    await database.dataSource.query(
      `INSERT INTO gateway.webhook_endpoints ("id", "workspace_id", "url", "event_types", "rate_limit_per_second", "created_by")
       VALUES ($1, 'ws-rate', 'https://receiver.example.com/hook', '{stage.changed}', $2, 'test')`,
      [id, rate],
    );
    return id;
  };

  it('spaces the slots of one endpoint 1/rate apart, whichever replica reserves them', async () => {
    const id = await endpointWithRate(5);
    const replicas = [new WebhookEndpointsRepository(database.dataSource), new WebhookEndpointsRepository(other)];
    // When each slot starts, on this clock: asked at, plus the wait answered (off by the call's own latency at most).
    const slotStarts = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const askedAt = Date.now();
        const waitMs = await (replicas[i % 2] as WebhookEndpointsRepository).reserveRateSlot(id);
        return { askedAt, answeredAt: Date.now(), start: askedAt + (waitMs as number) };
      }),
    );
    const latency = Math.max(...slotStarts.map((s) => s.answeredAt - s.askedAt));
    const starts = slotStarts.map((s) => s.start).sort((a, b) => a - b);
    expect((starts[0] as number) - (slotStarts[0]?.answeredAt as number)).toBeLessThanOrEqual(0);
    // 5 per second: every slot 200 ms after the one before, replicas interleaved.
    for (let i = 1; i < starts.length; i += 1) {
      expect((starts[i] as number) - (starts[i - 1] as number)).toBeGreaterThanOrEqual(200 - 2 * latency - 2);
    }
    expect((starts[9] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(1800 - 2 * latency - 2);
  });

  it('answers nothing for an endpoint without a rate limit, and starts afresh after a quiet time', async () => {
    expect(await new WebhookEndpointsRepository(database.dataSource).reserveRateSlot(await endpointWithRate(null))).toBeUndefined();
    const id = await endpointWithRate(10);
    const repository = new WebhookEndpointsRepository(other);
    expect(await repository.reserveRateSlot(id)).toBeLessThanOrEqual(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The slot reserved 300 ms ago has passed: no waiting, no debt carried over.
    expect(await repository.reserveRateSlot(id)).toBeLessThanOrEqual(0);
  });
});
