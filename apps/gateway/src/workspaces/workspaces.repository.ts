import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export interface WorkspaceRow {
  id: string;
  name: string;
  legacy_intake_open: boolean;
  created_at: Date;
}

/** The SQL of the `workspaces` table. */
@Injectable()
export class WorkspacesRepository {
  private readonly workspaces: string;
  private readonly admins: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.workspaces = qualifiedTable(dataSource, 'workspaces');
    this.admins = qualifiedTable(dataSource, 'workspace_admins');
  }

  /** Replicas starting together bootstrap one after the other: a lock held until the transaction ends. */
  async lockBootstrap(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('leadflow:gateway:bootstrap'))`);
  }

  async find(workspaceId: string): Promise<WorkspaceRow | undefined> {
    const [row] = (await this.dataSource.query(`SELECT * FROM ${this.workspaces} WHERE "id" = $1`, [workspaceId])) as WorkspaceRow[];
    return row;
  }

  /** Every workspace the account administers, in the order it joined them. */
  async administeredBy(accountId: string): Promise<WorkspaceRow[]> {
    return (await this.dataSource.query(
      `SELECT w.* FROM ${this.workspaces} w JOIN ${this.admins} a ON a."workspace_id" = w."id"
       WHERE a."account_id" = $1 ORDER BY a."created_at"`,
      [accountId],
    )) as WorkspaceRow[];
  }

  async insert(manager: EntityManager, workspaceId: string, name: string): Promise<WorkspaceRow> {
    const [row] = (await manager.query(`INSERT INTO ${this.workspaces} ("id", "name") VALUES ($1, $2) RETURNING *`, [
      workspaceId,
      name,
    ])) as WorkspaceRow[];
    return row as WorkspaceRow;
  }

  /** Creates the workspace unless it exists. */
  async ensure(manager: EntityManager, workspaceId: string, name: string): Promise<void> {
    await manager.query(`INSERT INTO ${this.workspaces} ("id", "name") VALUES ($1, $2) ON CONFLICT ("id") DO NOTHING`, [workspaceId, name]);
  }

  async lock(manager: EntityManager, workspaceId: string): Promise<WorkspaceRow | undefined> {
    const [row] = (await manager.query(`SELECT * FROM ${this.workspaces} WHERE "id" = $1 FOR UPDATE`, [workspaceId])) as WorkspaceRow[];
    return row;
  }

  /** Changes the values given; null keeps the current one. */
  async update(
    manager: EntityManager,
    workspaceId: string,
    change: { name: string | null; legacyIntakeOpen: boolean | null },
  ): Promise<WorkspaceRow> {
    const [rows] = (await manager.query(
      `UPDATE ${this.workspaces} SET "name" = coalesce($2, "name"), "legacy_intake_open" = coalesce($3, "legacy_intake_open")
       WHERE "id" = $1 RETURNING *`,
      [workspaceId, change.name, change.legacyIntakeOpen],
    )) as [WorkspaceRow[], number];
    return rows[0] as WorkspaceRow;
  }
}
