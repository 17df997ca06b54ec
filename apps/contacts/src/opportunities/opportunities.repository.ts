import { type OpportunityStatus, type Page, type StageMoveView } from '@leadflow/contracts';
import { qualifiedTable, selectPage, SqlFilter } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { OpportunityRow, OpportunityValues } from './opportunity-row';

/** Written columns, in the order of the statements' parameters $3 … $15. */
const VALUE_COLUMNS = [
  'name',
  'contact_id',
  'lead_id',
  'origin_lead_id',
  'amount',
  'currency',
  'pipeline_id',
  'stage',
  'probability_override',
  'expected_close_date',
  'owner_id',
  'closed_at',
  'lost_reason',
] as const satisfies ReadonlyArray<keyof OpportunityValues>;

const CASTS: Record<(typeof VALUE_COLUMNS)[number], string> = {
  name: 'text',
  contact_id: 'uuid',
  lead_id: 'uuid',
  origin_lead_id: 'uuid',
  amount: 'bigint',
  currency: 'text',
  pipeline_id: 'uuid',
  stage: 'text',
  probability_override: 'smallint',
  expected_close_date: 'date',
  owner_id: 'uuid',
  closed_at: 'timestamptz',
  lost_reason: 'text',
};

function valueParams(values: OpportunityValues): unknown[] {
  return VALUE_COLUMNS.map((column) => values[column]);
}

export interface OpportunityListFilter {
  contactId?: string;
  pipelineId?: string;
  stage?: string;
  /** Stage keys of each pipeline with this status. */
  stagesWithStatus?: { status: OpportunityStatus; stages: Array<{ pipelineId: string; stage: string }> };
  afterId?: string;
  limit: number;
}

export interface StageMove {
  workspaceId: string;
  opportunityId: string;
  version: string;
  pipelineId: string;
  fromStage: string | null;
  toStage: string;
  reopened: boolean;
  by: string | null;
}

/**
 * The SQL of opportunities and their stage history. Conditional writes check the version in the
 * statement that writes (`WHERE "version" = $n`), so a stale write changes nothing.
 */
@Injectable()
export class OpportunitiesRepository {
  private readonly opportunities: string;
  private readonly history: string;
  private readonly contacts: string;
  private readonly leads: string;

  /** The columns every read and write returns, of the opportunity aliased `o`. */
  private readonly columns: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.opportunities = qualifiedTable(dataSource, 'opportunities');
    this.history = qualifiedTable(dataSource, 'opportunity_stage_history');
    this.contacts = qualifiedTable(dataSource, 'contacts');
    this.leads = qualifiedTable(dataSource, 'contact_leads');
    // A contact merged since stands for its survivor (a merge points every contact merged into the
    // merged one at the survivor, so one step reaches it); the next write stores the survivor.
    this.columns = `o."id", o."workspace_id", o."name",
      COALESCE((SELECT c."merged_into" FROM ${this.contacts} c WHERE c."id" = o."contact_id"), o."contact_id") AS "contact_id",
      o."lead_id", o."origin_lead_id", o."amount"::text AS "amount", o."currency", o."pipeline_id", o."stage", o."probability_override",
      to_char(o."expected_close_date", 'YYYY-MM-DD') AS "expected_close_date", o."owner_id", o."closed_at", o."lost_reason",
      o."version"::text AS "version", o."created_at", o."updated_at", o."deleted_at", o."created_by", o."updated_by"`;
  }

  async insert(manager: EntityManager, workspaceId: string, id: string, values: OpportunityValues, by: string): Promise<OpportunityRow> {
    const placeholders = VALUE_COLUMNS.map((column, i) => `$${i + 3}::${CASTS[column]}`).join(', ');
    const [row] = (await manager.query(
      `INSERT INTO ${this.opportunities} AS o ("id", "workspace_id", ${VALUE_COLUMNS.map((c) => `"${c}"`).join(', ')}, "created_by", "updated_by")
       VALUES ($1, $2, ${placeholders}, $16, $16) RETURNING ${this.columns}`,
      [id, workspaceId, ...valueParams(values), by],
    )) as OpportunityRow[];
    return row as OpportunityRow;
  }

  /** A live opportunity, locked for the rest of the transaction. */
  async lock(manager: EntityManager, workspaceId: string, id: string): Promise<OpportunityRow | undefined> {
    const [row] = (await manager.query(
      `SELECT ${this.columns} FROM ${this.opportunities} o WHERE o."workspace_id" = $1 AND o."id" = $2 AND o."deleted_at" IS NULL FOR UPDATE`,
      [workspaceId, id],
    )) as OpportunityRow[];
    return row;
  }

  async findLive(workspaceId: string, id: string): Promise<OpportunityRow | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT ${this.columns} FROM ${this.opportunities} o WHERE o."workspace_id" = $1 AND o."id" = $2 AND o."deleted_at" IS NULL`,
      [workspaceId, id],
    )) as OpportunityRow[];
    return row;
  }

  /** Writes the values and bumps the version, only if the version is still `expectedVersion`. */
  async updateIfVersion(
    manager: EntityManager,
    workspaceId: string,
    id: string,
    expectedVersion: string,
    values: OpportunityValues,
    by: string,
  ): Promise<OpportunityRow | undefined> {
    const assignments = VALUE_COLUMNS.map((column, i) => `"${column}" = $${i + 3}::${CASTS[column]}`).join(', ');
    const [rows] = (await manager.query(
      `UPDATE ${this.opportunities} o SET ${assignments}, "version" = o."version" + 1, "updated_at" = now(), "updated_by" = $16
       WHERE o."workspace_id" = $1 AND o."id" = $2 AND o."deleted_at" IS NULL AND o."version" = $17::bigint RETURNING ${this.columns}`,
      [workspaceId, id, ...valueParams(values), by, expectedVersion],
    )) as [OpportunityRow[], number];
    return rows[0];
  }

  /** Soft-deletes and bumps the version, only if the version is still `expectedVersion`. */
  async deleteIfVersion(
    manager: EntityManager,
    workspaceId: string,
    id: string,
    expectedVersion: string,
    by: string,
  ): Promise<OpportunityRow | undefined> {
    const [rows] = (await manager.query(
      `UPDATE ${this.opportunities} o SET "deleted_at" = now(), "version" = o."version" + 1, "updated_at" = now(), "updated_by" = $3
       WHERE o."workspace_id" = $1 AND o."id" = $2 AND o."deleted_at" IS NULL AND o."version" = $4::bigint RETURNING ${this.columns}`,
      [workspaceId, id, by, expectedVersion],
    )) as [OpportunityRow[], number];
    return rows[0];
  }

  async recordStageMove(manager: EntityManager, move: StageMove): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.history} ("workspace_id", "opportunity_id", "version", "pipeline_id", "from_stage", "to_stage", "reopened", "by")
       VALUES ($1, $2, $3::bigint, $4, $5, $6, $7, $8)`,
      [move.workspaceId, move.opportunityId, move.version, move.pipelineId, move.fromStage, move.toStage, move.reopened, move.by],
    );
  }

  /** A page of live opportunities, newest first. */
  async listLive<T>(workspaceId: string, filter: OpportunityListFilter, view: (row: OpportunityRow) => T): Promise<Page<T>> {
    const where = new SqlFilter()
      .where('o."workspace_id" = ?', workspaceId)
      .where('o."deleted_at" IS NULL')
      .where(`o."contact_id" IN (SELECT "id" FROM ${this.contacts} WHERE "id" = ? OR "merged_into" = ?)`, filter.contactId)
      .where('o."pipeline_id" = ?', filter.pipelineId)
      .where('o."stage" = ?', filter.stage);
    if (filter.stagesWithStatus) {
      const { stages } = filter.stagesWithStatus;
      const pipelines = where.param(stages.map((s) => s.pipelineId));
      const keys = where.param(stages.map((s) => s.stage));
      where.where(`(o."pipeline_id", o."stage") IN (SELECT * FROM unnest(${pipelines}::uuid[], ${keys}::text[]))`);
    }
    return selectPage(
      this.dataSource,
      {
        select: this.columns,
        from: `${this.opportunities} o`,
        filter: where,
        idColumn: 'o."id"',
        afterId: filter.afterId,
        limit: filter.limit,
      },
      view,
    );
  }

  /** The stage history of an opportunity, oldest first. */
  async stageHistory(workspaceId: string, opportunityId: string): Promise<StageMoveView[]> {
    const rows = (await this.dataSource.query(
      `SELECT "version"::int AS "version", "pipeline_id", "from_stage", "to_stage", "reopened", "at", "by"
       FROM ${this.history} WHERE "workspace_id" = $1 AND "opportunity_id" = $2 ORDER BY "id"`,
      [workspaceId, opportunityId],
    )) as Array<{
      version: number;
      pipeline_id: string;
      from_stage: string | null;
      to_stage: string;
      reopened: boolean;
      at: Date;
      by: string | null;
    }>;
    return rows.map((row) => ({
      version: row.version,
      pipelineId: row.pipeline_id,
      fromStage: row.from_stage,
      toStage: row.to_stage,
      reopened: row.reopened,
      at: row.at.toISOString(),
      by: row.by,
    }));
  }

  /**
   * Whether the contact is live (not merged, not deleted) in the workspace; share-locks it until the
   * transaction ends, so that it cannot be deleted or merged under the write.
   */
  async lockLiveContact(manager: EntityManager, workspaceId: string, contactId: string): Promise<boolean> {
    const rows = (await manager.query(
      `SELECT "id" FROM ${this.contacts}
       WHERE "workspace_id" = $1 AND "id" = $2 AND "merged_into" IS NULL AND "deleted_at" IS NULL FOR SHARE`,
      [workspaceId, contactId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Whether the lead is attributed to a contact of the workspace. */
  async leadIsKnown(manager: EntityManager, workspaceId: string, leadId: string): Promise<boolean> {
    const rows = (await manager.query(`SELECT 1 FROM ${this.leads} WHERE "workspace_id" = $1 AND "lead_id" = $2`, [
      workspaceId,
      leadId,
    ])) as unknown[];
    return rows.length > 0;
  }

  /** The contact's first lead (by time received): where an opportunity without a lead of its own came from. */
  async firstLeadOf(manager: EntityManager, workspaceId: string, contactId: string): Promise<string | null> {
    const [row] = (await manager.query(
      `SELECT "lead_id" FROM ${this.leads} WHERE "workspace_id" = $1 AND "contact_id" = $2 ORDER BY "received_at", "lead_id" LIMIT 1`,
      [workspaceId, contactId],
    )) as Array<{ lead_id: string }>;
    return row?.lead_id ?? null;
  }
}
