import type { IntakeRequestMeta } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

export interface RejectedRequest {
  meta: IntakeRequestMeta;
  reason: string;
  /** The body as kept (possibly cut), and the size it had. */
  body: Buffer;
  bodyBytes: number;
  requestId: string | null;
}

/** Request bodies that were not a lead, kept for audit. */
@Injectable()
export class RejectedRequestRepository {
  private readonly table: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.table = qualifiedTable(dataSource, 'rejected_requests');
  }

  async add(workspaceId: string, rejected: RejectedRequest): Promise<void> {
    const { meta } = rejected;
    await this.dataSource.query(
      `INSERT INTO ${this.table} ("id", "workspace_id", "source", "reason", "content_type", "headers", "remote_address", "body",
         "body_bytes", "truncated", "received_at", "request_id")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        uuidv7(),
        workspaceId,
        meta.source,
        rejected.reason,
        meta.contentType,
        meta.headers,
        meta.remoteAddress,
        rejected.body,
        rejected.bodyBytes,
        rejected.body.length < rejected.bodyBytes,
        meta.receivedAt,
        rejected.requestId,
      ],
    );
  }
}
