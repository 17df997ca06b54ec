import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

type Row = Record<string, unknown>;

/** All SQL of GDPR in scoring: what it holds of a contact (score numbers, history of ids and dimensions). */
@Injectable()
export class PrivacyRepository {
  private readonly scores: string;
  private readonly history: string;
  private readonly activities: string;
  private readonly automationContacts: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.automationContacts = qualifiedTable(dataSource, 'automation_contacts');
    this.activities = qualifiedTable(dataSource, 'activities');
    this.scores = qualifiedTable(dataSource, 'contact_scores');
    this.history = qualifiedTable(dataSource, 'score_history');
  }

  /** How many score rows and history rows these contacts have: kept as they are on erasure. */
  async countHeld(
    manager: EntityManager,
    workspaceId: string,
    contactIds: readonly string[],
  ): Promise<{ scores: number; history: number }> {
    const [row] = (await manager.query(
      `SELECT (SELECT count(*) FROM ${this.scores} WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[]))::int AS "scores",
              (SELECT count(*) FROM ${this.history} WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[]))::int AS "history"`,
      [workspaceId, contactIds],
    )) as Array<{ scores: number; history: number }>;
    return row ?? { scores: 0, history: 0 };
  }

  /**
   * Empties the properties and traits of these contacts' stored activities (what a tracker sent may
   * name the person), keeping only the fit facts the rules score; returns how many rows changed.
   */
  async scrubActivities(manager: EntityManager, workspaceId: string, contactIds: readonly string[]): Promise<number> {
    const rows = (await manager.query(
      `WITH s AS (
         UPDATE ${this.activities} SET "properties" = '{}'::jsonb,
           "traits" = jsonb_strip_nulls(jsonb_build_object('emailValid', "traits"->'emailValid', 'phoneValid', "traits"->'phoneValid'))
         WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[])
           AND ("properties" <> '{}'::jsonb OR "traits" - 'emailValid' - 'phoneValid' <> '{}'::jsonb)
         RETURNING 1)
       SELECT count(*)::int AS "n" FROM s`,
      [workspaceId, contactIds],
    )) as Array<{ n: number }>;
    return rows[0]?.n ?? 0;
  }

  /**
   * Empties the contact fields automations test (company, title, country, tags, owner) of these
   * contacts, keeping the row and its version so that an older `contact.updated` arriving later
   * cannot bring them back; returns how many rows it emptied.
   */
  async scrubAutomationContacts(manager: EntityManager, workspaceId: string, contactIds: readonly string[]): Promise<number> {
    const rows = (await manager.query(
      `WITH s AS (
         UPDATE ${this.automationContacts}
           SET "fields" = '{"tags":[],"ownerId":null,"lifecycle":null,"company":null,"title":null,"country":null}'::jsonb
         WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[])
         RETURNING 1)
       SELECT count(*)::int AS "n" FROM s`,
      [workspaceId, contactIds],
    )) as Array<{ n: number }>;
    return rows[0]?.n ?? 0;
  }

  async scoreRow(workspaceId: string, contactId: string): Promise<Row | null> {
    const [row] = (await this.dataSource.query(
      `SELECT to_jsonb(s) AS "row" FROM ${this.scores} s WHERE s."workspace_id" = $1 AND s."contact_id" = $2`,
      [workspaceId, contactId],
    )) as Array<{ row: Row }>;
    return row?.row ?? null;
  }

  async historyRows(workspaceId: string, contactId: string): Promise<Row[]> {
    const rows = (await this.dataSource.query(
      `SELECT to_jsonb(h) AS "row" FROM ${this.history} h WHERE h."workspace_id" = $1 AND h."contact_id" = $2 ORDER BY h."at", h."id"`,
      [workspaceId, contactId],
    )) as Array<{ row: Row }>;
    return rows.map((row) => row.row);
  }
}
