import { type Page, type SuppressionView } from '@leadflow/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
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
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/access-rules';
import { CallerWorkspace } from '../auth/caller-workspace.decorator';
import { Caller, type Principal } from '../auth/principal';
import { ErrorBodyDoc } from '../http/error-body.doc';
import { PageQueryDto } from '../http/page-query.dto';
import { cursorId, UuidParamPipe } from '../http/path-params.pipe';
import { AddSuppressionDto, SuppressionPage, SuppressionViewDoc } from './dto/suppression.dto';
import { SuppressionsService } from './suppressions.service';

/** The workspace's suppression list: identities whose leads are stored redacted and never reach a contact. */
@ApiTags('admin: GDPR')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks the scope' })
@Controller('api/v1/suppressions')
export class SuppressionsController {
  constructor(private readonly suppressions: SuppressionsService) {}

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Suppressed identities (hashes only), newest first' })
  @ApiOkResponse({ type: SuppressionPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  list(@CallerWorkspace() workspaceId: string, @Query() query: PageQueryDto): Promise<Page<SuppressionView>> {
    return this.suppressions.list(workspaceId, query.limit, cursorId(query.cursor));
  }

  @Post()
  @HttpCode(201)
  @RequireScope('admin:write')
  @ApiOperation({
    summary: 'Suppress an email or phone: its leads are stored redacted and never create or update a contact',
    description: 'Send a clear email or phone (hashed here, never stored) or its hash with its kind. 200 when it was suppressed already.',
  })
  @ApiCreatedResponse({ type: SuppressionViewDoc })
  @ApiOkResponse({ type: SuppressionViewDoc, description: 'Suppressed before: that suppression' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  async add(
    @Caller() caller: Principal,
    @CallerWorkspace() workspaceId: string,
    @Body() body: AddSuppressionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SuppressionViewDoc> {
    const { suppression, created } = await this.suppressions.add(caller, workspaceId, body);
    if (!created) reply.status(200);
    return suppression;
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Lift a suppression: later leads of that identity are stored and processed as usual' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found' })
  async remove(@Caller() caller: Principal, @CallerWorkspace() workspaceId: string, @Param('id', UuidParamPipe) id: string): Promise<void> {
    await this.suppressions.remove(caller, workspaceId, id);
  }
}
