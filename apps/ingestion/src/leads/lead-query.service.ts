import {
  AppException,
  ErrorCodes,
  type LeadSummary,
  MAX_LEAD_VIEW_BODY_BYTES,
  type LeadView,
  type NormalizedLead,
  type Page,
} from '@leadflow/contracts';
import { type ByIdRequest, pageOf } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { LeadListDto } from './dto/lead-query.dto';

interface LeadRow {
  id: string;
  workspace_id: string;
  source: string;
  received_at: Date;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  email_valid: boolean;
  phone: string | null;
  phone_valid: boolean;
  country: string | null;
  language: string | null;
  ip: string | null;
  offer: string | null;
  click_id: string | null;
  creo: string | null;
  description: string | null;
  domain: string | null;
  marker: string | null;
  sourcetype: string | null;
  extra: Record<string, unknown> | null;
  issues: NormalizedLead['issues'];
}

interface RawRow {
  idempotency_key: string | null;
  content_type: string;
  headers: Record<string, string>;
  body: Buffer;
  body_bytes: number;
}

function toSummary(
  row: Pick<LeadRow, 'id' | 'source' | 'received_at' | 'email' | 'phone' | 'country' | 'offer' | 'first_name' | 'last_name'>,
): LeadSummary {
  return {
    id: row.id,
    source: row.source,
    receivedAt: row.received_at.toISOString(),
    email: row.email,
    phone: row.phone,
    country: row.country,
    offer: row.offer,
    firstName: row.first_name,
    lastName: row.last_name,
  };
}

function toNormalized(row: LeadRow & { extra: Record<string, unknown> }): NormalizedLead {
  return {
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    emailValid: row.email_valid,
    phone: row.phone,
    phoneValid: row.phone_valid,
    country: row.country,
    language: row.language,
    ip: row.ip,
    offer: row.offer,
    clickId: row.click_id,
    creo: row.creo,
    description: row.description,
    domain: row.domain,
    marker: row.marker,
    sourcetype: row.sourcetype,
    extra: row.extra,
    issues: row.issues,
  };
}

/** Reads leads for admins, always inside one workspace. */
@Injectable()
export class LeadQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(query: LeadListDto): Promise<Page<LeadSummary>> {
    const conditions = ['"workspace_id" = $1'];
    const params: unknown[] = [query.workspaceId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (query.cursor) add('"id" < ?', query.cursor);
    if (query.source !== undefined) add('"source" = ?', query.source);
    if (query.offer !== undefined) add('"offer" = ?', query.offer);
    if (query.email !== undefined) add('"email" = ?', query.email.trim().toLowerCase());
    if (query.from !== undefined) add('"received_at" >= ?', query.from);
    if (query.to !== undefined) add('"received_at" < ?', query.to);
    params.push(query.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT "id", "source", "received_at", "email", "phone", "country", "offer", "first_name", "last_name"
       FROM ${qualifiedTable(this.dataSource, 'leads')} WHERE ${conditions.join(' AND ')} ORDER BY "id" DESC LIMIT $${params.length}`,
      params,
    )) as LeadRow[];
    return pageOf(rows, query.limit, toSummary);
  }

  async get(query: ByIdRequest): Promise<LeadView> {
    const [row] = (await this.dataSource.query(
      `SELECT l."id", l."workspace_id", l."source", l."received_at", l."first_name", l."last_name", l."email", l."email_valid",
         l."phone", l."phone_valid", l."country", l."language", l."ip", l."offer", l."click_id", l."creo", l."description",
         l."domain", l."marker", l."sourcetype", l."issues", r."idempotency_key", r."content_type", r."headers",
         substring(r."body" FROM 1 FOR $3) AS "body", length(r."body") AS "body_bytes",
         CASE WHEN octet_length(l."extra"::text) <= $3 THEN l."extra" END AS "extra"
       FROM ${qualifiedTable(this.dataSource, 'leads')} l JOIN ${qualifiedTable(this.dataSource, 'raw_leads')} r ON r."id" = l."id"
       WHERE l."workspace_id" = $1 AND l."id" = $2`,
      [query.workspaceId, query.id, MAX_LEAD_VIEW_BODY_BYTES],
    )) as Array<LeadRow & RawRow>;
    if (!row) throw new AppException(ErrorCodes.notFound, `No lead ${query.id}`, 404);
    const extraTruncated = row.extra === null;
    return {
      ...toSummary(row),
      workspaceId: row.workspace_id,
      idempotencyKey: row.idempotency_key,
      normalized: toNormalized({ ...row, extra: row.extra ?? {} }),
      raw: {
        contentType: row.content_type,
        body: row.body.toString('utf8'),
        bodyBytes: row.body_bytes,
        truncated: row.body_bytes > row.body.length,
        headers: row.headers,
      },
      extraTruncated,
      issues: row.issues,
    };
  }
}
