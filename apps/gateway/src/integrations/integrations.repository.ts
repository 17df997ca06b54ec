import type { AcmeFieldMapping, IntegrationKind, Page } from '@leadflow/contracts';
import { qualifiedTable, selectPage, SqlFilter } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export interface IntegrationRow {
  id: string;
  workspace_id: string;
  name: string;
  kind: IntegrationKind;
  tolerance_seconds: number;
  mapping: AcmeFieldMapping | null;
  paused: boolean;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface SecretRow {
  id: string;
  created_at: Date;
  expires_at: Date | null;
}

/** An integration with the secrets a webhook may be signed with now, newest first. */
export interface ReceivingIntegration extends IntegrationRow {
  secrets: string[];
}

/** The SQL of `integrations` and `integration_secrets`. */
@Injectable()
export class IntegrationsRepository {
  private readonly integrations: string;
  private readonly secrets: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.integrations = qualifiedTable(dataSource, 'integrations');
    this.secrets = qualifiedTable(dataSource, 'integration_secrets');
  }

  async insert(
    manager: EntityManager,
    row: Pick<IntegrationRow, 'id' | 'workspace_id' | 'name' | 'kind' | 'tolerance_seconds' | 'mapping' | 'paused' | 'created_by'>,
  ): Promise<IntegrationRow> {
    const [inserted] = (await manager.query(
      `INSERT INTO ${this.integrations} ("id", "workspace_id", "name", "kind", "tolerance_seconds", "mapping", "paused", "created_by")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        row.id,
        row.workspace_id,
        row.name,
        row.kind,
        row.tolerance_seconds,
        row.mapping === null ? null : JSON.stringify(row.mapping),
        row.paused,
        row.created_by,
      ],
    )) as IntegrationRow[];
    return inserted as IntegrationRow;
  }

  /** A live integration of the workspace, locked for update when a manager is given. */
  async find(workspaceId: string, id: string, manager?: EntityManager): Promise<IntegrationRow | undefined> {
    const [row] = (await (manager ?? this.dataSource).query(
      `SELECT * FROM ${this.integrations} WHERE "workspace_id" = $1 AND "id" = $2 AND "deleted_at" IS NULL${manager ? ' FOR UPDATE' : ''}`,
      [workspaceId, id],
    )) as IntegrationRow[];
    return row;
  }

  /** What verifying a webhook needs, in one read: the live integration and its secrets valid now. */
  async receiving(id: string): Promise<ReceivingIntegration | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT i.*, coalesce((SELECT array_agg(s."secret" ORDER BY s."created_at" DESC, s."id" DESC) FROM ${this.secrets} s
         WHERE s."integration_id" = i."id" AND (s."expires_at" IS NULL OR s."expires_at" > now())), '{}') AS "secrets"
       FROM ${this.integrations} i WHERE i."id" = $1 AND i."deleted_at" IS NULL`,
      [id],
    )) as ReceivingIntegration[];
    return row;
  }

  async list(workspaceId: string, limit: number, afterId: string | undefined): Promise<Page<IntegrationRow>> {
    const filter = new SqlFilter().where('"workspace_id" = ?', workspaceId).where('"deleted_at" IS NULL');
    return selectPage(
      this.dataSource,
      { select: '*', from: this.integrations, filter, idColumn: '"id"', afterId, limit },
      (row: IntegrationRow) => row,
    );
  }

  /** Sets the values given (undefined keeps one; a null mapping clears it). */
  async update(
    manager: EntityManager,
    id: string,
    change: { name?: string; toleranceSeconds?: number; mapping?: AcmeFieldMapping | null; paused?: boolean; deleted?: boolean },
  ): Promise<IntegrationRow> {
    const filter = new SqlFilter();
    const sets = ['"updated_at" = now()'];
    if (change.name !== undefined) sets.push(`"name" = ${filter.param(change.name)}`);
    if (change.toleranceSeconds !== undefined) sets.push(`"tolerance_seconds" = ${filter.param(change.toleranceSeconds)}`);
    if (change.mapping !== undefined)
      sets.push(`"mapping" = ${filter.param(change.mapping === null ? null : JSON.stringify(change.mapping))}::jsonb`);
    if (change.paused !== undefined) sets.push(`"paused" = ${filter.param(change.paused)}`);
    if (change.deleted) sets.push('"deleted_at" = now()');
    filter.where('"id" = ?', id);
    const [rows] = (await manager.query(
      `UPDATE ${this.integrations} SET ${sets.join(', ')} WHERE ${filter.sql} RETURNING *`,
      filter.params,
    )) as [IntegrationRow[], number];
    return rows[0] as IntegrationRow;
  }

  async addSecret(manager: EntityManager, row: { id: string; integrationId: string; secret: string }): Promise<void> {
    await manager.query(`INSERT INTO ${this.secrets} ("id", "integration_id", "secret") VALUES ($1, $2, $3)`, [
      row.id,
      row.integrationId,
      row.secret,
    ]);
  }

  /** Every secret of the integration still valid without an end gets one: `at` (the overlap of a rotation, or now). */
  async expireSecrets(manager: EntityManager, integrationId: string, at: Date): Promise<void> {
    await manager.query(
      `UPDATE ${this.secrets} SET "expires_at" = $2 WHERE "integration_id" = $1 AND ("expires_at" IS NULL OR "expires_at" > $2)`,
      [integrationId, at],
    );
  }

  /** The integration's secrets valid now (ids and times only), newest first. */
  async activeSecrets(integrationIds: readonly string[], manager?: EntityManager): Promise<Map<string, SecretRow[]>> {
    const rows = (await (manager ?? this.dataSource).query(
      `SELECT "id", "integration_id", "created_at", "expires_at" FROM ${this.secrets}
       WHERE "integration_id" = ANY($1::uuid[]) AND ("expires_at" IS NULL OR "expires_at" > now()) ORDER BY "created_at" DESC, "id" DESC`,
      [integrationIds],
    )) as Array<SecretRow & { integration_id: string }>;
    const byIntegration = new Map<string, SecretRow[]>();
    for (const { integration_id, ...secret } of rows)
      byIntegration.set(integration_id, [...(byIntegration.get(integration_id) ?? []), secret]);
    return byIntegration;
  }
}
