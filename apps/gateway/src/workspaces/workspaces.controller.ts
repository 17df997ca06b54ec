import { type Page } from '@leadflow/contracts';
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
import { AddAdminDto, CreateApiKeyDto, CreateWorkspaceDto, UpdateWorkspaceDto } from './dto/workspace.dto';
import { AdminPage, AdminView, ApiKeyPage, type ApiKeyView, CreatedApiKey, WorkspacePage, WorkspaceView } from './dto/workspace-views.dto';
import { WorkspaceAdminsService } from './workspace-admins.service';
import { WorkspacesService } from './workspaces.service';

const WORKSPACE_ID = { name: 'id', description: 'The workspace: the caller’s own (another one answers 404)', example: 'default' };

@ApiTags('workspaces')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@ApiResponse({ status: 403, type: ErrorBodyDoc, description: 'forbidden: the credential lacks the scope' })
@Controller('api/v1/workspaces')
export class WorkspacesController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly admins: WorkspaceAdminsService,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireScope('admin:read', { accountOnly: true })
  @ApiOperation({ summary: 'Create a workspace; the signed-in account becomes its owner (not with an API key)' })
  @ApiCreatedResponse({ type: WorkspaceView })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  create(@Caller() caller: Principal, @Body() body: CreateWorkspaceDto): Promise<WorkspaceView> {
    return this.workspaces.create(caller, body.name);
  }

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: "The caller's workspaces: a key's own, or every one an account administers" })
  @ApiOkResponse({ type: WorkspacePage })
  list(@Caller() caller: Principal): Promise<Page<WorkspaceView>> {
    return this.workspaces.list(caller);
  }

  @Get(':id')
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'One workspace and its settings' })
  @ApiParam(WORKSPACE_ID)
  @ApiOkResponse({ type: WorkspaceView })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: unknown, or another workspace' })
  get(@CallerWorkspace('id') workspaceId: string): Promise<WorkspaceView> {
    return this.workspaces.get(workspaceId);
  }

  @Patch(':id')
  @RequireScope('admin:write')
  @ApiOperation({ summary: "Rename a workspace or change its settings (the default workspace's legacyIntakeOpen)" })
  @ApiParam(WORKSPACE_ID)
  @ApiOkResponse({ type: WorkspaceView })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: unknown, or another workspace' })
  update(
    @Caller() caller: Principal,
    @CallerWorkspace('id') workspaceId: string,
    @Body() body: UpdateWorkspaceDto,
  ): Promise<WorkspaceView> {
    return this.workspaces.update(caller, workspaceId, body);
  }

  @Post(':id/api-keys')
  @HttpCode(201)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Create an API key; the key is in this answer only' })
  @ApiParam(WORKSPACE_ID)
  @ApiCreatedResponse({ type: CreatedApiKey })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: unknown, or another workspace' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'name_taken' })
  createKey(
    @Caller() caller: Principal,
    @CallerWorkspace('id') workspaceId: string,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKey> {
    return this.workspaces.createKey(caller, workspaceId, body);
  }

  @Get(':id/api-keys')
  @RequireScope('admin:read')
  @ApiOperation({ summary: "A workspace's API keys, newest first (never the keys themselves)" })
  @ApiParam(WORKSPACE_ID)
  @ApiOkResponse({ type: ApiKeyPage })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_query, invalid_cursor' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: unknown, or another workspace' })
  listKeys(@CallerWorkspace('id') workspaceId: string, @Query() query: PageQueryDto): Promise<Page<ApiKeyView>> {
    return this.workspaces.listKeys(workspaceId, query.limit, cursorId(query.cursor));
  }

  @Delete(':id/api-keys/:keyId')
  @HttpCode(204)
  @RequireScope('admin:write')
  @ApiOperation({ summary: 'Revoke an API key; every gateway refuses it within a second' })
  @ApiParam(WORKSPACE_ID)
  @ApiParam({ name: 'keyId', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Revoked (or revoked before)' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: unknown key, or another workspace' })
  async revokeKey(
    @Caller() caller: Principal,
    @CallerWorkspace('id') workspaceId: string,
    @Param('keyId', UuidParamPipe) keyId: string,
  ): Promise<void> {
    await this.workspaces.revokeKey(caller, workspaceId, keyId);
  }

  @Post(':id/admins')
  @HttpCode(201)
  @RequireScope('admins:manage')
  @ApiOperation({ summary: 'Make an account an admin of the workspace (created when new), or change its role; owners only' })
  @ApiParam(WORKSPACE_ID)
  @ApiCreatedResponse({ type: AdminView })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: unknown, or another workspace' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'last_owner: the workspace would have no owner left' })
  addAdmin(@Caller() caller: Principal, @CallerWorkspace('id') workspaceId: string, @Body() body: AddAdminDto): Promise<AdminView> {
    return this.admins.add(caller, workspaceId, body);
  }

  @Get(':id/admins')
  @RequireScope('admin:read')
  @ApiOperation({ summary: "The workspace's admins and their roles" })
  @ApiParam(WORKSPACE_ID)
  @ApiOkResponse({ type: AdminPage })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: unknown, or another workspace' })
  async listAdmins(@CallerWorkspace('id') workspaceId: string): Promise<Page<AdminView>> {
    return { items: await this.admins.list(workspaceId), nextCursor: null };
  }

  @Delete(':id/admins/:accountId')
  @HttpCode(204)
  @RequireScope('admins:manage')
  @ApiOperation({ summary: 'Remove an admin from the workspace; its sessions there end at once; owners only' })
  @ApiParam(WORKSPACE_ID)
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_id' })
  @ApiResponse({ status: 404, type: ErrorBodyDoc, description: 'not_found: unknown admin, or another workspace' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'last_owner' })
  async removeAdmin(
    @Caller() caller: Principal,
    @CallerWorkspace('id') workspaceId: string,
    @Param('accountId', UuidParamPipe) accountId: string,
  ): Promise<void> {
    await this.admins.remove(caller, workspaceId, accountId);
  }
}
