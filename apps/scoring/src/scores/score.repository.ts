import type { ScoreHistoryEntry, Stage } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { RuleHit, RuleKind } from '../rules/scoring-rule';
import type { HistoryRowKey } from './history-merge';

/** Longer merge chains than this are taken as a loop in the data and cut. */
const MAX_MERGE_CHAIN = 64;

export interface LockedScore {
  score: number;
  stage: Stage | null;
  state: 'active' | 'merged';
  /** The row did not exist before this transaction. */
  created: boolean;
}

export interface ActivityRecord {
  activityId: string;
  type: string;
  at: string;
  source: string;
  offer: string | null;
  country: string | null;
}

export interface Dimensions {
  source: string;
  offer: string | null;
  country: string | null;
}

/** A contact of a workspace. */
export interface ContactKey {
  workspaceId: string;
  contactId: string;
}

/** One string per (workspace, contact), for maps and sets. */
export function keyOf(workspaceId: string, contactId: string): string {
  return `${workspaceId}\u0000${contactId}`;
}

interface ScoreRow {
  score: number;
  stage: Stage | null;
  state: 'active' | 'merged';
}

/**
 * A contact's score: its `contact_scores` row, its `score_history` and the `contact_merges` that
 * lead to it. Every statement names the workspace. Writers lock a contact's `contact_scores` row
 * (`FOR UPDATE`) before touching its history, so work on one contact is serialized across handlers
 * and replicas.
 */
@Injectable()
export class ScoreRepository {
  private readonly scores: string;
  private readonly history: string;
  private readonly merges: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.scores = qualifiedTable(dataSource, 'contact_scores');
    this.history = qualifiedTable(dataSource, 'score_history');
    this.merges = qualifiedTable(dataSource, 'contact_merges');
  }

  /** The contact an id stands for now: itself, or the last survivor of its merges. */
  async resolveContact(manager: EntityManager, workspaceId: string, contactId: string): Promise<string> {
    const [resolved] = await this.resolveContacts(manager, [{ workspaceId, contactId }]);
    return resolved ?? contactId;
  }

  /** What each of these ids stands for now (see `resolveContact`), in their order, with one statement. */
  async resolveContacts(manager: EntityManager, contacts: readonly ContactKey[]): Promise<string[]> {
    if (contacts.length === 0) return [];
    const rows = (await manager.query(
      `WITH RECURSIVE chain ("ord", "workspace_id", "id", "depth") AS (
         SELECT s."ord", s."workspace_id", s."id", 0 FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS s("workspace_id", "id", "ord")
         UNION ALL
         SELECT c."ord", c."workspace_id", m."survivor_id", c."depth" + 1 FROM chain c
         JOIN ${this.merges} m ON m."workspace_id" = c."workspace_id" AND m."merged_id" = c."id"
         WHERE c."depth" < ${MAX_MERGE_CHAIN}
       )
       SELECT DISTINCT ON ("ord") "ord"::int AS "ord", "id" FROM chain ORDER BY "ord", "depth" DESC`,
      [contacts.map((c) => c.workspaceId), contacts.map((c) => c.contactId)],
    )) as Array<{ ord: number; id: string }>;
    const resolved = contacts.map((c) => c.contactId);
    for (const row of rows) resolved[row.ord - 1] = row.id;
    return resolved;
  }

  /**
   * Locks the score rows of these distinct contacts, creating the missing ones (score 0, in
   * `state`), with two statements: the inserts, then a select of the rows that existed, both in key
   * order. A row this transaction inserts is locked by the insert. In the contacts' order.
   */
  async lockScores(
    manager: EntityManager,
    contacts: readonly ContactKey[],
    state: LockedScore['state'] = 'active',
  ): Promise<LockedScore[]> {
    if (contacts.length === 0) return [];
    const inserted = (await manager.query(
      `INSERT INTO ${this.scores} ("workspace_id", "contact_id", "score", "stage", "state")
       SELECT "workspace_id", "contact_id", 0, CASE WHEN $3::text = 'active' THEN 'cold' END, $3::text
       FROM unnest($1::text[], $2::uuid[]) AS k("workspace_id", "contact_id")
       ORDER BY "workspace_id", "contact_id"
       ON CONFLICT DO NOTHING RETURNING "workspace_id", "contact_id"::text AS "contact_id"`,
      [contacts.map((c) => c.workspaceId), contacts.map((c) => c.contactId), state],
    )) as Array<{ workspace_id: string; contact_id: string }>;
    const created = new Set(inserted.map((row) => keyOf(row.workspace_id, row.contact_id)));
    const existing = contacts.filter((c) => !created.has(keyOf(c.workspaceId, c.contactId)));
    const locked = new Map<string, ScoreRow>();
    if (existing.length > 0) {
      const rows = (await manager.query(
        `SELECT s."workspace_id", s."contact_id"::text AS "contact_id", s."score", s."stage", s."state" FROM ${this.scores} s
         JOIN unnest($1::text[], $2::uuid[]) AS k("workspace_id", "contact_id")
           ON s."workspace_id" = k."workspace_id" AND s."contact_id" = k."contact_id"
         ORDER BY s."workspace_id", s."contact_id" FOR UPDATE OF s`,
        [existing.map((c) => c.workspaceId), existing.map((c) => c.contactId)],
      )) as Array<ScoreRow & { workspace_id: string; contact_id: string }>;
      for (const row of rows) locked.set(keyOf(row.workspace_id, row.contact_id), row);
    }
    return contacts.map((c) => {
      const key = keyOf(c.workspaceId, c.contactId);
      if (created.has(key)) return { score: 0, stage: null, state, created: true };
      const row = locked.get(key);
      if (!row) throw new Error(`score row of ${c.contactId} vanished while being locked`);
      return { score: row.score, stage: row.stage, state: row.state, created: false };
    });
  }

  /** Locks the contact's score row, creating it (score 0) when scoring has not seen the contact. */
  async lockScore(manager: EntityManager, workspaceId: string, contactId: string): Promise<LockedScore> {
    return (await this.lockScores(manager, [{ workspaceId, contactId }]))[0] as LockedScore;
  }

  /**
   * Locks the row of a contact being merged away, creating it already marked as merged: an activity
   * of this contact that waits on the lock then finds it merged and follows the merge.
   */
  async lockMerged(manager: EntityManager, workspaceId: string, contactId: string): Promise<LockedScore> {
    return (await this.lockScores(manager, [{ workspaceId, contactId }], 'merged'))[0] as LockedScore;
  }

  /**
   * Adds what activities earned, each for its contact, with a statement per rule kind. The unique
   * indexes keep an activity to one row per contact and a fit rule to one row per contact; of two
   * activities earning a fit rule, the earlier one holds it, so the history does not depend on the
   * order activities arrive in. The contacts must be distinct (one row per fit rule and contact).
   */
  async recordHits(
    manager: EntityManager,
    scored: ReadonlyArray<{ key: ContactKey; activity: ActivityRecord; hits: RuleHit[] }>,
  ): Promise<void> {
    const columns = `"workspace_id", "contact_id", "activity_id", "activity_type", "rule_id", "rule_kind", "points", "at", "source", "offer", "country"`;
    const rows = (kind: RuleKind) => {
      const of = scored.flatMap(({ key, activity, hits }) =>
        hits.filter((hit) => hit.kind === kind).map((hit) => ({ key, activity, hit })),
      );
      return {
        count: of.length,
        sql: `INSERT INTO ${this.history} AS h (${columns})
              SELECT "workspace_id", "contact_id", "activity_id", "activity_type", "rule_id", "rule_kind", "points", "at", "source", "offer", "country"
              FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::timestamptz[], $9::text[], $10::text[], $11::text[])
                AS r(${columns})`,
        params: [
          of.map((r) => r.key.workspaceId),
          of.map((r) => r.key.contactId),
          of.map((r) => r.activity.activityId),
          of.map((r) => r.activity.type),
          of.map((r) => r.hit.ruleId),
          of.map((r) => r.hit.kind),
          of.map((r) => r.hit.points),
          of.map((r) => r.activity.at),
          of.map((r) => r.activity.source),
          of.map((r) => r.activity.offer),
          of.map((r) => r.activity.country),
        ],
      };
    };
    const activityRows = rows('activity');
    if (activityRows.count > 0) {
      await manager.query(
        `${activityRows.sql} ON CONFLICT ("workspace_id", "contact_id", "activity_id") WHERE "rule_kind" = 'activity' DO NOTHING`,
        activityRows.params,
      );
    }
    const fitRows = rows('fit');
    if (fitRows.count > 0) {
      await manager.query(
        `${fitRows.sql} ON CONFLICT ("workspace_id", "contact_id", "rule_id") WHERE "rule_kind" = 'fit'
         DO UPDATE SET "activity_id" = EXCLUDED."activity_id", "activity_type" = EXCLUDED."activity_type", "points" = EXCLUDED."points",
           "at" = EXCLUDED."at", "source" = EXCLUDED."source", "offer" = EXCLUDED."offer", "country" = EXCLUDED."country", "recorded_at" = now()
         WHERE (EXCLUDED."at", EXCLUDED."activity_id" COLLATE "C") < (h."at", h."activity_id" COLLATE "C")`,
        fitRows.params,
      );
    }
  }

  /** The score each contact's history gives, in their order, with one statement. */
  async sumPoints(manager: EntityManager, contacts: readonly ContactKey[]): Promise<number[]> {
    if (contacts.length === 0) return [];
    const rows = (await manager.query(
      `SELECT k."ord"::int AS "ord", COALESCE((SELECT SUM(h."points") FROM ${this.history} h
         WHERE h."workspace_id" = k."workspace_id" AND h."contact_id" = k."contact_id"), 0)::integer AS "score"
       FROM unnest($1::text[], $2::uuid[]) WITH ORDINALITY AS k("workspace_id", "contact_id", "ord")`,
      [contacts.map((c) => c.workspaceId), contacts.map((c) => c.contactId)],
    )) as Array<{ ord: number; score: number }>;
    const scores = contacts.map(() => 0);
    for (const row of rows) scores[row.ord - 1] = row.score;
    return scores;
  }

  /** Writes these contacts' scores and stages with one statement. */
  async saveScores(manager: EntityManager, saved: ReadonlyArray<{ key: ContactKey; score: number; stage: Stage }>): Promise<void> {
    if (saved.length === 0) return;
    await manager.query(
      `UPDATE ${this.scores} s SET "score" = u."score", "stage" = u."stage", "updated_at" = now()
       FROM unnest($1::text[], $2::uuid[], $3::integer[], $4::text[]) AS u("workspace_id", "contact_id", "score", "stage")
       WHERE s."workspace_id" = u."workspace_id" AND s."contact_id" = u."contact_id"`,
      [saved.map((r) => r.key.workspaceId), saved.map((r) => r.key.contactId), saved.map((r) => r.score), saved.map((r) => r.stage)],
    );
  }

  async markMerged(manager: EntityManager, workspaceId: string, contactId: string): Promise<void> {
    await manager.query(
      `UPDATE ${this.scores} SET "score" = 0, "stage" = NULL, "state" = 'merged', "updated_at" = now()
       WHERE "workspace_id" = $1 AND "contact_id" = $2`,
      [workspaceId, contactId],
    );
  }

  async deleteScore(manager: EntityManager, workspaceId: string, contactId: string): Promise<void> {
    await manager.query(`DELETE FROM ${this.scores} WHERE "workspace_id" = $1 AND "contact_id" = $2`, [workspaceId, contactId]);
  }

  /**
   * Records `mergedId → survivorId`; a repeated merge is a no-op. Returns the survivor on record,
   * which differs from `survivorId` when the contact was already merged into another one.
   */
  async recordMerge(manager: EntityManager, workspaceId: string, mergedId: string, survivorId: string, mergedAt: string): Promise<string> {
    await manager.query(
      `INSERT INTO ${this.merges} ("workspace_id", "merged_id", "survivor_id", "merged_at") VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [workspaceId, mergedId, survivorId, mergedAt],
    );
    const rows = (await manager.query(`SELECT "survivor_id" FROM ${this.merges} WHERE "workspace_id" = $1 AND "merged_id" = $2`, [
      workspaceId,
      mergedId,
    ])) as Array<{ survivor_id: string }>;
    return rows[0]?.survivor_id ?? survivorId;
  }

  /** The keys of the history rows of these contacts, which say which rows repeat one another. */
  async historyKeys(manager: EntityManager, workspaceId: string, contactIds: readonly string[]): Promise<HistoryRowKey[]> {
    const rows = (await manager.query(
      `SELECT "id"::text AS "id", "rule_kind", "activity_id", "rule_id", "at" FROM ${this.history}
       WHERE "workspace_id" = $1 AND "contact_id" = ANY($2::uuid[])`,
      [workspaceId, contactIds],
    )) as Array<{ id: string; rule_kind: RuleKind; activity_id: string; rule_id: string; at: Date }>;
    return rows.map((r) => ({ id: r.id, ruleKind: r.rule_kind, activityId: r.activity_id, ruleId: r.rule_id, at: r.at }));
  }

  /** Gives `fromId`'s history to `toId`, first deleting the rows `redundant` names (ids from `historyKeys`). */
  async moveHistory(
    manager: EntityManager,
    workspaceId: string,
    fromId: string,
    toId: string,
    redundant: readonly string[],
  ): Promise<void> {
    if (redundant.length > 0) {
      await manager.query(`DELETE FROM ${this.history} WHERE "workspace_id" = $1 AND "id" = ANY($2::bigint[])`, [workspaceId, redundant]);
    }
    await manager.query(`UPDATE ${this.history} SET "contact_id" = $3 WHERE "workspace_id" = $1 AND "contact_id" = $2`, [
      workspaceId,
      fromId,
      toId,
    ]);
  }

  /** Dimensions of the contact's latest scored activity, if it has one. */
  async latestDimensions(manager: EntityManager, workspaceId: string, contactId: string): Promise<Dimensions | undefined> {
    const rows = (await manager.query(
      `SELECT "source", "offer", "country" FROM ${this.history} WHERE "workspace_id" = $1 AND "contact_id" = $2
       ORDER BY "at" DESC, "activity_id" COLLATE "C" DESC LIMIT 1`,
      [workspaceId, contactId],
    )) as Dimensions[];
    return rows[0];
  }

  /** The active score of a contact, or undefined when scoring does not know it (or it was merged). */
  async activeScore(manager: EntityManager, workspaceId: string, contactId: string): Promise<{ score: number; stage: Stage } | undefined> {
    const rows = (await manager.query(
      `SELECT "score", "stage" FROM ${this.scores} WHERE "workspace_id" = $1 AND "contact_id" = $2 AND "state" = 'active'`,
      [workspaceId, contactId],
    )) as Array<{ score: number; stage: Stage }>;
    return rows[0];
  }

  /** The contact's history, oldest first (an activity's own row before the fit rules it earned). */
  async historyOf(manager: EntityManager, workspaceId: string, contactId: string): Promise<ScoreHistoryEntry[]> {
    const rows = (await manager.query(
      `SELECT "activity_id", "activity_type", "points", "rule_id", "at" FROM ${this.history}
       WHERE "workspace_id" = $1 AND "contact_id" = $2
       ORDER BY "at", "activity_id" COLLATE "C", ("rule_kind" = 'fit'), "rule_id" COLLATE "C"`,
      [workspaceId, contactId],
    )) as Array<{ activity_id: string; activity_type: string; points: number; rule_id: string; at: Date }>;
    return rows.map((r) => ({
      activityId: r.activity_id,
      type: r.activity_type,
      points: r.points,
      ruleId: r.rule_id,
      at: r.at.toISOString(),
    }));
  }
}
