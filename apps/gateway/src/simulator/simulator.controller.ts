import { type Page } from '@leadflow/contracts';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
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
import type { FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { Caller, type Principal } from '../auth/principal';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { PageQueryDto } from '../http/page-query.dto';
import { cursorId, UuidParamPipe } from '../http/path-params.pipe';
import { requestBaseUrl } from '../integrations/webhook-request';
import { SimulatedWebhookDoc, SimulatedWebhookPage, SimulateWebhookDto } from './dto/simulator.dto';
import { SimulatorService } from './simulator.service';

/** Signed CRM webhooks sent on demand, to try an integration end to end; with their history. */
@ApiTags('admin: integrations')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks the scope' })
@Controller('api/v1/simulator/webhooks')
export class SimulatorController {
  constructor(private readonly simulator: SimulatorService) {}

  @Post()
  @HttpCode(201)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Sign a CRM event with an integration’s scheme and deliver it; answers what was sent and what came back' })
  @ApiCreatedResponse({ type: SimulatedWebhookDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: no such integration' })
  simulate(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Body() body: SimulateWebhookDto,
    @Req() request: FastifyRequest,
  ): Promise<SimulatedWebhookDoc> {
    return this.simulator.simulate(caller, workspaceId, body, requestBaseUrl(request));
  }

  @Get('history')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Simulated webhooks, newest first' })
  @ApiOkResponse({ type: SimulatedWebhookPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@CallerWorkspace() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<SimulatedWebhookDoc>> {
    return this.simulator.list(workspaceId, query.limit, cursorId(query.cursor));
  }

  @Get('history/:id')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'One simulated webhook' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: SimulatedWebhookDoc })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  get(@CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<SimulatedWebhookDoc> {
    return this.simulator.get(workspaceId, id);
  }
}
