import { HEALTH_PATHS } from '@leadflow/contracts';
import { Controller, Get, Inject, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { HealthCheck, type HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { HEALTH_OPTIONS, type HealthOptions } from './health-options';
import { NatsHealthIndicator } from './nats.health';

/**
 * `/health/live`: the process answers (no dependency is checked, so a database outage never gets
 * pods restarted). `/health/ready`: this app's database and NATS answer within the timeout.
 */
@Controller()
export class HealthController {
  private readonly logger = new Logger('Health');
  private lastReady: boolean | undefined;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly nats: NatsHealthIndicator,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
  ) {}

  @Get(HEALTH_PATHS.live)
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** 503 with the failing dependency named in the body while not ready. */
  @Get(HEALTH_PATHS.ready)
  @HealthCheck()
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    const timeout = this.options.timeoutMs;
    try {
      const result = await this.health.check([
        () => this.database.pingCheck('database', { timeout }),
        () => this.nats.pingCheck('nats', timeout),
      ]);
      this.transition(true, result);
      return result;
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      this.transition(false, result);
      void reply.status(503);
      return result;
    }
  }

  /** One log line per change of readiness, not one per probe. */
  private transition(ready: boolean, result: HealthCheckResult | undefined): void {
    if (this.lastReady === ready) return;
    this.lastReady = ready;
    if (ready) this.logger.log('ready: database and NATS answer');
    else this.logger.warn({ msg: 'not ready', details: result?.error ?? result?.details });
  }
}
