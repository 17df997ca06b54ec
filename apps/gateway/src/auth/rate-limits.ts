import { AppException, ErrorCodes } from '@leadflow/contracts';
import { APP_LOGGER } from '@leadflow/logging';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

/** A key's budget: `perSecond` sustained, up to `burst` in one second when it has been quiet. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Keys that set no limit of their own get this one (and keyless legacy senders, per address). */
export const DEFAULT_KEY_RATE_LIMIT: RateLimit = { perSecond: 100, burst: 200 };

/** A key's own limit as stored (null: the default applies); a burst not stored is twice the rate, as keys are created. */
export function storedKeyRateLimit(perSecond: number | null, burst: number | null): RateLimit | null {
  return perSecond === null ? null : { perSecond, burst: burst ?? perSecond * 2 };
}

/** What the shared counter granted this replica, to hand out without asking again. */
interface Allowance {
  /** Requests still to let through (0 after a refusal: refuse until `until`). */
  left: number;
  /** When the window it came from closes. */
  until: number;
  /** The key's budget left in the shared counter when it was taken, for the headers. */
  sharedRemaining: number;
  /** The counter refused: every request is refused until `until`. */
  refused: boolean;
}

interface Decision {
  allowed: boolean;
  remaining: number;
  resetMs: number;
}

const MAX_TRACKED = 10_000;

/**
 * `points` per `durationSeconds` for each key, counted by rate-limiter-flexible in the gateway's
 * unlogged `rate_limits` table (shared by the replicas), and in this process's memory while
 * PostgreSQL cannot count.
 */
export function sharedCounter(dataSource: DataSource, keyPrefix: string, points: number, durationSeconds: number): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: dataSource,
    storeType: 'typeorm',
    schemaName: (dataSource.options as PostgresConnectionOptions).schema,
    tableName: 'rate_limits',
    tableCreated: true,
    keyPrefix,
    points,
    duration: durationSeconds,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds }),
  });
}

/**
 * Rate limits shared by every gateway replica, counted in PostgreSQL (rate-limiter-flexible's
 * store, on the gateway's own pool, in an unlogged table). A limit is a one-second window of
 * `perSecond` plus a second one of `burst - perSecond` taken only when the first is spent.
 *
 * A replica does not ask the database for every request: it takes a tenth of the per-second budget
 * at a time (at least one request) and hands it out until it is used up or its window closes, and
 * after a refusal it refuses locally until the window closes. So a busy key costs about ten counter
 * updates a second per replica instead of one per request; what a replica took and did not use
 * lapses with its window (a key may get up to a tenth less than its limit, never more). When the
 * database cannot count, each replica counts on its own rather than refusing traffic.
 */
@Injectable()
export class RateLimits {
  private readonly limiters = new Map<string, BurstyRateLimiter>();
  private readonly allowances = new Map<string, Allowance>();
  private readonly claims = new Map<string, Promise<void>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Counts one request of `subject` against `limit`, sets the RateLimit-* headers, and throws 429
   * `rate_limited` with Retry-After when the budget is spent.
   */
  async take(subject: string, limit: RateLimit, reply: FastifyReply): Promise<void> {
    const decision = await this.decide(subject, limit);
    const resetSeconds = Math.max(1, Math.ceil(decision.resetMs / 1000));
    void reply
      .header('RateLimit-Limit', String(limit.perSecond))
      .header('RateLimit-Remaining', String(decision.remaining))
      .header('RateLimit-Reset', String(resetSeconds))
      .header('RateLimit-Policy', `${limit.perSecond};w=1;burst=${limit.burst}`);
    if (decision.allowed) return;
    void reply.header('Retry-After', String(resetSeconds));
    throw new AppException(
      ErrorCodes.rateLimited,
      `Over ${limit.perSecond} requests per second (burst ${limit.burst}); retry after ${resetSeconds} s`,
    );
  }

  private async decide(subject: string, limit: RateLimit): Promise<Decision> {
    const key = `${subject}|${limit.perSecond}|${limit.burst}`;
    for (;;) {
      const now = Date.now();
      const allowance = this.allowances.get(key);
      if (allowance && allowance.until > now) {
        const resetMs = allowance.until - now;
        if (allowance.left > 0) {
          allowance.left -= 1;
          return { allowed: true, remaining: allowance.sharedRemaining + allowance.left, resetMs };
        }
        if (allowance.refused) return { allowed: false, remaining: 0, resetMs };
      }
      // One claim at a time per key on this replica; the others wait for it and look again.
      let claim = this.claims.get(key);
      if (!claim) {
        claim = this.claim(key, subject, limit).finally(() => this.claims.delete(key));
        this.claims.set(key, claim);
      }
      await claim;
    }
  }

  private async claim(key: string, subject: string, limit: RateLimit): Promise<void> {
    const chunk = Math.max(1, Math.floor(limit.perSecond / 10));
    if (this.allowances.size >= MAX_TRACKED) this.forgetLapsed();
    try {
      const granted = await this.limiter(limit).consume(subject, chunk);
      this.allowances.set(key, {
        left: chunk,
        until: Date.now() + granted.msBeforeNext,
        sharedRemaining: Math.max(0, granted.remainingPoints),
        refused: false,
      });
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        this.allowances.set(key, { left: 0, until: Date.now() + rejection.msBeforeNext, sharedRemaining: 0, refused: true });
        return;
      }
      // Neither store could count (the memory one always can, so this should not happen): let one through.
      this.logger.warn({ err: rejection, subject }, 'rate limit not counted');
      this.allowances.set(key, { left: 1, until: Date.now() + 1000, sharedRemaining: 0, refused: false });
    }
  }

  private forgetLapsed(): void {
    const now = Date.now();
    for (const [key, allowance] of this.allowances) if (allowance.until <= now) this.allowances.delete(key);
    if (this.allowances.size >= MAX_TRACKED) this.allowances.clear();
  }

  private limiter(limit: RateLimit): BurstyRateLimiter {
    const name = `${limit.perSecond}-${limit.burst}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = new BurstyRateLimiter(
        sharedCounter(this.dataSource, `rate:${name}`, limit.perSecond, 1),
        sharedCounter(this.dataSource, `burst:${name}`, Math.max(1, limit.burst - limit.perSecond), 1),
      );
      this.limiters.set(name, limiter);
    }
    return limiter;
  }
}
