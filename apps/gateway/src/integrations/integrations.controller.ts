import { type CrmEventView, type CrmIntegrationStatusView, type Page, type ReplayCrmEventsReply } from '@leadflow/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import {
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
import type { FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { Caller, type Principal } from '../auth/principal';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { PageQueryDto } from '../http/page-query.dto';
import { cursorId, UuidParamPipe } from '../http/path-params.pipe';
import {
  CreateIntegrationDto,
  CrmEventPage,
  CrmEventsQueryDto,
  CrmEventViewDoc,
  IntegrationCreatedDoc,
  IntegrationPage,
  IntegrationStatusDoc,
  IntegrationViewDoc,
  ReplayedDoc,
  ReplayEventsDto,
  SecretRotatedDoc,
  UpdateIntegrationDto,
} from './dto/integration.dto';
import { IntegrationsService } from './integrations.service';
import { requestBaseUrl } from './webhook-request';

/** CRM integrations: their webhook URL, secrets, mapping and pause, and the log of the events they sent. */
@ApiTags('admin: integrations')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks the scope' })
@Controller('api/v1/integrations')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Post()
  @HttpCode(201)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Create an integration; its signing secret is in this answer only' })
  @ApiCreatedResponse({ type: IntegrationCreatedDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed, invalid_mapping' })
  create(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Body() body: CreateIntegrationDto,
    @Req() request: FastifyRequest,
  ): Promise<IntegrationCreatedDoc> {
    return this.integrations.create(caller, workspaceId, body, requestBaseUrl(request));
  }

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Integrations, newest first' })
  @ApiOkResponse({ type: IntegrationPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(
    @CallerWorkspace() workspaceId: string,
    @Query() query: PageQueryDto,
    @Req() request: FastifyRequest,
  ): Promise<Page<IntegrationViewDoc>> {
    return this.integrations.list(workspaceId, query.limit, cursorId(query.cursor), requestBaseUrl(request));
  }

  @Get(':id')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'One integration (its secrets’ ids and times, never their values)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: IntegrationViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  get(
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Req() request: FastifyRequest,
  ): Promise<IntegrationViewDoc> {
    return this.integrations.get(workspaceId, id, requestBaseUrl(request));
  }

  @Patch(':id')
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Change the name, tolerance, mapping (null removes it) or paused flag' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: IntegrationViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_payload, validation_failed, invalid_mapping' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  update(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: UpdateIntegrationDto,
    @Req() request: FastifyRequest,
  ): Promise<IntegrationViewDoc> {
    return this.integrations.update(caller, workspaceId, id, body, requestBaseUrl(request));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Delete an integration: its webhooks are answered 404 from now on; its event log stays' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async delete(@Caller() caller: Principal, @CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<void> {
    await this.integrations.delete(caller, workspaceId, id);
  }

  @Post(':id/secrets/rotate')
  @HttpCode(200)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'A new signing secret (shown once); the previous ones keep working for the overlap (24 h by default)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: SecretRotatedDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  rotate(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Req() request: FastifyRequest,
  ): Promise<SecretRotatedDoc> {
    return this.integrations.rotateSecret(caller, workspaceId, id, requestBaseUrl(request));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Pause processing: webhooks are still received and stored, nothing is handed on' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: IntegrationViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  pause(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Req() request: FastifyRequest,
  ): Promise<IntegrationViewDoc> {
    return this.integrations.setPaused(caller, workspaceId, id, true, requestBaseUrl(request));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Resume: the events stored while paused are handed on in event-time order' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: IntegrationViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  resume(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Req() request: FastifyRequest,
  ): Promise<IntegrationViewDoc> {
    return this.integrations.setPaused(caller, workspaceId, id, false, requestBaseUrl(request));
  }

  @Get(':id/events')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'The integration’s event log, newest first: received-at, type, ids, status, error, attempts' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CrmEventPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_query, invalid_cursor' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  events(
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Query() query: CrmEventsQueryDto,
  ): Promise<Page<CrmEventView>> {
    return this.integrations.events(workspaceId, id, {
      status: query.status,
      type: query.type,
      from: query.from,
      to: query.to,
      limit: query.limit,
      cursor: cursorId(query.cursor),
    });
  }

  @Post(':id/events/replay')
  @HttpCode(200)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Re-read (with the current mapping) and hand on again the events received in [from, to), of a status if given' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: ReplayedDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_payload, validation_failed' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  replay(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: ReplayEventsDto,
  ): Promise<ReplayCrmEventsReply> {
    return this.integrations.replay(caller, workspaceId, id, { from: body.from, to: body.to, status: body.status });
  }

  @Post(':id/events/:eventId/retry')
  @HttpCode(200)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Retry a failed event now (re-read with the current mapping)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'eventId', format: 'uuid' })
  @ApiOkResponse({ type: CrmEventViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'event_not_retryable: the event is not failed' })
  retry(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Param('eventId', UuidParamPipe) eventId: string,
  ): Promise<CrmEventView> {
    return this.integrations.retryEvent(caller, workspaceId, id, eventId);
  }

  @Get(':id/status')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Lag, last event, counts per status for the last hour and day' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: IntegrationStatusDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  status(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<CrmIntegrationStatusView> {
    return this.integrations.status(workspaceId, id);
  }
}
