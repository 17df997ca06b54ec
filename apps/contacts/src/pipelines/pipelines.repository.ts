import { DEFAULT_PIPELINE_NAME, DEFAULT_PIPELINE_STAGES, type PipelineStage } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

export interface PipelineRow {
  id: string;
  workspace_id: string;
  name: string;
  is_default: boolean;
  stages: PipelineStage[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `"id", "workspace_id", "name", "is_default", "stages", "created_at", "updated_at"`;

/** The SQL of pipelines; every statement names its workspace. */
@Injectable()
export class PipelinesRepository {
  private readonly pipelines: string;
  private readonly opportunities: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.pipelines = qualifiedTable(dataSource, 'pipelines');
    this.opportunities = qualifiedTable(dataSource, 'opportunities');
  }

  /** Makes the workspace's default pipeline unless it exists; safe under concurrency (the partial unique index). */
  async ensureDefault(manager: EntityManager, workspaceId: string): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.pipelines} ("id", "workspace_id", "name", "is_default", "stages")
       SELECT $1, $2, $3, true, $4::jsonb
       WHERE NOT EXISTS (SELECT 1 FROM ${this.pipelines} WHERE "workspace_id" = $2 AND "is_default")
       ON CONFLICT DO NOTHING`,
      [uuidv7(), workspaceId, DEFAULT_PIPELINE_NAME, JSON.stringify(DEFAULT_PIPELINE_STAGES)],
    );
  }

  async list(manager: EntityManager, workspaceId: string): Promise<PipelineRow[]> {
    return (await manager.query(
      `SELECT ${COLUMNS} FROM ${this.pipelines} WHERE "workspace_id" = $1 ORDER BY "is_default" DESC, "created_at", "id"`,
      [workspaceId],
    )) as PipelineRow[];
  }

  /**
   * One pipeline (the default one when `id` is undefined), locked: `share` by opportunity writes that
   * rely on its stages, `update` by a change of the stages themselves.
   */
  async lock(
    manager: EntityManager,
    workspaceId: string,
    id: string | undefined,
    mode: 'share' | 'update',
  ): Promise<PipelineRow | undefined> {
    const [row] = (await manager.query(
      `SELECT ${COLUMNS} FROM ${this.pipelines}
       WHERE "workspace_id" = $1 AND ${id === undefined ? '"is_default"' : '"id" = $2'}
       FOR ${mode === 'share' ? 'SHARE' : 'UPDATE'}`,
      id === undefined ? [workspaceId] : [workspaceId, id],
    )) as PipelineRow[];
    return row;
  }

  async insert(manager: EntityManager, workspaceId: string, name: string, stages: PipelineStage[]): Promise<PipelineRow> {
    const [row] = (await manager.query(
      `INSERT INTO ${this.pipelines} ("id", "workspace_id", "name", "stages") VALUES ($1, $2, $3, $4::jsonb) RETURNING ${COLUMNS}`,
      [uuidv7(), workspaceId, name, JSON.stringify(stages)],
    )) as PipelineRow[];
    return row as PipelineRow;
  }

  async update(manager: EntityManager, workspaceId: string, id: string, name: string, stages: PipelineStage[]): Promise<PipelineRow> {
    const [rows] = (await manager.query(
      `UPDATE ${this.pipelines} SET "name" = $3, "stages" = $4::jsonb, "updated_at" = now()
       WHERE "workspace_id" = $1 AND "id" = $2 RETURNING ${COLUMNS}`,
      [workspaceId, id, name, JSON.stringify(stages)],
    )) as [PipelineRow[], number];
    return rows[0] as PipelineRow;
  }

  /** Which of these stages live opportunities of the pipeline are in. */
  async stagesInUse(manager: EntityManager, workspaceId: string, pipelineId: string, stages: string[]): Promise<string[]> {
    if (stages.length === 0) return [];
    const rows = (await manager.query(
      `SELECT DISTINCT "stage" FROM ${this.opportunities}
       WHERE "workspace_id" = $1 AND "pipeline_id" = $2 AND "deleted_at" IS NULL AND "stage" = ANY($3::text[])`,
      [workspaceId, pipelineId, stages],
    )) as Array<{ stage: string }>;
    return rows.map((row) => row.stage);
  }
}
