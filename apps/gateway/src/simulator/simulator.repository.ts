import type { Page } from '@leadflow/contracts';
import { qualifiedTable, selectPage, SqlFilter } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface SimulatedWebhookRow {
  id: string;
  workspace_id: string;
  integration_id: string | null;
  kind: string;
  target_url: string;
  event_type: string;
  webhook_id: string;
  request_headers: Record<string, string>;
  request_body: string;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number;
  created_by: string;
  created_at: Date;
}

/** The SQL of the simulator's history. */
@Injectable()
export class SimulatorRepository {
  private readonly table: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.table = qualifiedTable(dataSource, 'simulated_webhooks');
  }

  async insert(row: Omit<SimulatedWebhookRow, 'created_at'>): Promise<SimulatedWebhookRow> {
    const [inserted] = (await this.dataSource.query(
      `INSERT INTO ${this.table} ("id", "workspace_id", "integration_id", "kind", "target_url", "event_type", "webhook_id", "request_headers",
         "request_body", "response_status", "response_body", "error", "duration_ms", "created_by")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`,
      [
        row.id,
        row.workspace_id,
        row.integration_id,
        row.kind,
        row.target_url,
        row.event_type,
        row.webhook_id,
        row.request_headers,
        row.request_body,
        row.response_status,
        row.response_body,
        row.error,
        row.duration_ms,
        row.created_by,
      ],
    )) as SimulatedWebhookRow[];
    return inserted as SimulatedWebhookRow;
  }

  async find(workspaceId: string, id: string): Promise<SimulatedWebhookRow | undefined> {
    const [row] = (await this.dataSource.query(`SELECT * FROM ${this.table} WHERE "workspace_id" = $1 AND "id" = $2`, [
      workspaceId,
      id,
    ])) as SimulatedWebhookRow[];
    return row;
  }

  list(workspaceId: string, limit: number, afterId: string | undefined): Promise<Page<SimulatedWebhookRow>> {
    const filter = new SqlFilter().where('"workspace_id" = ?', workspaceId);
    return selectPage(
      this.dataSource,
      { select: '*', from: this.table, filter, idColumn: '"id"', afterId, limit },
      (row: SimulatedWebhookRow) => row,
    );
  }
}
