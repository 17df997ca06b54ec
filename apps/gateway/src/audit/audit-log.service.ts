import { type Page } from '@leadflow/contracts';
import { currentRequestId } from '@leadflow/logging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { AuditLogRepository } from './audit-log.repository';
import type { AuditEntryView } from './dto/audit-entry.dto';

/** Every admin write: who, in which workspace, what, the state before and after, and the request. */
@Injectable()
export class AuditLogService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: AuditLogRepository,
  ) {}

  /** Records a write; pass the write's transaction so that both commit or neither does. */
  record(
    manager: EntityManager,
    caller: Principal,
    entry: { workspaceId: string; action: string; target: string; before?: unknown; after?: unknown },
  ): Promise<void> {
    return this.repository.insert(manager, { ...entry, actor: caller.actor, requestId: currentRequestId() ?? null });
  }

  /** Records a write in a transaction of its own: for writes another app made and answered (over NATS). */
  recordAlone(
    caller: Principal,
    entry: { workspaceId: string; action: string; target: string; before?: unknown; after?: unknown },
  ): Promise<void> {
    return this.dataSource.transaction((manager) => this.record(manager, caller, entry));
  }

  /** The entries about these targets, oldest first. */
  aboutTargets(workspaceId: string, targets: readonly string[]): Promise<AuditEntryView[]> {
    return this.repository.aboutTargets(workspaceId, targets);
  }

  list(workspaceId: string, limit: number, afterId: string | undefined): Promise<Page<AuditEntryView>> {
    return this.repository.list(workspaceId, limit, afterId);
  }
}
