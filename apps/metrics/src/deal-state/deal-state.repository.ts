import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** An opportunity's state as its newest event says. */
export interface OpportunityState {
  workspaceId: string;
  opportunityId: string;
  version: number;
  contactId: string;
  originLeadId: string | null;
  pipelineId: string;
  stage: string;
  status: string;
  amount: string;
  currency: string;
  closedAt: string | null;
  deleted: boolean;
}

export interface LeadOrigin {
  workspaceId: string;
  leadId: string;
  contactId: string;
  source: string;
  offer: string;
}

export interface Conversion {
  workspaceId: string;
  leadId: string;
  contactId: string;
  opportunityId: string | null;
  source: string;
  offer: string;
  convertedAt: string;
}

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** The SQL of the deal state tables: one statement per batch, rows written in key order (no deadlocks). */
@Injectable()
export class DealStateRepository {
  private readonly opportunities: string;
  private readonly origins: string;
  private readonly conversions: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.opportunities = qualifiedTable(dataSource, 'deal_opportunities');
    this.origins = qualifiedTable(dataSource, 'deal_lead_origins');
    this.conversions = qualifiedTable(dataSource, 'deal_conversions');
  }

  /**
   * Keeps each opportunity's newest state: a state replaces the stored one only when its version is
   * higher, so a redelivered or late event changes nothing. `states` holds one state per opportunity.
   */
  async keepNewest(manager: EntityManager, states: readonly OpportunityState[]): Promise<void> {
    if (states.length === 0) return;
    const rows = [...states].sort(byKey((s) => `${s.workspaceId}\u0000${s.opportunityId}`));
    await manager.query(
      `INSERT INTO ${this.opportunities} AS d ("workspace_id", "opportunity_id", "version", "contact_id", "origin_lead_id", "pipeline_id",
         "stage", "status", "amount", "currency", "closed_at", "deleted")
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::uuid[], $7::text[], $8::text[],
         $9::bigint[], $10::text[], $11::timestamptz[], $12::boolean[])
       ON CONFLICT ("workspace_id", "opportunity_id") DO UPDATE SET
         "version" = EXCLUDED."version", "contact_id" = EXCLUDED."contact_id", "origin_lead_id" = EXCLUDED."origin_lead_id",
         "pipeline_id" = EXCLUDED."pipeline_id", "stage" = EXCLUDED."stage", "status" = EXCLUDED."status", "amount" = EXCLUDED."amount",
         "currency" = EXCLUDED."currency", "closed_at" = EXCLUDED."closed_at", "deleted" = EXCLUDED."deleted", "updated_at" = now()
       WHERE d."version" < EXCLUDED."version"`,
      [
        rows.map((s) => s.workspaceId),
        rows.map((s) => s.opportunityId),
        rows.map((s) => s.version),
        rows.map((s) => s.contactId),
        rows.map((s) => s.originLeadId),
        rows.map((s) => s.pipelineId),
        rows.map((s) => s.stage),
        rows.map((s) => s.status),
        rows.map((s) => s.amount),
        rows.map((s) => s.currency),
        rows.map((s) => s.closedAt),
        rows.map((s) => s.deleted),
      ],
    );
  }

  /** Records where leads came from (a lead is attributed once; a second record of it changes nothing). */
  async recordOrigins(manager: EntityManager, origins: readonly LeadOrigin[]): Promise<void> {
    if (origins.length === 0) return;
    const rows = [...origins].sort(byKey((o) => `${o.workspaceId}\u0000${o.leadId}`));
    await manager.query(
      `INSERT INTO ${this.origins} ("workspace_id", "lead_id", "contact_id", "source", "offer")
       SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[])
       ON CONFLICT DO NOTHING`,
      [
        rows.map((o) => o.workspaceId),
        rows.map((o) => o.leadId),
        rows.map((o) => o.contactId),
        rows.map((o) => o.source),
        rows.map((o) => o.offer),
      ],
    );
  }

  /** Records conversions (a lead converts once). */
  async recordConversions(manager: EntityManager, conversions: readonly Conversion[]): Promise<void> {
    if (conversions.length === 0) return;
    const rows = [...conversions].sort(byKey((c) => `${c.workspaceId}\u0000${c.leadId}`));
    await manager.query(
      `INSERT INTO ${this.conversions} ("workspace_id", "lead_id", "contact_id", "opportunity_id", "source", "offer", "converted_at")
       SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[])
       ON CONFLICT DO NOTHING`,
      [
        rows.map((c) => c.workspaceId),
        rows.map((c) => c.leadId),
        rows.map((c) => c.contactId),
        rows.map((c) => c.opportunityId),
        rows.map((c) => c.source),
        rows.map((c) => c.offer),
        rows.map((c) => c.convertedAt),
      ],
    );
  }
}
