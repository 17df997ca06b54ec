import type { LeadConversionView } from '@leadflow/contracts';
import { lockKeys, qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export interface ConversionRow {
  lead_id: string;
  contact_id: string;
  request_fingerprint: string;
  result: LeadConversionView;
}

/** The contact a conversion works on, locked. */
export interface ConvertingContact {
  id: string;
  email: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  country: string | null;
  lifecycle: string;
  live: boolean;
}

export interface NewConversion {
  workspaceId: string;
  leadId: string;
  contactId: string;
  opportunityId: string | null;
  idempotencyKey: string | null;
  fingerprint: string;
  result: LeadConversionView;
  by: string;
}

/** The SQL of lead conversions, and the one contact write a conversion makes (its lifecycle). */
@Injectable()
export class LeadConversionRepository {
  private readonly conversions: string;
  private readonly contacts: string;
  private readonly leads: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.conversions = qualifiedTable(dataSource, 'lead_conversions');
    this.contacts = qualifiedTable(dataSource, 'contacts');
    this.leads = qualifiedTable(dataSource, 'contact_leads');
  }

  /** Transaction-scoped advisory locks on these keys, taken in one fixed order (no deadlock between two conversions). */
  async lockKeys(manager: EntityManager, keys: string[]): Promise<void> {
    await lockKeys(manager, keys);
  }

  async findByKey(manager: EntityManager, workspaceId: string, idempotencyKey: string): Promise<ConversionRow | undefined> {
    const [row] = (await manager.query(
      `SELECT "lead_id", "contact_id", "request_fingerprint", "result" FROM ${this.conversions}
       WHERE "workspace_id" = $1 AND "idempotency_key" = $2`,
      [workspaceId, idempotencyKey],
    )) as ConversionRow[];
    return row;
  }

  async findByLead(manager: EntityManager, workspaceId: string, leadId: string): Promise<ConversionRow | undefined> {
    const [row] = (await manager.query(
      `SELECT "lead_id", "contact_id", "request_fingerprint", "result" FROM ${this.conversions}
       WHERE "workspace_id" = $1 AND "lead_id" = $2`,
      [workspaceId, leadId],
    )) as ConversionRow[];
    return row;
  }

  /** The contact the pipeline attributed the lead to (merges move attributions to the survivor). */
  async attributedContact(manager: EntityManager, workspaceId: string, leadId: string): Promise<string | undefined> {
    const [row] = (await manager.query(`SELECT "contact_id" FROM ${this.leads} WHERE "workspace_id" = $1 AND "lead_id" = $2`, [
      workspaceId,
      leadId,
    ])) as Array<{ contact_id: string }>;
    return row?.contact_id;
  }

  async lockContact(manager: EntityManager, workspaceId: string, contactId: string): Promise<ConvertingContact | undefined> {
    const [row] = (await manager.query(
      `SELECT "id", "email", "phone", "first_name", "last_name", "country", "lifecycle",
              ("merged_into" IS NULL AND "deleted_at" IS NULL) AS "live"
       FROM ${this.contacts} WHERE "workspace_id" = $1 AND "id" = $2 FOR UPDATE`,
      [workspaceId, contactId],
    )) as ConvertingContact[];
    return row;
  }

  /** A lead's contact becomes a contact proper: lifecycle `lead` → `contact`, its version bumped. */
  async markConverted(manager: EntityManager, workspaceId: string, contactId: string, by: string): Promise<void> {
    await manager.query(
      `UPDATE ${this.contacts} SET "lifecycle" = 'contact', "version" = "version" + 1, "updated_at" = clock_timestamp(), "updated_by" = $3
       WHERE "workspace_id" = $1 AND "id" = $2 AND "lifecycle" = 'lead'`,
      [workspaceId, contactId, by],
    );
  }

  async insert(manager: EntityManager, conversion: NewConversion): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.conversions}
         ("workspace_id", "lead_id", "contact_id", "opportunity_id", "idempotency_key", "request_fingerprint", "result", "converted_at", "converted_by")
       VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8, $9)`,
      [
        conversion.workspaceId,
        conversion.leadId,
        conversion.contactId,
        conversion.opportunityId,
        conversion.idempotencyKey,
        conversion.fingerprint,
        JSON.stringify(conversion.result),
        conversion.result.convertedAt,
        conversion.by,
      ],
    );
  }
}
