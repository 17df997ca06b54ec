import type { AutomationBackfillView, AutomationRunView, AutomationView, Page } from '@leadflow/contracts';
import { currentRequestId } from '@leadflow/logging';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
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
import { PageQueryDto } from '../http/page-query.dto';
import { UuidParamPipe } from '../http/path-params.pipe';
import { ApiConditionalWrite, ifMatchVersions, sendETag, versionConflictBody } from '../http/preconditions';
import {
  AutomationBackfillViewDoc,
  AutomationConflictDoc,
  AutomationCreateDto,
  AutomationCreatedDoc,
  AutomationPage,
  AutomationPatchDto,
  AutomationRunPage,
  AutomationViewDoc,
} from './dto/automation.dto';
import { AutomationsService, type VersionedWrite } from './automations.service';

@ApiTags('admin: automations')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks admin:read (reads) or admin:write (writes)' })
@Controller('api/v1/automations')
export class AutomationsController {
  constructor(private readonly automations: AutomationsService) {}

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: "The workspace's automations, newest first" })
  @ApiOkResponse({ type: AutomationPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@CallerWorkspace() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<AutomationView>> {
    return this.automations.list(workspaceId, query);
  }

  @Post()
  @HttpCode(201)
  @RequireScope('admin:write')
  @ApiOperation({
    summary: 'Add an automation; runForExisting also runs it once for each contact that already matches; ETag in the answer',
  })
  @ApiCreatedResponse({ type: AutomationCreatedDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed, invalid_automation' })
  async create(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Body() body: AutomationCreateDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AutomationView> {
    const created = await this.automations.create(caller, workspaceId, body);
    sendETag(reply, created.version);
    return created;
  }

  @Get(':id')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'One automation; its version is the ETag' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AutomationViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async get(
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AutomationView> {
    const automation = await this.automations.get(workspaceId, id);
    sendETag(reply, automation.version);
    return automation;
  }

  @Patch(':id')
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Change an automation (name, trigger, conditions, actions, enabled, cooldown)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiConditionalWrite(AutomationConflictDoc)
  @ApiOkResponse({ type: AutomationViewDoc })
  @ApiResponse({
    status: 400,
    type: ErrorBodyDoc,
    description: 'invalid_payload, validation_failed, invalid_automation, invalid_id, invalid_precondition',
  })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async patch(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: AutomationPatchDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AutomationView | AutomationConflictDoc> {
    const outcome = await this.automations.patch(caller, workspaceId, id, ifMatchVersions(request.headers['if-match']), body);
    return this.answer(outcome, reply, request) ?? (outcome as { automation: AutomationView }).automation;
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Remove an automation (its run log stays)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiConditionalWrite(AutomationConflictDoc)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_precondition' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async delete(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AutomationConflictDoc | undefined> {
    const outcome = await this.automations.delete(caller, workspaceId, id, ifMatchVersions(request.headers['if-match']));
    return this.answer(outcome, reply, request);
  }

  @Get(':id/runs')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'The run log: contact, trigger, occurrence, outcome, error and time of each run, newest first' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AutomationRunPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_query, invalid_cursor' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  runs(
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<AutomationRunView>> {
    return this.automations.runs(workspaceId, id, query);
  }

  @Post(':id/backfill')
  @HttpCode(202)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Run the automation once for each contact that already matches, in the background (once per automation)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiAcceptedResponse({ type: AutomationBackfillViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  startBackfill(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
  ): Promise<AutomationBackfillView> {
    return this.automations.startBackfill(caller, workspaceId, id);
  }

  @Get(':id/backfill')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Progress of the backfill: processed of total contacts, and how many it ran for' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AutomationBackfillViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  backfill(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<AutomationBackfillView> {
    return this.automations.backfill(workspaceId, id);
  }

  /** A 412 with the automation as it is, when the write conflicted; the written automation's ETag otherwise. */
  private answer(outcome: VersionedWrite, reply: FastifyReply, request: FastifyRequest): AutomationConflictDoc | undefined {
    if ('conflict' in outcome) {
      void reply.status(412);
      sendETag(reply, outcome.conflict.version);
      return versionConflictBody(outcome.conflict, currentRequestId() ?? request.id);
    }
    sendETag(reply, outcome.automation.version);
    return undefined;
  }
}
