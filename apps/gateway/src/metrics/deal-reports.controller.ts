import { type ClosedDealsDailyReport, type DealFunnelReport, type PipelineValueReport, RpcSubjects } from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { checkDay } from '../http/query-values';
import { ClosedDealsDailyReportDoc, DealDaysQueryDto, DealFunnelReportDoc, PipelineValueReportDoc } from './dto/deal-reports.dto';

@ApiTags('admin: metrics')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@RequireScope('admin:read')
@Controller('api/v1/metrics/deals')
export class DealReportsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('pipeline-value')
  @ApiOperation({ summary: 'Open pipeline value per pipeline, stage and currency; totals per currency equal the breakdown' })
  @ApiOkResponse({ type: PipelineValueReportDoc })
  pipelineValue(@CallerWorkspace() workspaceId: string): Promise<PipelineValueReport> {
    return this.rpc.request(RpcSubjects.metrics.dealsPipelineValue, { workspaceId });
  }

  @Get('closed/daily')
  @ApiOperation({ summary: 'Won and lost deals per UTC day of closing and currency, in minor units; totals per currency' })
  @ApiOkResponse({ type: ClosedDealsDailyReportDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query' })
  closedDaily(@CallerWorkspace() workspaceId: string, @Query() query: DealDaysQueryDto): Promise<ClosedDealsDailyReport> {
    return this.rpc.request(RpcSubjects.metrics.dealsClosedDaily, {
      workspaceId,
      from: checkDay(query.from, 'from'),
      to: checkDay(query.to, 'to'),
    });
  }

  @Get('funnel')
  @ApiOperation({ summary: 'Leads → converted contacts → opportunities → won, per lead source and offer; total equals the breakdown' })
  @ApiOkResponse({ type: DealFunnelReportDoc })
  funnel(@CallerWorkspace() workspaceId: string): Promise<DealFunnelReport> {
    return this.rpc.request(RpcSubjects.metrics.dealsFunnel, { workspaceId });
  }
}
