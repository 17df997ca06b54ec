import { type Page, type PipelineStage, type PipelineView, type PipelineWriteReply, RpcSubjects } from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditLogService } from '../audit/audit-log.service';
import type { Principal } from '../auth/principal';

/** A workspace's deal pipelines, kept by contacts; changes are audited. */
@Injectable()
export class PipelinesService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly audit: AuditLogService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async list(workspaceId: string): Promise<Page<PipelineView>> {
    return { items: await this.rpc.request<PipelineView[]>(RpcSubjects.contacts.pipelineList, { workspaceId }), nextCursor: null };
  }

  async create(caller: Principal, workspaceId: string, change: { name: string; stages: PipelineStage[] }): Promise<PipelineView> {
    const reply = await this.rpc.request<PipelineWriteReply>(RpcSubjects.contacts.pipelineCreate, { workspaceId, ...change });
    return this.audited(caller, workspaceId, 'pipeline.create', reply);
  }

  async update(
    caller: Principal,
    workspaceId: string,
    id: string,
    change: { name?: string; stages?: PipelineStage[] },
  ): Promise<PipelineView> {
    const reply = await this.rpc.request<PipelineWriteReply>(RpcSubjects.contacts.pipelineUpdate, { workspaceId, id, ...change });
    return this.audited(caller, workspaceId, 'pipeline.update', reply);
  }

  private async audited(caller: Principal, workspaceId: string, action: string, reply: PipelineWriteReply): Promise<PipelineView> {
    await this.audit.record(this.dataSource.manager, caller, {
      workspaceId,
      action,
      target: `pipeline:${reply.pipeline.id}`,
      before: reply.before ?? undefined,
      after: reply.pipeline,
    });
    return reply.pipeline;
  }
}
