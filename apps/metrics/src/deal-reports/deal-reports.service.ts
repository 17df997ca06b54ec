import type {
  ClosedDealsDailyReport,
  DealDailyReportQuery,
  DealFunnelReport,
  DealReportQuery,
  PipelineValueReport,
} from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { resolveReportRange } from '../lead-reports/report-range';
import { DealReportsRepository } from './deal-reports.repository';

/** Deal reports: open pipeline value, won and lost per day, and the lead → won funnel. */
@Injectable()
export class DealReportsService {
  constructor(private readonly reports: DealReportsRepository) {}

  pipelineValue(query: DealReportQuery): Promise<PipelineValueReport> {
    return this.reports.pipelineValue(query.workspaceId);
  }

  async closedDaily(query: DealDailyReportQuery): Promise<ClosedDealsDailyReport> {
    const range = resolveReportRange(query.from, query.to);
    return this.reports.closedDaily(query.workspaceId, range.from, range.to);
  }

  funnel(query: DealReportQuery): Promise<DealFunnelReport> {
    return this.reports.funnel(query.workspaceId);
  }
}
