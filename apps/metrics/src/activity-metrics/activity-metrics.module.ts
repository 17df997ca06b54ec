import { Module } from '@nestjs/common';
import { ActivityMetricsHandler } from './activity-metrics.handler';
import { ActivityMetricsRepository } from './activity-metrics.repository';
import { ActivityMetricsService } from './activity-metrics.service';
import { ActivityReportsController } from './activity-reports.controller';

/** Activities per day and name, and the stage funnel: counted from events, reported over RPC. */
@Module({
  controllers: [ActivityReportsController],
  providers: [ActivityMetricsRepository, ActivityMetricsService, ActivityMetricsHandler],
  exports: [ActivityMetricsService],
})
export class ActivityMetricsModule {}
