import {
  type LeadsDailyReport,
  type LeadsReportQuery,
  type LeadsSummaryReport,
  type LeadsWeeklyReport,
  RpcSubjects,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDoc } from '../openapi/error-body.doc';
import { RequireScope } from '../access/access-rules';
import { Caller, type Principal } from '../access/principal';
import { ReportQueryDto } from './dto/report-query.dto';
import { checkDay, countryFilter } from './query-values';

@ApiTags('admin: metrics')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@RequireScope('admin:read')
@Controller('api/v1/metrics/leads')
export class MetricsAdminController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('summary')
  @ApiOperation({ summary: 'Leads in a range of UTC days, by source; total is the sum of the breakdown' })
  summary(@Caller() caller: Principal, @Query() query: ReportQueryDto): Promise<LeadsSummaryReport> {
    return this.rpc.request(RpcSubjects.metrics.leadsSummary, this.reportQuery(caller, query));
  }

  @Get('daily')
  @ApiOperation({ summary: 'Leads per UTC day (every day of the range, zero-filled)' })
  daily(@Caller() caller: Principal, @Query() query: ReportQueryDto): Promise<LeadsDailyReport> {
    return this.rpc.request(RpcSubjects.metrics.leadsDaily, this.reportQuery(caller, query));
  }

  @Get('weekly')
  @ApiOperation({ summary: 'Leads per week (weeks start on Monday, UTC)' })
  weekly(@Caller() caller: Principal, @Query() query: ReportQueryDto): Promise<LeadsWeeklyReport> {
    return this.rpc.request(RpcSubjects.metrics.leadsWeekly, this.reportQuery(caller, query));
  }

  private reportQuery(caller: Principal, query: ReportQueryDto): LeadsReportQuery {
    return {
      workspaceId: caller.workspaceId,
      from: checkDay(query.from, 'from'),
      to: checkDay(query.to, 'to'),
      source: query.source,
      offer: query.offer,
      country: countryFilter(query.country),
    };
  }
}
