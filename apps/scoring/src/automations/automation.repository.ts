import type { AutomationRunOutcome, Stage } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AutomationDefinition } from './automation-body';
import type { ContactFacts, ContactFields } from './automation-match';

export interface StoredAutomation extends AutomationDefinition {
  id: string;
  version: number;
  workspaceId: string;
  createdAt: Date;
  updatedAt: Date;
}

interface AutomationRow {
  id: string;
  workspace_id: string;
  name: string;
  trigger: StoredAutomation['trigger'];
  conditions: StoredAutomation['conditions'];
  actions: StoredAutomation['actions'];
  enabled: boolean;
  cooldown_seconds: number | null;
  version: string;
  created_at: Date;
  updated_at: Date;
}

export interface RunRow {
  id: string;
  automation_id: string;
  occurrence_id: string;
  contact_id: string | null;
  trigger: string;
  outcome: AutomationRunOutcome;
  actions: Array<Record<string, unknown>>;
  error: string | null;
  created_at: Date;
}

export interface NewRun {
  id: string;
  workspaceId: string;
  automationId: string;
  occurrenceId: string;
  contactId: string | null;
  trigger: string;
}

export interface BackfillRow {
  automation_id: string;
  workspace_id: string;
  status: 'running' | 'done';
  total: number;
  processed: number;
  matched: number;
  after_contact_id: string | null;
  started_at: Date;
  updated_at: Date;
}

const COLUMNS = `"id", "workspace_id", "name", "trigger", "conditions", "actions", "enabled", "cooldown_seconds", "version", "created_at", "updated_at"`;

function toAutomation(row: AutomationRow): StoredAutomation {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    trigger: row.trigger,
    conditions: row.conditions,
    actions: row.actions,
    enabled: row.enabled,
    cooldownSeconds: row.cooldown_seconds,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Automations, their runs, cooldowns, round-robin cursors and backfills, and the contact fields their conditions test. */
@Injectable()
export class AutomationRepository {
  private readonly automations: string;
  private readonly runs: string;
  private readonly cooldowns: string;
  private readonly contacts: string;
  private readonly backfills: string;
  private readonly scores: string;
  private readonly deletions: string;
  private readonly activities: string;
  private readonly stageHistory: string;
  private readonly opportunities: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.automations = qualifiedTable(dataSource, 'automations');
    this.runs = qualifiedTable(dataSource, 'automation_runs');
    this.cooldowns = qualifiedTable(dataSource, 'automation_cooldowns');
    this.contacts = qualifiedTable(dataSource, 'automation_contacts');
    this.backfills = qualifiedTable(dataSource, 'automation_backfills');
    this.scores = qualifiedTable(dataSource, 'contact_scores');
    this.deletions = qualifiedTable(dataSource, 'contact_deletions');
    this.activities = qualifiedTable(dataSource, 'activities');
    this.stageHistory = qualifiedTable(dataSource, 'stage_history');
    this.opportunities = qualifiedTable(dataSource, 'automation_contact_opportunities');
  }

  async insert(manager: EntityManager, workspaceId: string, id: string, automation: AutomationDefinition): Promise<StoredAutomation> {
    const rows = (await manager.query(
      `INSERT INTO ${this.automations} ("id", "workspace_id", "name", "trigger", "trigger_type", "conditions", "actions", "enabled", "cooldown_seconds")
       VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7::jsonb, $8, $9) RETURNING ${COLUMNS}`,
      [
        id,
        workspaceId,
        automation.name,
        JSON.stringify(automation.trigger),
        automation.trigger.type,
        JSON.stringify(automation.conditions),
        JSON.stringify(automation.actions),
        automation.enabled,
        automation.cooldownSeconds,
      ],
    )) as AutomationRow[];
    return toAutomation(rows[0] as AutomationRow);
  }

  async update(manager: EntityManager, workspaceId: string, id: string, automation: AutomationDefinition): Promise<StoredAutomation> {
    const rows = (await manager.query(
      `UPDATE ${this.automations} SET "name" = $3, "trigger" = $4::jsonb, "trigger_type" = $5, "conditions" = $6::jsonb, "actions" = $7::jsonb,
         "enabled" = $8, "cooldown_seconds" = $9, "version" = "version" + 1, "updated_at" = now()
       WHERE "workspace_id" = $1 AND "id" = $2 RETURNING ${COLUMNS}`,
      [
        workspaceId,
        id,
        automation.name,
        JSON.stringify(automation.trigger),
        automation.trigger.type,
        JSON.stringify(automation.conditions),
        JSON.stringify(automation.actions),
        automation.enabled,
        automation.cooldownSeconds,
      ],
    )) as [AutomationRow[], number];
    return toAutomation((rows[0] as AutomationRow[])[0] as AutomationRow);
  }

  async find(manager: EntityManager, workspaceId: string, id: string, lock = false): Promise<StoredAutomation | undefined> {
    const rows = (await manager.query(
      `SELECT ${COLUMNS} FROM ${this.automations} WHERE "workspace_id" = $1 AND "id" = $2${lock ? ' FOR UPDATE' : ''}`,
      [workspaceId, id],
    )) as AutomationRow[];
    return rows[0] ? toAutomation(rows[0]) : undefined;
  }

  /** A page of the workspace's automations, newest first (ids are UUIDv7). */
  async list(manager: EntityManager, workspaceId: string, before: string | null, limit: number): Promise<StoredAutomation[]> {
    const rows = (await manager.query(
      `SELECT ${COLUMNS} FROM ${this.automations} WHERE "workspace_id" = $1 AND ($2::uuid IS NULL OR "id" < $2::uuid) ORDER BY "id" DESC LIMIT $3`,
      [workspaceId, before, limit],
    )) as AutomationRow[];
    return rows.map(toAutomation);
  }

  async delete(manager: EntityManager, workspaceId: string, id: string): Promise<boolean> {
    const rows = (await manager.query(
      `WITH d AS (DELETE FROM ${this.automations} WHERE "workspace_id" = $1 AND "id" = $2 RETURNING "id") SELECT "id" FROM d`,
      [workspaceId, id],
    )) as unknown[];
    await manager.query(`DELETE FROM ${this.cooldowns} WHERE "automation_id" = $1`, [id]);
    return rows.length === 1;
  }

  /** The enabled automations of these workspaces with one of these trigger types, in id order. */
  async enabledFor(manager: EntityManager, workspaceIds: readonly string[], triggerTypes: readonly string[]): Promise<StoredAutomation[]> {
    if (workspaceIds.length === 0 || triggerTypes.length === 0) return [];
    const rows = (await manager.query(
      `SELECT ${COLUMNS} FROM ${this.automations}
       WHERE "workspace_id" = ANY($1::text[]) AND "trigger_type" = ANY($2::text[]) AND "enabled" ORDER BY "id"`,
      [[...new Set(workspaceIds)], [...new Set(triggerTypes)]],
    )) as AutomationRow[];
    return rows.map(toAutomation);
  }

  /** Whether any workspace has an enabled automation with this trigger type, read outside any transaction. */
  async anyWithTrigger(triggerType: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM ${this.automations} WHERE "trigger_type" = $1 AND "enabled" LIMIT 1`, [
      triggerType,
    ])) as unknown[];
    return rows.length > 0;
  }

  /** Which of these workspaces have an enabled automation with this trigger type, read outside any transaction. */
  async workspacesWithTrigger(workspaceIds: readonly string[], triggerType: string): Promise<Set<string>> {
    const automations = await this.enabledFor(this.dataSource.manager, workspaceIds, [triggerType]);
    return new Set(automations.map((automation) => automation.workspaceId));
  }

  /**
   * Claims an occurrence for an automation: true when this transaction recorded its run, false when
   * a run of that automation and occurrence exists (a concurrent claim waits for the first to end).
   */
  async claimRun(manager: EntityManager, run: NewRun): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO ${this.runs} ("id", "workspace_id", "automation_id", "occurrence_id", "contact_id", "trigger", "outcome")
       VALUES ($1, $2, $3, $4, $5, $6, 'completed') ON CONFLICT ("automation_id", "occurrence_id") DO NOTHING RETURNING "id"`,
      [run.id, run.workspaceId, run.automationId, run.occurrenceId, run.contactId, run.trigger],
    )) as unknown[];
    return rows.length === 1;
  }

  async finishRun(
    manager: EntityManager,
    runId: string,
    outcome: AutomationRunOutcome,
    actions: ReadonlyArray<Record<string, unknown>>,
    error: string | null,
  ): Promise<void> {
    await manager.query(`UPDATE ${this.runs} SET "outcome" = $2, "actions" = $3::jsonb, "error" = $4 WHERE "id" = $1`, [
      runId,
      outcome,
      JSON.stringify(actions),
      error,
    ]);
  }

  /**
   * Starts the cooldown of an automation for a contact at `at`, unless it last ran for them less
   * than `seconds` before: false then. The row lock serializes runs for one contact.
   */
  async takeCooldown(manager: EntityManager, automationId: string, contactId: string, at: string, seconds: number): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO ${this.cooldowns} AS c ("automation_id", "contact_id", "last_run_at") VALUES ($1, $2, $3::timestamptz)
       ON CONFLICT ("automation_id", "contact_id") DO UPDATE SET "last_run_at" = EXCLUDED."last_run_at"
         WHERE EXCLUDED."last_run_at" >= c."last_run_at" + make_interval(secs => $4)
       RETURNING "last_run_at"`,
      [automationId, contactId, at, seconds],
    )) as unknown[];
    return rows.length === 1;
  }

  /** The round-robin position for the next assignment of an automation (0, 1, 2…), moved on by one. */
  async nextOwnerPosition(manager: EntityManager, automationId: string): Promise<number> {
    const rows = (await manager.query(
      `UPDATE ${this.automations} SET "owner_cursor" = "owner_cursor" + 1 WHERE "id" = $1 RETURNING "owner_cursor" - 1 AS "position"`,
      [automationId],
    )) as [Array<{ position: string }>, number];
    return Number(rows[0][0]?.position ?? 0);
  }

  /** A page of an automation's runs, newest first. */
  async runsOf(manager: EntityManager, workspaceId: string, automationId: string, before: string | null, limit: number): Promise<RunRow[]> {
    return (await manager.query(
      `SELECT "id", "automation_id", "occurrence_id", "contact_id", "trigger", "outcome", "actions", "error", "created_at" FROM ${this.runs}
       WHERE "workspace_id" = $1 AND "automation_id" = $2 AND ($3::uuid IS NULL OR "id" < $3::uuid) ORDER BY "id" DESC LIMIT $4`,
      [workspaceId, automationId, before, limit],
    )) as RunRow[];
  }

  /**
   * The fields of contacts new to scoring, each kept only if scoring holds none of the contact yet
   * (any it holds came from the contact's own events, as new or newer), with one statement in key order.
   */
  async keepFirstContactFields(
    manager: EntityManager,
    rows: ReadonlyArray<{ workspaceId: string; contactId: string; version: number; fields: ContactFields }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    const kept = inKeyOrder(rows);
    await manager.query(
      `INSERT INTO ${this.contacts} ("workspace_id", "contact_id", "version", "fields")
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::jsonb[])
       ON CONFLICT ("workspace_id", "contact_id") DO NOTHING`,
      [kept.map((r) => r.workspaceId), kept.map((r) => r.contactId), kept.map((r) => r.version), kept.map((r) => JSON.stringify(r.fields))],
    );
  }

  /** The contact fields contacts announced (a version not newer than the stored one changes nothing). */
  async saveContactFields(
    manager: EntityManager,
    rows: ReadonlyArray<{ workspaceId: string; contactId: string; version: number; fields: ContactFields }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    // The highest version of each contact in the batch, so one statement never touches a row twice.
    const latest = new Map<string, (typeof rows)[number]>();
    for (const row of rows) {
      const key = `${row.workspaceId}\u0000${row.contactId}`;
      const seen = latest.get(key);
      if (!seen || seen.version <= row.version) latest.set(key, row);
    }
    const kept = inKeyOrder([...latest.values()]);
    await manager.query(
      `INSERT INTO ${this.contacts} AS c ("workspace_id", "contact_id", "version", "fields")
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::jsonb[])
       ON CONFLICT ("workspace_id", "contact_id") DO UPDATE SET "version" = EXCLUDED."version", "fields" = EXCLUDED."fields"
         WHERE EXCLUDED."version" >= c."version"`,
      [kept.map((r) => r.workspaceId), kept.map((r) => r.contactId), kept.map((r) => r.version), kept.map((r) => JSON.stringify(r.fields))],
    );
  }

  /** Score, stage and fields of these contacts, as scoring knows them now. */
  async contactFacts(manager: EntityManager, workspaceId: string, contactIds: readonly string[]): Promise<Map<string, ContactFacts>> {
    const ids = [...new Set(contactIds)];
    const facts = new Map<string, ContactFacts>(ids.map((id) => [id, { score: null, stage: null, fields: null }]));
    if (ids.length === 0) return facts;
    const rows = (await manager.query(
      `SELECT u."id" AS "contact_id", s."score", s."stage", c."fields"
       FROM unnest($2::uuid[]) AS u("id")
       LEFT JOIN ${this.scores} s ON s."workspace_id" = $1 AND s."contact_id" = u."id" AND s."state" = 'active'
       LEFT JOIN ${this.contacts} c ON c."workspace_id" = $1 AND c."contact_id" = u."id"`,
      [workspaceId, ids],
    )) as Array<{ contact_id: string; score: number | null; stage: Stage | null; fields: ContactFields | null }>;
    for (const row of rows) facts.set(row.contact_id, { score: row.score, stage: row.stage, fields: row.fields });
    return facts;
  }

  /** Records when contacts won or lost an opportunity (the latest time of each is kept). */
  async recordOpportunityOutcomes(
    manager: EntityManager,
    rows: ReadonlyArray<{ workspaceId: string; contactId: string; outcome: 'won' | 'lost'; at: string }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO ${this.opportunities} AS o ("workspace_id", "contact_id", "won_at", "lost_at")
       SELECT "workspace_id", "contact_id", max("at") FILTER (WHERE "outcome" = 'won'), max("at") FILTER (WHERE "outcome" = 'lost')
       FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[]) AS r("workspace_id", "contact_id", "outcome", "at")
       GROUP BY "workspace_id", "contact_id"
       ON CONFLICT ("workspace_id", "contact_id") DO UPDATE SET
         "won_at" = greatest(o."won_at", EXCLUDED."won_at"), "lost_at" = greatest(o."lost_at", EXCLUDED."lost_at")`,
      [rows.map((r) => r.workspaceId), rows.map((r) => r.contactId), rows.map((r) => r.outcome), rows.map((r) => r.at)],
    );
  }

  /**
   * What a backfill asks beyond the contacts' facts: the stage each left when it entered its
   * current one (from its latest stage change; absent without one), and whether it ever won or
   * lost an opportunity.
   */
  async backfillFacts(
    manager: EntityManager,
    workspaceId: string,
    contactIds: readonly string[],
  ): Promise<Map<string, Pick<ContactFacts, 'enteredFrom' | 'opportunityWon' | 'opportunityLost'>>> {
    const rows = (await manager.query(
      `SELECT u."id" AS "contact_id", h."from_stage", h."found", o."won_at" IS NOT NULL AS "won", o."lost_at" IS NOT NULL AS "lost"
       FROM unnest($2::uuid[]) AS u("id")
       LEFT JOIN LATERAL (
         SELECT sh."from_stage", true AS "found" FROM ${this.stageHistory} sh
         WHERE sh."workspace_id" = $1 AND sh."contact_id" = u."id" ORDER BY sh."at" DESC, sh."id" DESC LIMIT 1
       ) h ON true
       LEFT JOIN ${this.opportunities} o ON o."workspace_id" = $1 AND o."contact_id" = u."id"`,
      [workspaceId, contactIds],
    )) as Array<{ contact_id: string; from_stage: Stage | null; found: boolean | null; won: boolean; lost: boolean }>;
    return new Map(
      rows.map((row) => [
        row.contact_id,
        { enteredFrom: row.found ? row.from_stage : undefined, opportunityWon: row.won, opportunityLost: row.lost },
      ]),
    );
  }

  /** Which of these contacts ever sent the event. */
  async sentEvent(manager: EntityManager, workspaceId: string, contactIds: readonly string[], event: string): Promise<Set<string>> {
    if (contactIds.length === 0) return new Set();
    const rows = (await manager.query(
      `SELECT DISTINCT "contact_id" FROM ${this.activities} WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[]) AND "event" = $3`,
      [workspaceId, contactIds, event],
    )) as Array<{ contact_id: string }>;
    return new Set(rows.map((r) => r.contact_id));
  }

  /** Not a contact soft-deleted in contacts (`alias` names the row being tested). */
  private notDeleted(alias: string): string {
    return `NOT EXISTS (SELECT 1 FROM ${this.deletions} d WHERE d."workspace_id" = $1 AND d."contact_id" = ${alias}."contact_id" AND d."deleted")`;
  }

  /** Announced by contacts and not merged away in scoring. */
  private notMerged(alias: string): string {
    return `NOT EXISTS (SELECT 1 FROM ${this.scores} m WHERE m."workspace_id" = $1 AND m."contact_id" = ${alias}."contact_id" AND m."state" = 'merged')`;
  }

  async countLiveContacts(manager: EntityManager, workspaceId: string): Promise<number> {
    const rows = (await manager.query(
      `SELECT count(*)::int AS "n" FROM (
         SELECT s."contact_id" FROM ${this.scores} s WHERE s."workspace_id" = $1 AND s."state" = 'active' AND ${this.notDeleted('s')}
         UNION
         SELECT c."contact_id" FROM ${this.contacts} c WHERE c."workspace_id" = $1 AND ${this.notMerged('c')} AND ${this.notDeleted('c')}
       ) l`,
      [workspaceId],
    )) as Array<{ n: number }>;
    return rows[0]?.n ?? 0;
  }

  /**
   * The next live contacts scoring knows of a workspace (scored, or announced by contacts; not
   * deleted, not merged away) after `after` in id order: each side walks its primary key from there.
   */
  async nextLiveContacts(manager: EntityManager, workspaceId: string, after: string | null, limit: number): Promise<string[]> {
    const rows = (await manager.query(
      `SELECT "contact_id" FROM (
         (SELECT s."contact_id" FROM ${this.scores} s
          WHERE s."workspace_id" = $1 AND ($2::uuid IS NULL OR s."contact_id" > $2::uuid) AND s."state" = 'active' AND ${this.notDeleted('s')}
          ORDER BY s."contact_id" LIMIT $3)
         UNION
         (SELECT c."contact_id" FROM ${this.contacts} c
          WHERE c."workspace_id" = $1 AND ($2::uuid IS NULL OR c."contact_id" > $2::uuid) AND ${this.notMerged('c')} AND ${this.notDeleted('c')}
          ORDER BY c."contact_id" LIMIT $3)
       ) l ORDER BY "contact_id" LIMIT $3`,
      [workspaceId, after, limit],
    )) as Array<{ contact_id: string }>;
    return rows.map((r) => r.contact_id);
  }

  /** Starts a backfill of an automation; false when one exists already (a backfill runs once). */
  async insertBackfill(manager: EntityManager, workspaceId: string, automationId: string, total: number): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO ${this.backfills} ("automation_id", "workspace_id", "status", "total") VALUES ($1, $2, 'running', $3)
       ON CONFLICT DO NOTHING RETURNING "automation_id"`,
      [automationId, workspaceId, total],
    )) as unknown[];
    return rows.length === 1;
  }

  async findBackfill(manager: EntityManager, workspaceId: string, automationId: string, lock = false): Promise<BackfillRow | undefined> {
    const rows = (await manager.query(
      `SELECT * FROM ${this.backfills} WHERE "workspace_id" = $1 AND "automation_id" = $2${lock ? ' FOR UPDATE' : ''}`,
      [workspaceId, automationId],
    )) as BackfillRow[];
    return rows[0];
  }

  async backfillProgress(
    manager: EntityManager,
    automationId: string,
    step: { processed: number; matched: number; afterContactId: string | null; status: 'running' | 'done' },
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.backfills} SET "processed" = "processed" + $2, "matched" = "matched" + $3, "after_contact_id" = $4, "status" = $5,
         "total" = CASE WHEN $5 = 'done' THEN "processed" + $2 ELSE GREATEST("total", "processed" + $2) END, "updated_at" = now()
       WHERE "automation_id" = $1`,
      [automationId, step.processed, step.matched, step.afterContactId, step.status],
    );
  }
}

/**
 * Contact rows in one order of keys, so that two statements writing the same contacts' fields
 * (`contact.created` and `contact.updated` are consumed side by side, and `lead.attributed` keeps a
 * new contact's first fields) lock them in the same order, never in a cycle.
 */
function inKeyOrder<T extends { workspaceId: string; contactId: string }>(rows: readonly T[]): T[] {
  const keyOf = (row: T) => `${row.workspaceId}\u0000${row.contactId}`;
  return [...rows].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}
