import { EventTypes } from '@leadflow/contracts';
import { ConsumesEvents, type EventBatch } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ActivityMetricsService } from './activity-metrics.service';

/** Attributed activities in, daily counters out, in the transaction that records the events in the inbox. */
@Injectable()
export class ActivityMetricsHandler {
  constructor(private readonly metrics: ActivityMetricsService) {}

  @ConsumesEvents(EventTypes.activityAttributed)
  async onActivitiesAttributed(events: EventBatch<typeof EventTypes.activityAttributed>, manager: EntityManager): Promise<void> {
    await this.metrics.countActivities(manager, events);
  }
}
