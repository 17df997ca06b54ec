import { type ClosedDealsDailyReport, type DealFunnelReport, type PipelineValueReport, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DealReportsService } from './deal-reports.service';
import { DealDailyReportQueryDto, DealReportQueryDto } from './dto/deal-report-query.dto';

/** `metrics.deals.pipeline_value|closed_daily|funnel` over NATS request/reply. */
@Controller()
export class DealReportsController {
  constructor(private readonly reports: DealReportsService) {}

  @MessagePattern(RpcSubjects.metrics.dealsPipelineValue)
  pipelineValue(@Payload() query: DealReportQueryDto): Promise<PipelineValueReport> {
    return this.reports.pipelineValue(query);
  }

  @MessagePattern(RpcSubjects.metrics.dealsClosedDaily)
  closedDaily(@Payload() query: DealDailyReportQueryDto): Promise<ClosedDealsDailyReport> {
    return this.reports.closedDaily(query);
  }

  @MessagePattern(RpcSubjects.metrics.dealsFunnel)
  funnel(@Payload() query: DealReportQueryDto): Promise<DealFunnelReport> {
    return this.reports.funnel(query);
  }
}
