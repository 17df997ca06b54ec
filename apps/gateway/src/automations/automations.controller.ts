import type { AutomationBackfillView, AutomationRunView, AutomationView, Page } from '@leadflow/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
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
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { Caller, type Principal } from '../auth/principal';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { PageQueryDto } from '../http/page-query.dto';
import { UuidParamPipe } from '../http/path-params.pipe';
import {
  AutomationBackfillViewDoc,
  AutomationCreateDto,
  AutomationCreatedDoc,
  AutomationPage,
  AutomationPatchDto,
  AutomationRunPage,
  AutomationViewDoc,
} from './dto/automation.dto';
import { AutomationsService } from './automations.service';

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
  @ApiOperation({ summary: 'Add an automation; runForExisting also runs it once for each contact that already matches' })
  @ApiCreatedResponse({ type: AutomationCreatedDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed, invalid_automation' })
  create(@Caller() caller: Principal, @CallerWorkspace() workspaceId: string, @Body() body: AutomationCreateDto): Promise<AutomationView> {
    return this.automations.create(caller, workspaceId, body);
  }

  @Get(':id')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'One automation' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AutomationViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  get(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<AutomationView> {
    return this.automations.get(workspaceId, id);
  }

  @Patch(':id')
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Change an automation (name, trigger, conditions, actions, enabled, cooldown)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AutomationViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed, invalid_automation, invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  patch(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: AutomationPatchDto,
  ): Promise<AutomationView> {
    return this.automations.patch(caller, workspaceId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Remove an automation (its run log stays)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async delete(@Caller() caller: Principal, @CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<void> {
    await this.automations.delete(caller, workspaceId, id);
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
}
