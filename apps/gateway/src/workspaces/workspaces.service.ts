import { AppException, DEFAULT_WORKSPACE_ID, ErrorCodes, type Page } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditLogService } from '../audit/audit-log.service';
import { generateApiKey } from '../auth/api-key';
import { storedKeyRateLimit } from '../auth/rate-limits';
import type { Principal } from '../auth/principal';
import { WebhookPostbacks } from '../webhook-endpoints/webhook-postbacks';
import { type ApiKeyRow, ApiKeysRepository } from './api-keys.repository';
import type { CreateApiKeyDto, UpdateWorkspaceDto } from './dto/workspace.dto';
import type { ApiKeyView, CreatedApiKey, WorkspaceView } from './dto/workspace-views.dto';
import { WorkspaceAdminsRepository } from './workspace-admins.repository';
import { type WorkspaceRow, WorkspacesRepository } from './workspaces.repository';

const notFound = () => new AppException(ErrorCodes.notFound, 'No such workspace');

/**
 * Workspaces and their API keys, as the management API sees them. Every method takes the workspace
 * it works in, resolved from the caller's credential (`@CallerWorkspace`); writes are audited.
 */
@Injectable()
export class WorkspacesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly workspaces: WorkspacesRepository,
    private readonly keys: ApiKeysRepository,
    private readonly admins: WorkspaceAdminsRepository,
    private readonly audit: AuditLogService,
    private readonly postbacks: WebhookPostbacks,
  ) {}

  /** A key's workspace; every workspace an account administers. */
  async list(caller: Principal): Promise<Page<WorkspaceView>> {
    if (caller.kind !== 'account' || !caller.accountId) return { items: [await this.get(caller.workspaceId)], nextCursor: null };
    return { items: (await this.workspaces.administeredBy(caller.accountId)).map(workspaceView), nextCursor: null };
  }

  /** A new workspace, owned by the account that creates it. */
  async create(caller: Principal, name: string): Promise<WorkspaceView> {
    const accountId = caller.accountId;
    if (!accountId) throw new AppException(ErrorCodes.forbidden, 'Only a signed-in admin account can do this, not an API key');
    return this.dataSource.transaction(async (manager) => {
      const workspace = workspaceView(await this.workspaces.insert(manager, uuidv7(), name));
      await this.admins.upsert(manager, workspace.id, accountId, 'owner');
      await this.audit.record(manager, caller, {
        workspaceId: workspace.id,
        action: 'workspace.create',
        target: `workspace:${workspace.id}`,
        after: workspace,
      });
      return workspace;
    });
  }

  async get(workspaceId: string): Promise<WorkspaceView> {
    const row = await this.workspaces.find(workspaceId);
    if (!row) throw notFound();
    return workspaceView(row);
  }

  async update(caller: Principal, workspaceId: string, change: UpdateWorkspaceDto): Promise<WorkspaceView> {
    if (change.legacyIntakeOpen !== undefined && workspaceId !== DEFAULT_WORKSPACE_ID) {
      throw new AppException(ErrorCodes.validationFailed, 'Only the default workspace can take keyless legacy leads');
    }
    return this.dataSource.transaction(async (manager) => {
      const current = await this.workspaces.lock(manager, workspaceId);
      if (!current) throw notFound();
      const updated = workspaceView(
        await this.workspaces.update(manager, workspaceId, {
          name: change.name ?? null,
          legacyIntakeOpen: change.legacyIntakeOpen ?? null,
        }),
      );
      await this.audit.record(manager, caller, {
        workspaceId,
        action: 'workspace.update',
        target: `workspace:${workspaceId}`,
        before: workspaceView(current),
        after: updated,
      });
      return updated;
    });
  }

  async createKey(caller: Principal, workspaceId: string, request: CreateApiKeyDto): Promise<CreatedApiKey> {
    await this.get(workspaceId);
    const perSecond = request.rateLimitPerSecond ?? null;
    const burst = request.rateLimitBurst ?? (perSecond === null ? null : perSecond * 2);
    if (request.rateLimitBurst !== undefined && perSecond === null) {
      throw new AppException(ErrorCodes.validationFailed, 'rateLimitBurst needs rateLimitPerSecond');
    }
    if (burst !== null && perSecond !== null && burst < perSecond) {
      throw new AppException(ErrorCodes.validationFailed, 'rateLimitBurst must be at least rateLimitPerSecond');
    }
    if (request.allowedOrigins && (request.scopes.length !== 1 || request.scopes[0] !== 'events')) {
      throw new AppException(ErrorCodes.validationFailed, 'A browser key (with allowedOrigins) has the "events" scope only');
    }
    if (request.postbackUrl !== undefined) await this.postbacks.check(request.postbackUrl, request.scopes);
    const { key, prefix, hash } = generateApiKey(request.environment);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const row = await this.keys.insert(manager, workspaceId, {
          id: uuidv7(),
          name: request.name,
          prefix,
          hash,
          scopes: request.scopes,
          perSecond,
          burst,
          allowedOrigins: request.allowedOrigins?.map((origin) => origin.toLowerCase()) ?? null,
        });
        const view = apiKeyView(row);
        if (request.postbackUrl !== undefined) {
          await this.postbacks.add(manager, {
            workspaceId,
            apiKeyId: view.id,
            source: request.name,
            template: request.postbackUrl,
            createdBy: caller.actor,
          });
        }
        const postbackUrl = request.postbackUrl ?? null;
        await this.audit.record(manager, caller, {
          workspaceId,
          action: 'api_key.create',
          target: `api_key:${view.id}`,
          after: { ...view, postbackUrl },
        });
        return { ...view, postbackUrl, key };
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new AppException(ErrorCodes.nameTaken, `A live key named "${request.name}" already exists in this workspace`);
      }
      throw error;
    }
  }

  async listKeys(workspaceId: string, limit: number, afterId: string | undefined): Promise<Page<ApiKeyView>> {
    await this.get(workspaceId);
    return this.keys.list(workspaceId, limit, afterId, apiKeyView);
  }

  /** Revokes a key at once; every replica stops accepting it within the credential cache's lifetime. */
  async revokeKey(caller: Principal, workspaceId: string, keyId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const current = await this.keys.lock(manager, workspaceId, keyId);
      if (!current) throw new AppException(ErrorCodes.notFound, 'No such API key');
      if (current.revoked_at) return;
      const revoked = await this.keys.revoke(manager, workspaceId, keyId);
      await this.postbacks.removeFor(manager, keyId);
      await this.audit.record(manager, caller, {
        workspaceId,
        action: 'api_key.revoke',
        target: `api_key:${keyId}`,
        before: apiKeyView(current),
        after: apiKeyView(revoked),
      });
    });
  }
}

function workspaceView(row: WorkspaceRow): WorkspaceView {
  return { id: row.id, name: row.name, legacyIntakeOpen: row.legacy_intake_open, createdAt: row.created_at.toISOString() };
}

function apiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    rateLimit: storedKeyRateLimit(row.rate_limit_per_second, row.rate_limit_burst),
    allowedOrigins: row.allowed_origins,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
