import {
  type OpportunityFields,
  type OpportunityListQuery,
  type OpportunityView,
  type OpportunityWriteReply,
  type Page,
  RpcSubjects,
  type StageMoveView,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AuditLogService } from '../audit/audit-log.service';
import type { Principal } from '../auth/principal';

/**
 * Opportunities as the admin API shows them, kept by contacts. Every write that contacts made is
 * audited here once its answer is back (a refused or conflicting write changed nothing and is not).
 */
@Injectable()
export class OpportunitiesService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly audit: AuditLogService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  list(query: OpportunityListQuery): Promise<Page<OpportunityView>> {
    return this.rpc.request(RpcSubjects.contacts.opportunityList, query);
  }

  get(workspaceId: string, id: string): Promise<OpportunityView> {
    return this.rpc.request(RpcSubjects.contacts.opportunityGet, { workspaceId, id });
  }

  history(workspaceId: string, id: string): Promise<StageMoveView[]> {
    return this.rpc.request(RpcSubjects.contacts.opportunityHistory, { workspaceId, id });
  }

  async create(caller: Principal, workspaceId: string, fields: OpportunityFields): Promise<OpportunityView> {
    const reply = await this.rpc.request<OpportunityWriteReply>(RpcSubjects.contacts.opportunityCreate, {
      workspaceId,
      actor: caller.actor,
      fields,
    });
    return (await this.audited(caller, workspaceId, 'opportunity.create', reply)).opportunity;
  }

  async update(
    caller: Principal,
    workspaceId: string,
    id: string,
    ifMatch: number[],
    fields: OpportunityFields,
  ): Promise<OpportunityWriteReply> {
    const reply = await this.rpc.request<OpportunityWriteReply>(RpcSubjects.contacts.opportunityUpdate, {
      workspaceId,
      actor: caller.actor,
      id,
      ifMatch,
      fields,
    });
    return reply.outcome === 'written' ? this.audited(caller, workspaceId, 'opportunity.update', reply) : reply;
  }

  async delete(caller: Principal, workspaceId: string, id: string, ifMatch: number[]): Promise<OpportunityWriteReply> {
    const reply = await this.rpc.request<OpportunityWriteReply>(RpcSubjects.contacts.opportunityDelete, {
      workspaceId,
      actor: caller.actor,
      id,
      ifMatch,
    });
    return reply.outcome === 'written' ? this.audited(caller, workspaceId, 'opportunity.delete', reply) : reply;
  }

  private async audited(
    caller: Principal,
    workspaceId: string,
    action: string,
    reply: OpportunityWriteReply,
  ): Promise<Extract<OpportunityWriteReply, { outcome: 'written' }>> {
    if (reply.outcome !== 'written') throw new Error(`${action} answered ${reply.outcome}`);
    await this.audit.record(this.dataSource.manager, caller, {
      workspaceId,
      action,
      target: `opportunity:${reply.opportunity.id}`,
      before: reply.before ?? undefined,
      after: reply.opportunity,
    });
    return reply;
  }
}
