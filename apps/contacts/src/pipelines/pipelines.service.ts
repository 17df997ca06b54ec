import {
  AppException,
  ErrorCodes,
  type PipelineCreateCommand,
  type PipelineUpdateCommand,
  type PipelineView,
  type PipelineWriteReply,
} from '@leadflow/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { checkStages } from './pipeline-stages';
import { type PipelineRow, PipelinesRepository } from './pipelines.repository';

export function pipelineView(row: PipelineRow): PipelineView {
  return {
    id: row.id,
    name: row.name,
    isDefault: row.is_default,
    stages: row.stages,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const UNIQUE_VIOLATION = '23505';

/** A workspace's pipelines; the default one is made the first time any is needed. */
@Injectable()
export class PipelinesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pipelines: PipelinesRepository,
  ) {}

  list(workspaceId: string): Promise<PipelineView[]> {
    return this.dataSource.transaction(async (manager) => {
      await this.pipelines.ensureDefault(manager, workspaceId);
      return (await this.pipelines.list(manager, workspaceId)).map(pipelineView);
    });
  }

  async create(command: PipelineCreateCommand): Promise<PipelineWriteReply> {
    checkStages(command.stages);
    try {
      return await this.dataSource.transaction(async (manager) => {
        await this.pipelines.ensureDefault(manager, command.workspaceId);
        const row = await this.pipelines.insert(manager, command.workspaceId, command.name, command.stages);
        return { pipeline: pipelineView(row), before: null };
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new AppException(ErrorCodes.nameTaken, `A pipeline named "${command.name}" exists in this workspace`);
      }
      throw error;
    }
  }

  /** Renames a pipeline or replaces its stages; a stage live opportunities are in cannot go (409 `stage_in_use`). */
  async update(command: PipelineUpdateCommand): Promise<PipelineWriteReply> {
    if (command.stages) checkStages(command.stages);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const current = await this.pipelines.lock(manager, command.workspaceId, command.id, 'update');
        if (!current) throw new AppException(ErrorCodes.notFound, `No pipeline ${command.id}`);
        const stages = command.stages ?? current.stages;
        const kept = new Set(stages.map((stage) => stage.key));
        const dropped = current.stages.map((stage) => stage.key).filter((key) => !kept.has(key));
        const inUse = await this.pipelines.stagesInUse(manager, command.workspaceId, current.id, dropped);
        if (inUse.length > 0) {
          throw new AppException(
            ErrorCodes.stageInUse,
            `Opportunities are in stage(s) ${inUse.join(', ')}: move them before removing the stage`,
          );
        }
        const row = await this.pipelines.update(manager, command.workspaceId, current.id, command.name ?? current.name, stages);
        return { pipeline: pipelineView(row), before: pipelineView(current) };
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new AppException(ErrorCodes.nameTaken, `A pipeline named "${command.name ?? ''}" exists in this workspace`);
      }
      throw error;
    }
  }

  /**
   * The pipeline an opportunity write relies on, share-locked until the write commits so that its
   * stages cannot change meanwhile: `id`, or the default one (made if needed). 422 `unknown_pipeline`.
   */
  async lockForOpportunity(manager: EntityManager, workspaceId: string, id: string | undefined): Promise<PipelineRow> {
    if (id === undefined) await this.pipelines.ensureDefault(manager, workspaceId);
    const row = await this.pipelines.lock(manager, workspaceId, id, 'share');
    if (!row) throw new AppException(ErrorCodes.unknownPipeline, `No pipeline ${id ?? '(default)'} in this workspace`);
    return row;
  }

  /** The workspace's pipelines by id, for building opportunity views. */
  async byId(manager: EntityManager, workspaceId: string): Promise<Map<string, PipelineRow>> {
    return new Map((await this.pipelines.list(manager, workspaceId)).map((row) => [row.id, row]));
  }
}
