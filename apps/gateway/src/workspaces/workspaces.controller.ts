import { AppException, ErrorCodes, type Page } from '@leadflow/contracts';
import { Controller, Delete, Get, HttpCode, Injectable, Param, Patch, type PipeTransform, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { cursorId, UuidParamPipe } from '../admin/admin-pipes';
import { PageQueryDto } from '../admin/dto/page-query.dto';
import { ErrorBodyDoc } from '../openapi/error-body.doc';
import { RequireScope } from './access-rules';
import { AdminAccounts, type AdminView } from './admin-accounts';
import { type AuditEntry, AuditLog } from './audit-log';
import { AddAdminDto, CreateApiKeyDto, CreateWorkspaceDto, UpdateWorkspaceDto } from './dto';
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
  constructor(
    private readonly directory: WorkspaceDirectory,
    private readonly accounts: AdminAccounts,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireScope('admin:read', { accountOnly: true })
  @ApiOperation({ summary: 'Create a workspace; the signed-in account becomes its owner (not with an API key)' })
  @ApiBody({ type: CreateWorkspaceDto })
  @ApiResponse({ status: 400, type: ErrorBodyDoc, description: 'invalid_payload, validation_failed' })
  async create(@Caller() caller: Principal, @Req() request: FastifyRequest): Promise<WorkspaceView> {
    return this.directory.create(caller, (await readJsonBody(request, CreateWorkspaceDto)).name);
  }

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: "The caller's workspaces: a key's own, or every one an account administers" })
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

  @Post(':id/admins')
  @HttpCode(201)
  @RequireScope('admins:manage')
  @ApiOperation({ summary: 'Make an account an admin of the workspace (created when new), or change its role; owners only' })
  @ApiBody({ type: AddAdminDto })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'last_owner: the workspace would have no owner left' })
  async addAdmin(
    @Caller() caller: Principal,
    @Param('id', WorkspaceIdPipe) id: string,
    @Req() request: FastifyRequest,
  ): Promise<AdminView> {
    this.directory.own(caller, id);
    return this.accounts.addAdmin(caller, id, await readJsonBody(request, AddAdminDto));
  }

  @Get(':id/admins')
  @RequireScope('admin:read')
  @ApiOperation({ summary: "The workspace's admins and their roles" })
  async listAdmins(@Caller() caller: Principal, @Param('id', WorkspaceIdPipe) id: string): Promise<Page<AdminView>> {
    this.directory.own(caller, id);
    return { items: await this.accounts.listAdmins(id), nextCursor: null };
  }

  @Delete(':id/admins/:accountId')
  @HttpCode(204)
  @RequireScope('admins:manage')
  @ApiOperation({ summary: 'Remove an admin from the workspace; its sessions there end at once; owners only' })
  @ApiResponse({ status: 409, type: ErrorBodyDoc, description: 'last_owner' })
  async removeAdmin(
    @Caller() caller: Principal,
    @Param('id', WorkspaceIdPipe) id: string,
    @Param('accountId', UuidParamPipe) accountId: string,
  ): Promise<void> {
    this.directory.own(caller, id);
    await this.accounts.removeAdmin(caller, id, accountId);
  }
}

/** The audit log of the caller's workspace. */
@ApiTags('audit')
@ApiSecurity('apiKey')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorBodyDoc, description: 'unauthorized' })
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @RequireScope('admin:read')
  @ApiOperation({ summary: 'Admin writes in this workspace, newest first: who, what, before and after, request id' })
  list(@Caller() caller: Principal, @Query() query: PageQueryDto): Promise<Page<AuditEntry>> {
    return this.audit.list(caller.workspaceId, query.limit, cursorId(query.cursor));
  }
}
