import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_RULES, DEFAULT_STAGE_THRESHOLDS, type EngineRule, type RuleDecay, type StageThresholds } from '../engine/score-engine';

interface RuleRow {
  workspace_id: string;
  id: string;
  kind: EngineRule['kind'];
  event: string;
  conditions: EngineRule['conditions'];
  points: number;
  cap: number | null;
  group: string | null;
  group_cap: number | null;
  decay: RuleDecay | null;
  active: boolean;
  description: string | null;
}

export interface StoredRule extends EngineRule {
  description: string | null;
}

const RULE_COLUMNS = `"id", "kind", "event", "conditions", "points", "cap", "group", "group_cap", "decay", "active", "description"`;

function toRule(row: RuleRow): StoredRule {
  return {
    id: row.id,
    kind: row.kind,
    event: row.event,
    conditions: row.conditions,
    points: row.points,
    cap: row.cap,
    group: row.group,
    groupCap: row.group_cap,
    decay: row.decay,
    active: row.active,
    description: row.description,
  };
}

function ruleParams(workspaceId: string, rule: StoredRule): unknown[] {
  return [
    workspaceId,
    rule.id,
    rule.kind,
    rule.event,
    JSON.stringify(rule.conditions),
    rule.points,
    rule.cap ?? null,
    rule.group ?? null,
    rule.groupCap ?? null,
    rule.decay ? JSON.stringify(rule.decay) : null,
    rule.active,
    rule.description,
  ];
}

/**
 * Each workspace's rules (`workspace_rules`) and stage thresholds (`workspace_settings`). A
 * workspace gets the default rules and thresholds the first time scoring needs them; the settings
 * row records that it has, so a default rule deleted later stays deleted.
 */
@Injectable()
export class RuleRepository {
  private readonly rules: string;
  private readonly settings: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.rules = qualifiedTable(dataSource, 'workspace_rules');
    this.settings = qualifiedTable(dataSource, 'workspace_settings');
  }

  /** Seeds the defaults of these workspaces that have none yet (two statements for any number). */
  async ensureWorkspaces(manager: EntityManager, workspaceIds: readonly string[]): Promise<void> {
    const ids = [...new Set(workspaceIds)].sort();
    if (ids.length === 0) return;
    const created = (await manager.query(
      `INSERT INTO ${this.settings} ("workspace_id", "warm", "hot", "qualified")
       SELECT w, $2, $3, $4 FROM unnest($1::text[]) AS w ON CONFLICT DO NOTHING RETURNING "workspace_id"`,
      [ids, DEFAULT_STAGE_THRESHOLDS.warm, DEFAULT_STAGE_THRESHOLDS.hot, DEFAULT_STAGE_THRESHOLDS.qualified],
    )) as Array<{ workspace_id: string }>;
    if (created.length === 0) return;
    const rows = created.flatMap(({ workspace_id }) => DEFAULT_RULES.map((rule) => ({ workspace_id, rule })));
    await manager.query(
      `INSERT INTO ${this.rules} ("workspace_id", "id", "kind", "event", "conditions", "points", "active")
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::integer[], $7::boolean[])
       ON CONFLICT DO NOTHING`,
      [
        rows.map((r) => r.workspace_id),
        rows.map((r) => r.rule.id),
        rows.map((r) => r.rule.kind),
        rows.map((r) => r.rule.event),
        rows.map((r) => JSON.stringify(r.rule.conditions)),
        rows.map((r) => r.rule.points),
        rows.map((r) => r.rule.active),
      ],
    );
  }

  /** All rules (active or not) and thresholds of these workspaces, with two statements. */
  async rulesets(
    manager: EntityManager,
    workspaceIds: readonly string[],
  ): Promise<Map<string, { rules: StoredRule[]; thresholds: StageThresholds }>> {
    const ids = [...new Set(workspaceIds)];
    const result = new Map<string, { rules: StoredRule[]; thresholds: StageThresholds }>();
    if (ids.length === 0) return result;
    const settings = (await manager.query(
      `SELECT "workspace_id", "warm", "hot", "qualified" FROM ${this.settings} WHERE "workspace_id" = ANY($1::text[])`,
      [ids],
    )) as Array<StageThresholds & { workspace_id: string }>;
    for (const s of settings) result.set(s.workspace_id, { rules: [], thresholds: { warm: s.warm, hot: s.hot, qualified: s.qualified } });
    const rows = (await manager.query(
      `SELECT "workspace_id", ${RULE_COLUMNS} FROM ${this.rules} WHERE "workspace_id" = ANY($1::text[]) ORDER BY "workspace_id", "id" COLLATE "C"`,
      [ids],
    )) as RuleRow[];
    for (const row of rows) result.get(row.workspace_id)?.rules.push(toRule(row));
    for (const id of ids) if (!result.has(id)) result.set(id, { rules: [], thresholds: { ...DEFAULT_STAGE_THRESHOLDS } });
    return result;
  }

  async find(manager: EntityManager, workspaceId: string, id: string): Promise<StoredRule | undefined> {
    const rows = (await manager.query(`SELECT ${RULE_COLUMNS} FROM ${this.rules} WHERE "workspace_id" = $1 AND "id" = $2`, [
      workspaceId,
      id,
    ])) as RuleRow[];
    return rows[0] ? toRule(rows[0]) : undefined;
  }

  /** Inserts a rule; false when the workspace already has one of that id. */
  async insert(manager: EntityManager, workspaceId: string, rule: StoredRule): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO ${this.rules} ("workspace_id", ${RULE_COLUMNS})
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10::jsonb, $11, $12) ON CONFLICT DO NOTHING RETURNING "id"`,
      ruleParams(workspaceId, rule),
    )) as unknown[];
    return rows.length === 1;
  }

  async update(manager: EntityManager, workspaceId: string, rule: StoredRule): Promise<void> {
    await manager.query(
      `UPDATE ${this.rules} SET "kind" = $3, "event" = $4, "conditions" = $5::jsonb, "points" = $6, "cap" = $7, "group" = $8,
         "group_cap" = $9, "decay" = $10::jsonb, "active" = $11, "description" = $12, "updated_at" = now()
       WHERE "workspace_id" = $1 AND "id" = $2`,
      ruleParams(workspaceId, rule),
    );
  }

  async delete(manager: EntityManager, workspaceId: string, id: string): Promise<boolean> {
    const rows = (await manager.query(
      `WITH d AS (DELETE FROM ${this.rules} WHERE "workspace_id" = $1 AND "id" = $2 RETURNING "id") SELECT "id" FROM d`,
      [workspaceId, id],
    )) as unknown[];
    return rows.length === 1;
  }

  async saveThresholds(manager: EntityManager, workspaceId: string, thresholds: StageThresholds): Promise<void> {
    await manager.query(
      `UPDATE ${this.settings} SET "warm" = $2, "hot" = $3, "qualified" = $4, "updated_at" = now() WHERE "workspace_id" = $1`,
      [workspaceId, thresholds.warm, thresholds.hot, thresholds.qualified],
    );
  }
}
