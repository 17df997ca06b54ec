import { APP_LOGGER } from '@leadflow/logging';
import { ClaimLoop, WakeAfterCommit } from '@leadflow/jobs';
import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { GatewayEnv } from '../config/env';
import { DELIVERIES_COMMITTED, WebhookDeliveriesService } from './webhook-deliveries.service';
import { type ClaimedDelivery, WebhookEndpointsRepository } from './webhook-endpoints.repository';

/**
 * Runs webhook attempts without head-of-line blocking: a claim loop (libs/jobs) leases due
 * deliveries, at most WEBHOOK_CONCURRENCY_PER_ENDPOINT in flight per endpoint across replicas, and
 * starts each attempt on its own; a claimed batch does not wait for its slowest attempt. Each
 * attempt settles its own row (fenced by its attempt number) and wakes the loop, so the freed slot
 * is taken at once. A replica that dies leaves its leases to run out; the rows are claimed again.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ClaimLoop<ClaimedDelivery>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shutdownBudgetMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    repository: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesService,
    @Inject(GatewayEnv) env: GatewayEnv,
    @Inject(APP_LOGGER) logger: Logger,
  ) {
    const log = logger.child({ component: 'webhook-dispatcher' });
    this.shutdownBudgetMs = Math.floor(env.SHUTDOWN_TIMEOUT_MS / 2);
    const capacity = env.WEBHOOK_CONCURRENCY;
    this.loop = new ClaimLoop<ClaimedDelivery>({
      name: 'webhook dispatcher',
      logger: log,
      queue: {
        claim: (limit, leaseMs) => {
          const free = Math.min(limit, capacity - this.inFlight.size);
          return free > 0 ? repository.claimDue(free, env.WEBHOOK_CONCURRENCY_PER_ENDPOINT, leaseMs) : Promise.resolve([]);
        },
        // Each attempt settles its own row when it ends.
        settle: async () => undefined,
      },
      run: async (delivery) => {
        const attempt = this.deliveries
          .attempt(delivery)
          .catch((error: unknown) =>
            log.warn({ err: error, deliveryId: delivery.id }, 'webhook attempt not settled; retried when its lease runs out'),
          )
          .finally(() => {
            this.inFlight.delete(attempt);
            this.loop.wake();
          });
        this.inFlight.add(attempt);
      },
      batchSize: capacity,
      // Longer than an attempt can take: its timeout, a rate-limit wait and the settlement.
      leaseMs: env.WEBHOOK_TIMEOUT_MS * 2 + 5000,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
      failureMeans: 'item',
    });
  }

  onApplicationBootstrap(): void {
    this.dataSource.subscribers.push(new WakeAfterCommit(DELIVERIES_COMMITTED, () => this.loop.wake()));
    this.loop.start();
  }

  /**
   * Claims nothing more and gives the attempts in flight half the shutdown budget to settle; one
   * still waiting on a slow receiver is left to its lease and attempted again by a replica.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.shutdownBudgetMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), budget]);
    clearTimeout(timer);
  }
}
