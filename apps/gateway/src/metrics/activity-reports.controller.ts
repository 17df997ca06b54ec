import { type ActivityDailyReport, RpcSubjects } from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { checkDay } from '../http/query-values';
import { ActivityDailyReportDoc } from './dto/activity-reports.dto';
import { DayRangeQueryDto } from './dto/contact-reports.dto';

@ApiTags('admin: metrics')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query' })
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@RequireScope('admin:read')
@Controller('api/v1/metrics/activity')
export class ActivityReportsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('daily')
  @ApiOperation({
    summary: 'Activities per UTC day and event name, stage entries and the stage funnel per day; total is the sum of the breakdown',
  })
  @ApiOkResponse({ type: ActivityDailyReportDoc })
  daily(@CallerWorkspace() workspaceId: string, @Query() query: DayRangeQueryDto): Promise<ActivityDailyReport> {
    return this.rpc.request(RpcSubjects.metrics.activityDaily, {
      workspaceId,
      from: checkDay(query.from, 'from'),
      to: checkDay(query.to, 'to'),
    });
  }
}
