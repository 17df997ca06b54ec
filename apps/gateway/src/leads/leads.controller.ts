import { type LeadSummary, type LeadView, type Page } from '@leadflow/contracts';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { cursorId, UuidParamPipe } from '../http/path-params.pipe';
import { emailFilter, instantRange } from '../http/query-values';
import { LeadPage, LeadViewDoc } from './dto/lead-views.dto';
import { LeadsQueryDto } from './dto/leads-query.dto';
import { LeadsService } from './leads.service';

@ApiTags('admin: leads')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read' })
@RequireScope('admin:read')
@Controller('api/v1/leads')
export class LeadsController {
  constructor(private readonly leads: LeadsService) {}

  @Get()
  @ApiOperation({ summary: 'Leads, newest first' })
  @ApiOkResponse({ type: LeadPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@CallerWorkspace() workspaceId: string, @Query() query: LeadsQueryDto): Promise<Page<LeadSummary>> {
    return this.leads.list({
      workspaceId,
      limit: query.limit,
      cursor: cursorId(query.cursor),
      source: query.source,
      offer: query.offer,
      email: emailFilter(query.email),
      ...instantRange(query.from, query.to),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One lead: normalized fields, the raw payload as received, parse issues, its contact' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: LeadViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  get(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<LeadView> {
    return this.leads.get(workspaceId, id);
  }
}
