import { Controller, Get, Inject, Logger } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { HEALTH_OPTIONS, type HealthOptions } from './health-options';
import { NatsHealthIndicator } from './nats.health';

/**
 * `/health/live`: the process answers (no dependency is checked, so a database outage never gets
 * pods restarted). `/health/ready`: this app's database and NATS answer within the timeout.
 */
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');
  private lastReady: boolean | undefined;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly nats: NatsHealthIndicator,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  async ready(): Promise<HealthCheckResult> {
    const timeout = this.options.timeoutMs;
    try {
      const result = await this.health.check([
        () => this.database.pingCheck('database', { timeout }),
        () => this.nats.pingCheck('nats', timeout),
      ]);
      this.transition(true, result);
      return result;
    } catch (error) {
      const details = (error as { response?: HealthCheckResult }).response;
      this.transition(false, details);
      throw error;
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
