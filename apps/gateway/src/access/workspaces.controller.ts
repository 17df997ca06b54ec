import { AppException, ErrorCodes, type Page } from '@leadflow/contracts';
import { Controller, Delete, Get, HttpCode, Injectable, Param, Patch, type PipeTransform, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { cursorId, UuidParamPipe } from '../admin/admin-pipes';
import { PageQueryDto } from '../admin/dto/page-query.dto';
import { ErrorBodyDoc } from '../openapi/error-body.doc';
import { RequireScope } from './access-rules';
import { CreateApiKeyDto, UpdateWorkspaceDto } from './dto';
import { readJsonBody } from './json-body';
import { Caller, type Principal } from './principal';
import { type ApiKeyView, type CreatedApiKey, type WorkspaceView, WorkspaceDirectory } from './workspace-directory';

/** Workspace ids are `default` or UUIDs: lower-case letters, digits and dashes. */
@Injectable()
export class WorkspaceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (/^[a-z0-9][a-z0-9-]{0,62}$/.test(value)) return value;
    throw new AppException(ErrorCodes.invalidId, `"${String(value).slice(0, 64)}" is not a valid workspace id`, 400);
  }
}

@ApiTags('workspaces')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks the scope' })
@ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: unknown, or another workspace' })
@Controller('api/v1/workspaces')
export class WorkspacesController {
  constructor(private readonly directory: WorkspaceDirectory) {}

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: "The caller's workspaces" })
  list(@Caller() caller: Principal): Promise<Page<WorkspaceView>> {
    return this.directory.list(caller);
  }

  @Get(':id')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'One workspace and its settings' })
  get(@Caller() caller: Principal, @Param('id', WorkspaceIdPipe) id: string): Promise<WorkspaceView> {
    return this.directory.get(caller, id);
  }

  @Patch(':id')
  @RequireScope('admin:write')
  @ApiOperation({ summary: "Rename a workspace or change its settings (the default workspace's legacyIntakeOpen)" })
  @ApiBody({ type: UpdateWorkspaceDto })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  async update(
    @Caller() caller: Principal,
    @Param('id', WorkspaceIdPipe) id: string,
    @Req() request: FastifyRequest,
  ): Promise<WorkspaceView> {
    return this.directory.update(caller, id, await readJsonBody(request, UpdateWorkspaceDto));
  }

  @Post(':id/api-keys')
  @HttpCode(201)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Create an API key; the key is in this answer only' })
  @ApiBody({ type: CreateApiKeyDto })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'name_taken' })
  async createKey(
    @Caller() caller: Principal,
    @Param('id', WorkspaceIdPipe) id: string,
    @Req() request: FastifyRequest,
  ): Promise<CreatedApiKey> {
    return this.directory.createKey(caller, id, await readJsonBody(request, CreateApiKeyDto));
  }

  @Get(':id/api-keys')
  @RequireScope('admin:read')
  @ApiOperation({ summary: "A workspace's API keys, newest first (never the keys themselves)" })
  listKeys(@Caller() caller: Principal, @Param('id', WorkspaceIdPipe) id: string, @Query() query: PageQueryDto): Promise<Page<ApiKeyView>> {
    return this.directory.listKeys(caller, id, query.limit, cursorId(query.cursor));
  }

  @Delete(':id/api-keys/:keyId')
  @HttpCode(204)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Revoke an API key; every gateway refuses it within a second' })
  async revokeKey(
    @Caller() caller: Principal,
    @Param('id', WorkspaceIdPipe) id: string,
    @Param('keyId', UuidParamPipe) keyId: string,
  ): Promise<void> {
    await this.directory.revokeKey(caller, id, keyId);
  }
}
