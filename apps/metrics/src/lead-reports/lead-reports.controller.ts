import { type LeadsDailyReport, type LeadsSummaryReport, type LeadsWeeklyReport, RpcSubjects } from '@leadflow/contracts';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { LeadsReportQueryDto } from './dto/leads-report-query.dto';
import { LeadReportsService } from './lead-reports.service';

/** `metrics.leads.summary|daily|weekly` over NATS request/reply. */
@Controller()
export class LeadReportsController {
  constructor(private readonly reports: LeadReportsService) {}

  @MessagePattern(RpcSubjects.metrics.leadsSummary)
  summary(@Payload() query: LeadsReportQueryDto): Promise<LeadsSummaryReport> {
    return this.reports.summary(query);
  }

  @MessagePattern(RpcSubjects.metrics.leadsDaily)
  daily(@Payload() query: LeadsReportQueryDto): Promise<LeadsDailyReport> {
    return this.reports.daily(query);
  }

  @MessagePattern(RpcSubjects.metrics.leadsWeekly)
  weekly(@Payload() query: LeadsReportQueryDto): Promise<LeadsWeeklyReport> {
    return this.reports.weekly(query);
  }
}
