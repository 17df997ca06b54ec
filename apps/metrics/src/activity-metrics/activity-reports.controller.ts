import { type ActivityDailyReport, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ActivityMetricsService } from './activity-metrics.service';
import { ActivityReportQueryDto } from './dto/activity-report-query.dto';

/** `metrics.activity.daily` over NATS request/reply. */
@Controller()
export class ActivityReportsController {
  constructor(private readonly metrics: ActivityMetricsService) {}

  @MessagePattern(RpcSubjects.metrics.activityDaily)
  daily(@Payload() query: ActivityReportQueryDto): Promise<ActivityDailyReport> {
    return this.metrics.daily(query);
  }
}
