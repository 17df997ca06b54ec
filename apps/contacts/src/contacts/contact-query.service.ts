import {
  AppException,
  type ByIdRequest,
  type ContactSummary,
  type ContactView,
  pageOf,
  ErrorCodes,
  type LeadContactReply,
  type Page,
} from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ContactListDto } from './dto/contact-query.dto';
import type { ContactRow } from './contact-row';

function toSummary(row: ContactRow): ContactSummary {
  return {
    id: row.id,
    email: row.email,
    phone: row.phone,
    firstName: row.first_name,
    lastName: row.last_name,
    country: row.country,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Reads contacts for admins, always inside one workspace; merged ids lead to their survivor. */
@Injectable()
export class ContactQueryService {
  private readonly contacts: string;
  private readonly identities: string;
  private readonly leads: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.contacts = qualifiedTable(dataSource, 'contacts');
    this.identities = qualifiedTable(dataSource, 'contact_identities');
    this.leads = qualifiedTable(dataSource, 'contact_leads');
  }

  async list(query: ContactListDto): Promise<Page<ContactSummary>> {
    const conditions = ['c."workspace_id" = $1', 'c."merged_into" IS NULL'];
    const params: unknown[] = [query.workspaceId];
    const add = (sql: (placeholder: string) => string, value: unknown) => {
      params.push(value);
      conditions.push(sql(`$${params.length}`));
    };
    if (query.cursor) add((p) => `c."id" < ${p}`, query.cursor);
    for (const kind of ['email', 'phone'] as const) {
      const value = query[kind];
      if (value === undefined) continue;
      add(
        (p) =>
          `(c."${kind}" = ${p} OR c."id" IN (SELECT "contact_id" FROM ${this.identities} WHERE "workspace_id" = $1 AND "kind" = '${kind}' AND "value" = ${p}))`,
        value,
      );
    }
    params.push(query.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT c.* FROM ${this.contacts} c WHERE ${conditions.join(' AND ')} ORDER BY c."id" DESC LIMIT $${params.length}`,
      params,
    )) as ContactRow[];
    return pageOf(rows, query.limit, toSummary);
  }

  async get(query: ByIdRequest): Promise<ContactView> {
    const [row] = (await this.dataSource.query(
      `SELECT s.* FROM ${this.contacts} c JOIN ${this.contacts} s ON s."id" = COALESCE(c."merged_into", c."id")
       WHERE c."workspace_id" = $1 AND c."id" = $2`,
      [query.workspaceId, query.id],
    )) as ContactRow[];
    if (!row) throw new AppException(ErrorCodes.notFound, `No contact ${query.id}`, 404);
    const [identities, leads, merged] = await Promise.all([
      this.dataSource.query(`SELECT "kind", "value" FROM ${this.identities} WHERE "contact_id" = $1 ORDER BY "created_at", "value"`, [
        row.id,
      ]) as Promise<Array<{ kind: string; value: string }>>,
      this.dataSource.query(`SELECT "lead_id" FROM ${this.leads} WHERE "contact_id" = $1 ORDER BY "lead_id"`, [row.id]) as Promise<
        Array<{ lead_id: string }>
      >,
      this.dataSource.query(`SELECT "id" FROM ${this.contacts} WHERE "merged_into" = $1 ORDER BY "id"`, [row.id]) as Promise<
        Array<{ id: string }>
      >,
    ]);
    return {
      ...toSummary(row),
      workspaceId: row.workspace_id,
      emails: identities.filter((i) => i.kind === 'email').map((i) => i.value),
      phones: identities.filter((i) => i.kind === 'phone').map((i) => i.value),
      leadIds: leads.map((l) => l.lead_id),
      mergedIds: merged.map((m) => m.id),
    };
  }

  async contactOfLead(query: ByIdRequest): Promise<LeadContactReply> {
    const [row] = (await this.dataSource.query(`SELECT "contact_id" FROM ${this.leads} WHERE "workspace_id" = $1 AND "lead_id" = $2`, [
      query.workspaceId,
      query.id,
    ])) as Array<{ contact_id: string }>;
    if (!row) throw new AppException(ErrorCodes.notFound, `Lead ${query.id} is not attributed to a contact (yet)`, 404);
    return { contactId: row.contact_id };
  }
}
