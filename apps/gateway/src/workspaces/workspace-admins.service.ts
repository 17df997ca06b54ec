import { AppException, ErrorCodes } from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditLogService } from '../audit/audit-log.service';
import { hashPassword } from '../auth/credentials-crypto';
import type { Principal } from '../auth/principal';
import type { AddAdminDto } from './dto/workspace.dto';
import type { AdminView } from './dto/workspace-views.dto';
import { WorkspaceAdminsRepository } from './workspace-admins.repository';

/** Owners managing their workspace's admins: adding (creating the account when new), changing roles, removing; never the last owner. */
@Injectable()
export class WorkspaceAdminsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly admins: WorkspaceAdminsRepository,
    private readonly audit: AuditLogService,
  ) {}

  async list(workspaceId: string): Promise<AdminView[]> {
    return (await this.admins.list(workspaceId)).map((row) => ({
      accountId: row.account_id,
      email: row.email,
      role: row.role,
      createdAt: row.created_at.toISOString(),
    }));
  }

  /** Makes an account (created when new: a password is then needed) an admin of the workspace, or changes its role. */
  async add(caller: Principal, workspaceId: string, request: AddAdminDto): Promise<AdminView> {
    const email = request.email.trim().toLowerCase();
    return this.dataSource.transaction(async (manager) => {
      let accountId = (await this.admins.lockAccount(manager, email))?.id;
      if (!accountId) {
        if (!request.password) throw new AppException(ErrorCodes.validationFailed, 'password is needed for a new account');
        accountId = uuidv7();
        await this.admins.insertAccount(manager, accountId, email, await hashPassword(request.password));
      }
      const before = await this.admins.roleOf(manager, workspaceId, accountId);
      if (before === 'owner' && request.role !== 'owner') await this.keepAnOwner(manager, workspaceId, accountId);
      const joinedAt = await this.admins.upsert(manager, workspaceId, accountId, request.role);
      await this.audit.record(manager, caller, {
        workspaceId,
        action: before ? 'admin.role.change' : 'admin.add',
        target: `account:${accountId}`,
        before: before ? { email, role: before } : undefined,
        after: { email, role: request.role },
      });
      return { accountId, email, role: request.role, createdAt: joinedAt.toISOString() };
    });
  }

  /** Removes an admin from the workspace and revokes its sessions there. The last owner stays. */
  async remove(caller: Principal, workspaceId: string, accountId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const role = await this.admins.roleOf(manager, workspaceId, accountId, true);
      if (!role) throw new AppException(ErrorCodes.notFound, 'No such admin in this workspace');
      if (role === 'owner') await this.keepAnOwner(manager, workspaceId, accountId);
      await this.admins.remove(manager, workspaceId, accountId);
      await this.audit.record(manager, caller, { workspaceId, action: 'admin.remove', target: `account:${accountId}`, before: { role } });
    });
  }

  private async keepAnOwner(manager: EntityManager, workspaceId: string, leaving: string): Promise<void> {
    const owners = await this.admins.lockOwners(manager, workspaceId);
    if (owners.every((owner) => owner === leaving)) throw new AppException(ErrorCodes.lastOwner, 'A workspace keeps at least one owner');
  }
}
