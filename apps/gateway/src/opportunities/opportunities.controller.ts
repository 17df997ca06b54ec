import { type OpportunityView, type Page } from '@leadflow/contracts';
import { currentRequestId } from '@leadflow/logging';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { Caller, type Principal } from '../auth/principal';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { ApiConditionalWrite, ifMatchVersions, sendETag, versionConflictBody } from '../http/preconditions';
import { cursorId, UuidParamPipe } from '../http/path-params.pipe';
import { OpportunitiesQueryDto } from './dto/opportunities-query.dto';
import { CreateOpportunityDto, UpdateOpportunityDto } from './dto/opportunity.dto';
import { OpportunityConflictDoc, OpportunityPage, OpportunityViewDoc, StageHistoryDoc } from './dto/opportunity-views.dto';
import { OpportunitiesService } from './opportunities.service';

const MONEY_ERRORS = 'validation_failed, invalid_amount (not minor units as a string, negative), invalid_currency, amount_out_of_range';

@ApiTags('admin: opportunities')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks the scope' })
@Controller('api/v1/opportunities')
export class OpportunitiesController {
  constructor(private readonly opportunities: OpportunitiesService) {}

  @Post()
  @HttpCode(201)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Create an opportunity (name, contactId and amount required); ETag in the answer' })
  @ApiCreatedResponse({ type: OpportunityViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: `invalid_payload, ${MONEY_ERRORS}` })
  @ApiResponse({ status: 422, type: ErrorBodyDoc, description: 'unknown_contact, unknown_lead, unknown_pipeline, unknown_stage' })
  async create(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Body() body: CreateOpportunityDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OpportunityView> {
    const created = await this.opportunities.create(caller, workspaceId, body);
    sendETag(reply, created.version);
    return created;
  }

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Opportunities, newest first; filter by contact, pipeline, stage or status' })
  @ApiOkResponse({ type: OpportunityPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@CallerWorkspace() workspaceId: string, @Query() query: OpportunitiesQueryDto): Promise<Page<OpportunityView>> {
    return this.opportunities.list({
      workspaceId,
      limit: query.limit,
      cursor: cursorId(query.cursor),
      contactId: query.contactId,
      pipelineId: query.pipelineId,
      stage: query.stage,
      status: query.status,
    });
  }

  @Get(':id')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'One opportunity; its version is the ETag' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: OpportunityViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found (or deleted)' })
  async get(
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OpportunityView> {
    const opportunity = await this.opportunities.get(workspaceId, id);
    sendETag(reply, opportunity.version);
    return opportunity;
  }

  @Get(':id/history')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'How an opportunity moved between stages, oldest first; reopenings are marked' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: StageHistoryDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found (or deleted)' })
  async history(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<StageHistoryDoc> {
    return { items: await this.opportunities.history(workspaceId, id) };
  }

  @Patch(':id')
  @RequireScope('admin:write')
  @ApiOperation({
    summary:
      'Change an opportunity: the fields sent are set, null clears; moving to a closed stage closes it (won/lost), out of one reopens it',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiConditionalWrite(OpportunityConflictDoc)
  @ApiOkResponse({ type: OpportunityViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: `invalid_id, invalid_precondition, invalid_payload, ${MONEY_ERRORS}` })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  @ApiResponse({ status: 422, type: ErrorBodyDoc, description: 'unknown_contact, unknown_lead, unknown_pipeline, unknown_stage' })
  async update(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: UpdateOpportunityDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OpportunityView | OpportunityConflictDoc> {
    const outcome = await this.opportunities.update(caller, workspaceId, id, ifMatchVersions(request.headers['if-match']), body);
    return this.answer(outcome, reply, request);
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Delete an opportunity (soft: it leaves lists and reports); answers it as deleted' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiConditionalWrite(OpportunityConflictDoc)
  @ApiOkResponse({ type: OpportunityViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_precondition' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async delete(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OpportunityView | OpportunityConflictDoc> {
    const outcome = await this.opportunities.delete(caller, workspaceId, id, ifMatchVersions(request.headers['if-match']));
    return this.answer(outcome, reply, request);
  }

  private answer(
    outcome: Awaited<ReturnType<OpportunitiesService['update']>>,
    reply: FastifyReply,
    request: FastifyRequest,
  ): OpportunityView | OpportunityConflictDoc {
    if (outcome.outcome === 'version_conflict') {
      void reply.status(412);
      sendETag(reply, outcome.current.version);
      return versionConflictBody(outcome.current, currentRequestId() ?? request.id);
    }
    sendETag(reply, outcome.opportunity.version);
    return outcome.opportunity;
  }
}
