import type { Page } from '@leadflow/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
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
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { Caller, type Principal } from '../auth/principal';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { PageQueryDto } from '../http/page-query.dto';
import { cursorId, UuidParamPipe } from '../http/path-params.pipe';
import {
  CreateWebhookEndpointDto,
  DeliveriesQueryDto,
  RecoverDeliveriesDto,
  RecoveredDoc,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDoc,
  WebhookDeliveryPage,
  WebhookEndpointCreatedDoc,
  WebhookEndpointPage,
  WebhookEndpointViewDoc,
  WebhookHealthDoc,
  WebhookSecretRotatedDoc,
} from './dto/webhook-endpoint.dto';
import { WebhookEndpointsService } from './webhook-endpoints.service';

/** Outbound webhooks: endpoints, their secrets, the delivery log and its controls. */
@ApiTags('admin: webhook endpoints')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks the scope' })
@Controller('api/v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post()
  @HttpCode(201)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Create an endpoint; its signing secret (whsec_…) is in this answer only' })
  @ApiCreatedResponse({ type: WebhookEndpointCreatedDoc })
  @ApiResponse({
    status: 400,
    type: ErrorBodyDoc,
    description: 'invalid_payload, validation_failed, unknown_event_type, unsafe_webhook_url',
  })
  create(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Body() body: CreateWebhookEndpointDto,
  ): Promise<WebhookEndpointCreatedDoc> {
    return this.endpoints.create(caller, workspaceId, body);
  }

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Webhook endpoints, newest first' })
  @ApiOkResponse({ type: WebhookEndpointPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@CallerWorkspace() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<WebhookEndpointViewDoc>> {
    return this.endpoints.list(workspaceId, query.limit, cursorId(query.cursor));
  }

  @Get(':id')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'One endpoint (its secrets’ ids and times, never their values)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookEndpointViewDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  get(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<WebhookEndpointViewDoc> {
    return this.endpoints.get(workspaceId, id);
  }

  @Patch(':id')
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Change the URL, event types, enabled flag, rate limit or description' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookEndpointViewDoc })
  @ApiResponse({
    status: 400,
    type: ErrorBodyDoc,
    description: 'invalid_id, invalid_payload, validation_failed, unknown_event_type, unsafe_webhook_url',
  })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  update(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointViewDoc> {
    return this.endpoints.update(caller, workspaceId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Delete an endpoint: nothing more is delivered to it; its delivery log stays' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async delete(@Caller() caller: Principal, @CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<void> {
    await this.endpoints.delete(caller, workspaceId, id);
  }

  @Post(':id/secrets/rotate')
  @HttpCode(200)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'A new signing secret; the previous ones keep signing for the overlap' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookSecretRotatedDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  rotate(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
  ): Promise<WebhookSecretRotatedDoc> {
    return this.endpoints.rotateSecret(caller, workspaceId, id);
  }

  @Get(':id/deliveries')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Deliveries to the endpoint, newest first, each with its attempts' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookDeliveryPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_query, invalid_cursor' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  deliveries(
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Query() query: DeliveriesQueryDto,
  ): Promise<Page<WebhookDeliveryDoc>> {
    return this.endpoints.deliveryLog(workspaceId, id, { limit: query.limit, cursor: cursorId(query.cursor), status: query.status });
  }

  @Get(':id/health')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Success rate over the last 24 hours, last success and last failure' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: WebhookHealthDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  health(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<WebhookHealthDoc> {
    return this.endpoints.health(workspaceId, id);
  }

  @Post(':id/deliveries/:deliveryId/resend')
  @HttpCode(202)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Send one finished delivery again (same webhook-id), in a new round of attempts' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'deliveryId', format: 'uuid' })
  @ApiResponse({ status: 202, type: WebhookDeliveryDoc, description: 'Queued' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'delivery_in_progress' })
  resend(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Param('deliveryId', UuidParamPipe) deliveryId: string,
  ): Promise<WebhookDeliveryDoc> {
    return this.endpoints.resend(caller, workspaceId, id, deliveryId);
  }

  @Post(':id/recover')
  @HttpCode(202)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Send again every delivery that failed, made within since … until' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 202, type: RecoveredDoc, description: 'Queued' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id, invalid_payload, validation_failed' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  recover(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: RecoverDeliveriesDto,
  ): Promise<RecoveredDoc> {
    return this.endpoints.recover(caller, workspaceId, id, body);
  }

  @Post(':id/test')
  @HttpCode(202)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Send a webhook.test event to the endpoint' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 202, type: WebhookDeliveryDoc, description: 'Queued' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  test(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Param('id', UuidParamPipe) id: string,
  ): Promise<WebhookDeliveryDoc> {
    return this.endpoints.test(caller, workspaceId, id);
  }
}
