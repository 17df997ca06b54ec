import {
  AppException,
  ErrorCodes,
  EventTypes,
  Money,
  type OpportunityChangedData,
  type OpportunityCreateCommand,
  type OpportunityDeleteCommand,
  type OpportunityListQuery,
  type OpportunityStatus,
  type OpportunityUpdateCommand,
  type OpportunityView,
  type OpportunityWriteReply,
  type Page,
  type PipelineStage,
  type StageMoveView,
} from '@leadflow/contracts';
import { type NewEvent, Outbox } from '@leadflow/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { firstOpenStage, stageOf, statusOf } from '../pipelines/pipeline-stages';
import type { PipelineRow } from '../pipelines/pipelines.repository';
import { PipelinesService } from '../pipelines/pipelines.service';
import { type OpportunityChange, readOpportunityFields } from './opportunity-fields';
import type { OpportunityRow, OpportunityValues } from './opportunity-row';
import { OpportunitiesRepository } from './opportunities.repository';

const notFound = (id: string) => new AppException(ErrorCodes.notFound, `No opportunity ${id}`);

/** The stage an opportunity is in, looked up in its pipeline (a stage removed since reads as open). */
function stageIn(pipeline: PipelineRow | undefined, key: string): PipelineStage {
  return pipeline?.stages.find((stage) => stage.key === key) ?? { key, name: key, probability: 0, closed: false, won: false };
}

export function opportunityView(row: OpportunityRow, pipeline: PipelineRow | undefined): OpportunityView {
  const stage = stageIn(pipeline, row.stage);
  return {
    id: row.id,
    name: row.name,
    contactId: row.contact_id,
    leadId: row.lead_id,
    amount: { amount: row.amount, currency: row.currency },
    amountMajor: Money.of(BigInt(row.amount), row.currency).toMajorUnits(),
    pipelineId: row.pipeline_id,
    stage: row.stage,
    status: statusOf(stage),
    probability: row.probability_override ?? stage.probability,
    probabilityOverridden: row.probability_override !== null,
    expectedCloseDate: row.expected_close_date,
    ownerId: row.owner_id,
    closedAt: row.closed_at?.toISOString() ?? null,
    lostReason: row.lost_reason,
    version: Number(row.version),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    createdBy: row.created_by,
    updatedBy: row.updated_by,
  };
}

/** The events of one write: `opportunity.created|updated`, and `won` / `lost` when it closed the opportunity so. */
function changeEvents(
  workspaceId: string,
  view: OpportunityView,
  row: OpportunityRow,
  change: { created: boolean; fromStage: string | null; closedNow: boolean; deleted?: boolean },
): NewEvent[] {
  const data: OpportunityChangedData = {
    opportunityId: view.id,
    contactId: view.contactId,
    version: view.version,
    leadId: view.leadId,
    originLeadId: row.origin_lead_id,
    pipelineId: view.pipelineId,
    stage: view.stage,
    fromStage: change.fromStage,
    status: view.status,
    amount: view.amount.amount,
    currency: view.amount.currency,
    probability: view.probability,
    closedAt: view.closedAt,
    deleted: change.deleted ?? false,
    at: view.updatedAt,
  };
  const events: NewEvent[] = [{ type: change.created ? EventTypes.opportunityCreated : EventTypes.opportunityUpdated, workspaceId, data }];
  if (change.closedNow && view.status !== 'open') {
    events.push({ type: view.status === 'won' ? EventTypes.opportunityWon : EventTypes.opportunityLost, workspaceId, data });
  }
  return events;
}

/**
 * Opportunities: amounts in minor units, a stage of their pipeline, the probability of that stage
 * unless overridden. Moving into a closed stage sets `closedAt` and publishes `opportunity.won` or
 * `opportunity.lost`; moving out of one (reopening) clears it. Every stage move is recorded in the
 * stage history. Updates and deletions are conditional on the version (If-Match).
 */
@Injectable()
export class OpportunitiesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly opportunities: OpportunitiesRepository,
    private readonly pipelines: PipelinesService,
    private readonly outbox: Outbox,
  ) {}

  async create(command: OpportunityCreateCommand): Promise<OpportunityWriteReply> {
    const change = readOpportunityFields(command.fields, true);
    const opportunity = await this.dataSource.transaction((manager) => this.createIn(manager, command.workspaceId, command.actor, change));
    return { outcome: 'written', opportunity, before: null };
  }

  /**
   * Creates an opportunity inside the caller's transaction. Lead conversion uses it too, with a lead
   * it has checked itself (`leadChecked`) and a contact it has locked.
   */
  async createIn(
    manager: EntityManager,
    workspaceId: string,
    actor: string,
    change: OpportunityChange,
    options: { leadChecked?: boolean } = {},
  ): Promise<OpportunityView> {
    const contactId = change.contactId as string;
    await this.checkContact(manager, workspaceId, contactId);
    const leadId = change.leadId ?? null;
    if (leadId !== null && !options.leadChecked) await this.checkLead(manager, workspaceId, leadId);
    const pipeline = await this.pipelines.lockForOpportunity(manager, workspaceId, change.pipelineId);
    const stage = change.stage === undefined ? firstOpenStage(pipeline.stages) : stageOf(pipeline.stages, change.stage, pipeline.id);
    const amount = change.amount;
    if (!amount) throw new AppException(ErrorCodes.validationFailed, 'amount is required');
    const values: OpportunityValues = {
      id: uuidv7(),
      workspace_id: workspaceId,
      name: change.name as string,
      contact_id: contactId,
      lead_id: leadId,
      origin_lead_id: leadId ?? (await this.opportunities.firstLeadOf(manager, workspaceId, contactId)),
      amount: amount.amount.toString(),
      currency: amount.currency,
      pipeline_id: pipeline.id,
      stage: stage.key,
      probability_override: change.probability ?? null,
      expected_close_date: change.expectedCloseDate ?? null,
      owner_id: change.ownerId ?? null,
      closed_at: stage.closed ? new Date() : null,
      lost_reason: change.lostReason ?? null,
    };
    const row = await this.opportunities.insert(manager, workspaceId, values.id, values, actor);
    await this.opportunities.recordStageMove(manager, {
      workspaceId,
      opportunityId: row.id,
      version: row.version,
      pipelineId: pipeline.id,
      fromStage: null,
      toStage: stage.key,
      reopened: false,
      by: actor,
    });
    const view = opportunityView(row, pipeline);
    await this.outbox.addMany(manager, changeEvents(workspaceId, view, row, { created: true, fromStage: null, closedNow: stage.closed }));
    return view;
  }

  async update(command: OpportunityUpdateCommand): Promise<OpportunityWriteReply> {
    const change = readOpportunityFields(command.fields, false);
    return this.dataSource.transaction((manager) =>
      this.updateIn(manager, command.workspaceId, command.actor, command.id, change, command.ifMatch),
    );
  }

  /**
   * Updates a live opportunity inside the caller's transaction, at one of the versions `ifMatch`
   * names (any version when it is undefined: CRM sync orders its writes by the source's own time).
   */
  async updateIn(
    manager: EntityManager,
    workspaceId: string,
    actor: string,
    id: string,
    change: OpportunityChange,
    ifMatch?: readonly number[],
  ): Promise<OpportunityWriteReply> {
    const current = await this.opportunities.lock(manager, workspaceId, id);
    if (!current) throw notFound(id);
    const currentPipeline = await this.pipelines.lockForOpportunity(manager, workspaceId, current.pipeline_id);
    if (ifMatch !== undefined && !ifMatch.includes(Number(current.version))) {
      return { outcome: 'version_conflict', current: opportunityView(current, currentPipeline) };
    }
    if (change.contactId !== undefined && change.contactId !== current.contact_id) {
      await this.checkContact(manager, workspaceId, change.contactId);
    }
    if (change.leadId !== undefined && change.leadId !== null && change.leadId !== current.lead_id) {
      await this.checkLead(manager, workspaceId, change.leadId);
    }
    const pipeline =
      change.pipelineId === undefined || change.pipelineId === current.pipeline_id
        ? currentPipeline
        : await this.pipelines.lockForOpportunity(manager, workspaceId, change.pipelineId);
    const fromStage = stageIn(currentPipeline, current.stage);
    const toStage =
      change.stage !== undefined
        ? stageOf(pipeline.stages, change.stage, pipeline.id)
        : pipeline === currentPipeline
          ? fromStage
          : firstOpenStage(pipeline.stages);
    const moved = pipeline.id !== current.pipeline_id || toStage.key !== current.stage;
    const fromStatus = statusOf(fromStage);
    const toStatus: OpportunityStatus = statusOf(toStage);
    const closedNow = moved && toStage.closed && (fromStatus !== toStatus || !fromStage.closed);
    const values: OpportunityValues = {
      id: current.id,
      workspace_id: workspaceId,
      name: change.name ?? current.name,
      contact_id: change.contactId ?? current.contact_id,
      lead_id: change.leadId === undefined ? current.lead_id : change.leadId,
      origin_lead_id: change.leadId ? change.leadId : current.origin_lead_id,
      amount: change.amount ? change.amount.amount.toString() : current.amount,
      currency: change.amount ? change.amount.currency : current.currency,
      pipeline_id: pipeline.id,
      stage: toStage.key,
      probability_override: change.probability === undefined ? current.probability_override : change.probability,
      expected_close_date: change.expectedCloseDate === undefined ? current.expected_close_date : change.expectedCloseDate,
      owner_id: change.ownerId === undefined ? current.owner_id : change.ownerId,
      closed_at: !toStage.closed ? null : closedNow ? new Date() : current.closed_at,
      // A reason for losing stays while lost; leaving that status drops it unless one is given.
      lost_reason:
        change.lostReason !== undefined ? change.lostReason : toStatus === 'lost' && fromStatus === 'lost' ? current.lost_reason : null,
    };
    const row = await this.opportunities.updateIfVersion(manager, workspaceId, id, current.version, values, actor);
    if (!row) throw new Error(`opportunity ${id} changed under its lock`);
    if (moved) {
      await this.opportunities.recordStageMove(manager, {
        workspaceId,
        opportunityId: id,
        version: row.version,
        pipelineId: pipeline.id,
        fromStage: current.stage,
        toStage: toStage.key,
        reopened: fromStage.closed && !toStage.closed,
        by: actor,
      });
    }
    const view = opportunityView(row, pipeline);
    await this.outbox.addMany(
      manager,
      changeEvents(workspaceId, view, row, { created: false, fromStage: moved ? current.stage : null, closedNow }),
    );
    return { outcome: 'written', opportunity: view, before: opportunityView(current, currentPipeline) };
  }

  /** Soft deletion: the opportunity leaves lists and reports; `opportunity.updated` says `deleted`. */
  async delete(command: OpportunityDeleteCommand): Promise<OpportunityWriteReply> {
    const { workspaceId, actor, id } = command;
    return this.dataSource.transaction(async (manager): Promise<OpportunityWriteReply> => {
      const current = await this.opportunities.lock(manager, workspaceId, id);
      if (!current) throw notFound(id);
      const pipeline = await this.pipelines.lockForOpportunity(manager, workspaceId, current.pipeline_id);
      if (!command.ifMatch.includes(Number(current.version))) {
        return { outcome: 'version_conflict', current: opportunityView(current, pipeline) };
      }
      const row = await this.opportunities.deleteIfVersion(manager, workspaceId, id, current.version, actor);
      if (!row) throw new Error(`opportunity ${id} changed under its lock`);
      const view = opportunityView(row, pipeline);
      await this.outbox.addMany(
        manager,
        changeEvents(workspaceId, view, row, { created: false, fromStage: null, closedNow: false, deleted: true }),
      );
      return { outcome: 'written', opportunity: view, before: opportunityView(current, pipeline) };
    });
  }

  async get(workspaceId: string, id: string): Promise<OpportunityView> {
    const row = await this.opportunities.findLive(workspaceId, id);
    if (!row) throw notFound(id);
    const pipelines = await this.pipelines.byId(this.dataSource.manager, workspaceId);
    return opportunityView(row, pipelines.get(row.pipeline_id));
  }

  /** How a live opportunity moved between stages, oldest first (reopenings marked). */
  async history(workspaceId: string, id: string): Promise<StageMoveView[]> {
    if (!(await this.opportunities.findLive(workspaceId, id))) throw notFound(id);
    return this.opportunities.stageHistory(workspaceId, id);
  }

  async list(query: OpportunityListQuery): Promise<Page<OpportunityView>> {
    const pipelines = await this.pipelines.byId(this.dataSource.manager, query.workspaceId);
    const status = query.status;
    const stagesWithStatus =
      status === undefined
        ? undefined
        : {
            status,
            stages: [...pipelines.values()].flatMap((pipeline) =>
              pipeline.stages.filter((stage) => statusOf(stage) === status).map((stage) => ({ pipelineId: pipeline.id, stage: stage.key })),
            ),
          };
    return this.opportunities.listLive(
      query.workspaceId,
      {
        contactId: query.contactId,
        pipelineId: query.pipelineId,
        stage: query.stage,
        stagesWithStatus,
        afterId: query.cursor,
        limit: query.limit,
      },
      (row) => opportunityView(row, pipelines.get(row.pipeline_id)),
    );
  }

  private async checkContact(manager: EntityManager, workspaceId: string, contactId: string): Promise<void> {
    if (!(await this.opportunities.lockLiveContact(manager, workspaceId, contactId))) {
      throw new AppException(ErrorCodes.unknownContact, `No live contact ${contactId} in this workspace`);
    }
  }

  private async checkLead(manager: EntityManager, workspaceId: string, leadId: string): Promise<void> {
    if (!(await this.opportunities.leadIsKnown(manager, workspaceId, leadId))) {
      throw new AppException(ErrorCodes.unknownLead, `No lead ${leadId} attributed to a contact of this workspace`);
    }
  }
}
