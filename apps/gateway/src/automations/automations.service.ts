import {
  AppException,
  type AutomationAction,
  type AutomationBackfillView,
  type AutomationRunView,
  type AutomationView,
  type AutomationWriteReply,
  ErrorCodes,
  isUuid,
  type Page,
  RpcSubjects,
} from '@leadflow/contracts';
import { RpcClient } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { AuditLogService } from '../audit/audit-log.service';
import type { Principal } from '../auth/principal';
import { WebhookEndpointsRepository } from '../webhook-endpoints/webhook-endpoints.repository';
import { WorkspaceAdminsRepository } from '../workspaces/workspace-admins.repository';
import type { AutomationCreateDto, AutomationPatchDto } from './dto/automation.dto';

/** A conditional write's outcome: the automation written (or deleted), or the one it conflicted with. */
export type VersionedWrite = { automation: AutomationView } | { conflict: AutomationView };

/** Automations, kept and run by scoring and asked over NATS; changes and backfills are audited. */
@Injectable()
export class AutomationsService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly audit: AuditLogService,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly admins: WorkspaceAdminsRepository,
  ) {}

  list(workspaceId: string, query: { limit: number; cursor?: string }): Promise<Page<AutomationView>> {
    return this.rpc.request(RpcSubjects.scoring.automationList, { workspaceId, ...query });
  }

  get(workspaceId: string, id: string): Promise<AutomationView> {
    return this.rpc.request(RpcSubjects.scoring.automationGet, { workspaceId, id });
  }

  async create(
    caller: Principal,
    workspaceId: string,
    body: AutomationCreateDto,
  ): Promise<AutomationView & { backfill?: AutomationBackfillView }> {
    const { runForExisting, ...automation } = body;
    await this.checkReferences(workspaceId, automation.actions);
    const reply = await this.rpc.request<AutomationWriteReply>(RpcSubjects.scoring.automationCreate, {
      workspaceId,
      automation,
      runForExisting,
    });
    const created = await this.audited(caller, workspaceId, 'automation.create', reply);
    return reply.backfill ? { ...created, backfill: reply.backfill } : created;
  }

  /** A change from the versions If-Match names: the automation after it, or the conflict with the automation as it is. */
  async patch(
    caller: Principal,
    workspaceId: string,
    id: string,
    ifMatch: number[],
    automation: AutomationPatchDto,
  ): Promise<VersionedWrite> {
    await this.checkReferences(workspaceId, automation.actions);
    const reply = await this.rpc.request<AutomationWriteReply>(RpcSubjects.scoring.automationPatch, {
      workspaceId,
      id,
      ifMatch,
      automation,
    });
    if (reply.outcome === 'version_conflict' && reply.current) return { conflict: reply.current };
    return { automation: await this.audited(caller, workspaceId, 'automation.update', reply) };
  }

  async delete(caller: Principal, workspaceId: string, id: string, ifMatch: number[]): Promise<VersionedWrite> {
    const reply = await this.rpc.request<AutomationWriteReply>(RpcSubjects.scoring.automationDelete, { workspaceId, id, ifMatch });
    if (reply.outcome === 'version_conflict' && reply.current) return { conflict: reply.current };
    return { automation: await this.audited(caller, workspaceId, 'automation.delete', reply) };
  }

  runs(workspaceId: string, id: string, query: { limit: number; cursor?: string }): Promise<Page<AutomationRunView>> {
    return this.rpc.request(RpcSubjects.scoring.automationRuns, { workspaceId, id, ...query });
  }

  async startBackfill(caller: Principal, workspaceId: string, id: string): Promise<AutomationBackfillView> {
    const backfill = await this.rpc.request<AutomationBackfillView>(RpcSubjects.scoring.automationBackfillStart, { workspaceId, id });
    await this.audit.recordAlone(caller, {
      workspaceId,
      action: 'automation.backfill',
      target: `automation:${id}`,
      after: { total: backfill.total },
    });
    return backfill;
  }

  backfill(workspaceId: string, id: string): Promise<AutomationBackfillView> {
    return this.rpc.request(RpcSubjects.scoring.automationBackfillGet, { workspaceId, id });
  }

  /**
   * A webhook action names a webhook endpoint of the workspace (enabled or not), and an owner
   * assignment admins of the workspace: anything else is refused before the automation is saved,
   * 400 `invalid_automation` naming the action. The shape of the actions is scoring's to check.
   */
  private async checkReferences(workspaceId: string, actions: readonly AutomationAction[] | undefined): Promise<void> {
    if (!Array.isArray(actions)) return;
    const named = (type: string, ids: (action: Record<string, unknown>) => unknown): Array<{ index: number; id: string }> =>
      actions.flatMap((action, index) => {
        const raw = typeof action === 'object' && action !== null && (action as { type?: unknown }).type === type ? ids(action) : [];
        return (Array.isArray(raw) ? raw : [raw])
          .filter((id): id is string => typeof id === 'string' && isUuid(id))
          .map((id) => ({ index, id: id.toLowerCase() }));
      });
    const references = [
      {
        ids: named('webhook', (action) => action.endpointId),
        field: 'endpointId',
        what: 'webhook endpoint',
        existing: (ids: string[]) => this.endpoints.existingIds(workspaceId, ids),
      },
      {
        ids: named('assign_owner', (action) => action.ownerIds),
        field: 'ownerIds',
        what: 'admin',
        existing: (ids: string[]) => this.admins.memberIds(workspaceId, ids),
      },
    ];
    for (const { ids, field, what, existing } of references) {
      if (ids.length === 0) continue;
      const known = await existing(ids.map((named) => named.id));
      const missing = ids.find((named) => !known.has(named.id));
      if (missing) {
        throw new AppException(
          ErrorCodes.invalidAutomation,
          `actions[${missing.index}].${field}: ${missing.id} is no ${what} of this workspace`,
        );
      }
    }
  }

  private async audited(caller: Principal, workspaceId: string, action: string, reply: AutomationWriteReply): Promise<AutomationView> {
    const automation = (reply.automation ?? reply.before) as AutomationView;
    await this.audit.recordAlone(caller, {
      workspaceId,
      action,
      target: `automation:${automation.id}`,
      before: reply.before ?? undefined,
      after: reply.automation ?? undefined,
    });
    return automation;
  }
}
