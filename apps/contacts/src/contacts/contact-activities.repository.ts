import type { ActivityKind } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

/** An activity as the timeline keeps it, attributed to a contact. */
export interface ActivityRow {
  activityId: string;
  workspaceId: string;
  contactId: string;
  messageId: string;
  kind: ActivityKind;
  name: string;
  occurredAt: string;
  receivedAt: string;
  source: string;
  properties: Record<string, unknown>;
}

/** A merge an activity asked for that was not carried out, and why. */
export interface MergeRefusal {
  workspaceId: string;
  /** The contact the activity was attributed to. */
  contactId: string;
  /** The contact it would have been merged with. */
  otherContactId: string;
  reason: string;
  activityId: string;
}

/** One entry of a contact's timeline as contacts holds it (leads, activities, merges), newest first. */
export interface TimelineRow {
  kind: 'lead' | 'activity' | 'merge';
  at: Date;
  key: string;
  ref: string;
  name: string | null;
  activity_kind: string | null;
  source: string | null;
  properties: Record<string, unknown> | null;
}

/** All SQL of activities in contacts: attributed activities, refused merges and the timeline read. */
@Injectable()
export class ContactActivitiesRepository {
  private readonly activities: string;
  private readonly refusals: string;
  private readonly leads: string;
  private readonly merges: string;
  private readonly contacts: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.activities = qualifiedTable(dataSource, 'contact_activities');
    this.refusals = qualifiedTable(dataSource, 'refused_merges');
    this.leads = qualifiedTable(dataSource, 'contact_leads');
    this.merges = qualifiedTable(dataSource, 'contact_merges');
    this.contacts = qualifiedTable(dataSource, 'contacts');
  }

  /** Which of these activities are attributed already. */
  async attributedIds(manager: EntityManager, activityIds: string[]): Promise<Set<string>> {
    // A primary-key probe per id. `OFFSET 0` keeps the subquery from being flattened into a join:
    // flattened, a batch of 1,000 ids made the planner hash the whole table (a sequential scan per
    // batch, 25–35 ms at 30,000 rows and growing with it), as `= ANY(…)` may too.
    const rows = (await manager.query(
      `SELECT a."activity_id" FROM unnest($1::uuid[]) AS i("id")
       CROSS JOIN LATERAL (SELECT "activity_id" FROM ${this.activities} WHERE "activity_id" = i."id" OFFSET 0) AS a`,
      [activityIds],
    )) as Array<{ activity_id: string }>;
    return new Set(rows.map((row) => row.activity_id));
  }

  async insert(manager: EntityManager, rows: ActivityRow[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO ${this.activities} ("activity_id", "workspace_id", "contact_id", "message_id", "kind", "name", "occurred_at",
         "received_at", "source", "properties")
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
         $8::timestamptz[], $9::text[], $10::jsonb[])`,
      [
        rows.map((r) => r.activityId),
        rows.map((r) => r.workspaceId),
        rows.map((r) => r.contactId),
        rows.map((r) => r.messageId),
        rows.map((r) => r.kind),
        rows.map((r) => r.name),
        rows.map((r) => r.occurredAt),
        rows.map((r) => r.receivedAt),
        rows.map((r) => r.source),
        rows.map((r) => JSON.stringify(r.properties)),
      ],
    );
  }

  async insertRefusals(manager: EntityManager, refusals: MergeRefusal[]): Promise<void> {
    if (refusals.length === 0) return;
    await manager.query(
      `INSERT INTO ${this.refusals} ("id", "workspace_id", "contact_id", "other_contact_id", "reason", "activity_id")
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::uuid[])
       ON CONFLICT ("activity_id", "other_contact_id") DO NOTHING`,
      [
        refusals.map(() => uuidv7()),
        refusals.map((r) => r.workspaceId),
        refusals.map((r) => r.contactId),
        refusals.map((r) => r.otherContactId),
        refusals.map((r) => r.reason),
        refusals.map((r) => r.activityId),
      ],
    );
  }

  /**
   * A page of a live contact's timeline from contacts' side, newest first: its leads (at receipt),
   * its activities (at occurrence) and the merges into it or into a contact merged into it since.
   * Leads and activities of merged contacts moved to it with the merge. `before` is the (at, key) of
   * the last entry of the previous page.
   */
  async timeline(
    workspaceId: string,
    contactId: string,
    before: { at: string; key: string } | undefined,
    limit: number,
  ): Promise<TimelineRow[]> {
    return (await this.dataSource.query(
      `SELECT * FROM (
         SELECT 'lead' AS "kind", l."received_at" AS "at", 'lead:' || l."lead_id" AS "key", l."lead_id"::text AS "ref",
           NULL::text AS "name", NULL::text AS "activity_kind", NULL::text AS "source", NULL::jsonb AS "properties"
         FROM ${this.leads} l WHERE l."workspace_id" = $1 AND l."contact_id" = $2
         UNION ALL
         SELECT 'activity', a."occurred_at", 'activity:' || a."activity_id", a."activity_id"::text, a."name", a."kind", a."source", a."properties"
         FROM ${this.activities} a WHERE a."workspace_id" = $1 AND a."contact_id" = $2
         UNION ALL
         SELECT 'merge', m."merged_at", 'merge:' || m."id", m."merged_id"::text, m."reason", NULL, m."actor", NULL
         FROM ${this.merges} m WHERE m."workspace_id" = $1 AND (m."survivor_id" = $2
           OR m."survivor_id" IN (SELECT c."id" FROM ${this.contacts} c WHERE c."workspace_id" = $1 AND c."merged_into" = $2))
       ) AS t
       WHERE $3::timestamptz IS NULL OR (t."at", t."key" COLLATE "C") < ($3::timestamptz, $4::text COLLATE "C")
       ORDER BY t."at" DESC, t."key" COLLATE "C" DESC LIMIT $5`,
      [workspaceId, contactId, before?.at ?? null, before?.key ?? null, limit],
    )) as TimelineRow[];
  }
}
