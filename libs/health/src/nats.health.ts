import { NatsConnection } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

@Injectable()
export class NatsHealthIndicator {
  constructor(
    private readonly nats: NatsConnection,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async pingCheck(key: string, timeoutMs: number) {
    const indicator = this.indicators.check(key);
    try {
      await this.nats.ping(timeoutMs);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : 'NATS did not answer' });
    }
  }
}
