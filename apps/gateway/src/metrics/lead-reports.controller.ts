import {
  type LeadsDailyReport,
  type LeadsReportQuery,
  type LeadsSummaryReport,
  type LeadsWeeklyReport,
  RpcSubjects,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { checkDay, countryFilter } from '../http/query-values';
import { LeadsDailyReportDoc, LeadsSummaryReportDoc, LeadsWeeklyReportDoc } from './dto/lead-reports.dto';
import { ReportQueryDto } from './dto/report-query.dto';

@ApiTags('admin: metrics')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query' })
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@RequireScope('admin:read')
@Controller('api/v1/metrics/leads')
export class LeadReportsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('summary')
  @ApiOperation({ summary: 'Leads in a range of UTC days, by source; total is the sum of the breakdown' })
  @ApiOkResponse({ type: LeadsSummaryReportDoc })
  summary(@CallerWorkspace() workspaceId: string, @Query() query: ReportQueryDto): Promise<LeadsSummaryReport> {
    return this.rpc.request(RpcSubjects.metrics.leadsSummary, reportQuery(workspaceId, query));
  }

  @Get('daily')
  @ApiOperation({ summary: 'Leads per UTC day (every day of the range, zero-filled)' })
  @ApiOkResponse({ type: LeadsDailyReportDoc })
  daily(@CallerWorkspace() workspaceId: string, @Query() query: ReportQueryDto): Promise<LeadsDailyReport> {
    return this.rpc.request(RpcSubjects.metrics.leadsDaily, reportQuery(workspaceId, query));
  }

  @Get('weekly')
  @ApiOperation({ summary: 'Leads per week (weeks start on Monday, UTC)' })
  @ApiOkResponse({ type: LeadsWeeklyReportDoc })
  weekly(@CallerWorkspace() workspaceId: string, @Query() query: ReportQueryDto): Promise<LeadsWeeklyReport> {
    return this.rpc.request(RpcSubjects.metrics.leadsWeekly, reportQuery(workspaceId, query));
  }
}

function reportQuery(workspaceId: string, query: ReportQueryDto): LeadsReportQuery {
  return {
    workspaceId,
    from: checkDay(query.from, 'from'),
    to: checkDay(query.to, 'to'),
    source: query.source,
    offer: query.offer,
    country: countryFilter(query.country),
  };
}
