import {
  DEFAULT_WORKSPACE_ID,
  type LeadsDailyReport,
  type LeadsReportQuery,
  type LeadsSummaryReport,
  type LeadsWeeklyReport,
  RpcSubjects,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDoc } from '../openapi/error-body.doc';
import { AdminAuthGuard } from './admin-auth.guard';
import { ReportQueryDto } from './dto/report-query.dto';
import { checkDay, countryFilter } from './query-values';

@ApiTags('admin: metrics')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query' })
@UseGuards(AdminAuthGuard)
@Controller('api/v1/metrics/leads')
export class MetricsAdminController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('summary')
  @ApiOperation({ summary: 'Leads in a range of UTC days, by source; total is the sum of the breakdown' })
  summary(@Query() query: ReportQueryDto): Promise<LeadsSummaryReport> {
    return this.rpc.request(RpcSubjects.metrics.leadsSummary, this.reportQuery(query));
  }

  @Get('daily')
  @ApiOperation({ summary: 'Leads per UTC day (every day of the range, zero-filled)' })
  daily(@Query() query: ReportQueryDto): Promise<LeadsDailyReport> {
    return this.rpc.request(RpcSubjects.metrics.leadsDaily, this.reportQuery(query));
  }

  @Get('weekly')
  @ApiOperation({ summary: 'Leads per week (weeks start on Monday, UTC)' })
  weekly(@Query() query: ReportQueryDto): Promise<LeadsWeeklyReport> {
    return this.rpc.request(RpcSubjects.metrics.leadsWeekly, this.reportQuery(query));
  }

  private reportQuery(query: ReportQueryDto): LeadsReportQuery {
    return {
      workspaceId: DEFAULT_WORKSPACE_ID,
      from: checkDay(query.from, 'from'),
      to: checkDay(query.to, 'to'),
      source: query.source,
      offer: query.offer,
      country: countryFilter(query.country),
    };
  }
}
