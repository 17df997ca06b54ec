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
 * Deliveries an endpoint may have leased per attempt slot: the one being attempted, one waiting
 * behind it, and one whose answer is in and whose settlement is being written.
 */
const LEASED_PER_SLOT = 3;

/** One endpoint's claimed deliveries in this process: those being attempted and those next in line. */
interface Lane {
  running: number;
  waiting: ClaimedDelivery[];
}

/**
 * Runs webhook attempts without head-of-line blocking. A claim loop (libs/jobs) leases due
 * deliveries, oldest first, up to LEASED_PER_SLOT × WEBHOOK_CONCURRENCY_PER_ENDPOINT per endpoint across
 * replicas, into a lane per endpoint; a lane attempts at most WEBHOOK_CONCURRENCY_PER_ENDPOINT at
 * once, each on its own, and starts the next in line the moment a receiver answers, without
 * waiting for the next claim or for the settlement. A slow endpoint fills its own lane only; the others go on at their own pace.
 * Each attempt settles its own row (fenced by its attempt number, group-committed) and wakes the
 * loop when its lane's line is half gone. A replica that dies leaves its leases to run out; the rows are claimed again.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ClaimLoop<ClaimedDelivery>;
  private readonly lanes = new Map<string, Lane>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Claimed deliveries in this process, being attempted or waiting in their lane. */
  private held = 0;
  private readonly perEndpoint: number;
  private readonly shutdownBudgetMs: number;
  private readonly log: Logger;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesService,
    @Inject(GatewayEnv) env: GatewayEnv,
    @Inject(APP_LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'webhook-dispatcher' });
    this.shutdownBudgetMs = Math.floor(env.SHUTDOWN_TIMEOUT_MS / 2);
    this.perEndpoint = env.WEBHOOK_CONCURRENCY_PER_ENDPOINT;
    const capacity = env.WEBHOOK_CONCURRENCY;
    this.loop = new ClaimLoop<ClaimedDelivery>({
      name: 'webhook dispatcher',
      logger: this.log,
      queue: {
        claim: (limit, leaseMs) => {
          const free = Math.min(limit, capacity - this.held);
          if (free <= 0) return Promise.resolve([]);
          return repository.claimDue(free, this.perEndpoint * LEASED_PER_SLOT, leaseMs);
        },
        // Each attempt settles its own row when it ends.
        settle: async () => undefined,
      },
      run: async (delivery) => {
        this.held += 1;
        const lane = this.lanes.get(delivery.endpoint_id) ?? { running: 0, waiting: [] };
        this.lanes.set(delivery.endpoint_id, lane);
        lane.waiting.push(delivery);
        this.pump(delivery.endpoint_id, lane);
      },
      batchSize: capacity,
      // Longer than a delivery can be held: waiting in its lane behind at most two attempts per slot,
      // then its own (each at most the timeout, plus a rate-limit wait), and the settlement.
      leaseMs: env.WEBHOOK_TIMEOUT_MS * 3 + 5000,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
      failureMeans: 'item',
    });
  }

  onApplicationBootstrap(): void {
    this.dataSource.subscribers.push(new WakeAfterCommit(DELIVERIES_COMMITTED, () => this.loop.wake()));
    this.loop.start();
  }

  /**
   * Starts the lane's next deliveries while it has free slots. A slot is free again once the
   * receiver has answered; the settlement is written meanwhile.
   */
  private pump(endpointId: string, lane: Lane): void {
    while (lane.running < this.perEndpoint && lane.waiting.length > 0) {
      const delivery = lane.waiting.shift() as ClaimedDelivery;
      lane.running += 1;
      let answered = false;
      const free = () => {
        if (answered) return;
        answered = true;
        lane.running -= 1;
        if (this.loop.isRunning) this.pump(endpointId, lane);
        if (lane.running === 0 && lane.waiting.length === 0 && this.lanes.get(endpointId) === lane) this.lanes.delete(endpointId);
      };
      const attempt = this.deliveries
        .attempt(delivery, free)
        .catch((error: unknown) =>
          this.log.warn({ err: error, deliveryId: delivery.id }, 'webhook attempt not settled; retried when its lease runs out'),
        )
        .finally(() => {
          free();
          this.inFlight.delete(attempt);
          this.held -= 1;
          // A claim per ended attempt would be a statement per attempt; the lane is refilled when
          // half its line is gone (new deliveries and the poll wake the loop too).
          if (lane.waiting.length <= this.perEndpoint / 2) this.loop.wake();
        });
      this.inFlight.add(attempt);
    }
  }

  /**
   * Claims nothing more, hands the deliveries still waiting in their lanes back (due at once, for
   * any replica), and gives the attempts in flight half the shutdown budget to settle; one still
   * waiting on a slow receiver is left to its lease and attempted again by a replica.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    const waiting = [...this.lanes.values()].flatMap((lane) => lane.waiting.splice(0));
    if (waiting.length > 0) {
      await this.repository
        .release(waiting)
        .catch((error: unknown) => this.log.warn({ err: error, deliveries: waiting.length }, 'claimed deliveries left to their leases'));
    }
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.shutdownBudgetMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), budget]);
    clearTimeout(timer);
  }
}
