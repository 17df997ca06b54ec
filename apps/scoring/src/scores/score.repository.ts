import { DEFAULT_LEAD_SOURCE, type ScoreHistoryEntry, type Stage } from '@leadflow/contracts';
import { qualifiedTable } from '@leadflow/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { EngineActivity, EngineHistoryRow, StageTransition } from '../engine/score-engine';

/** Longer merge chains than this are taken as a loop in the data and cut. */
const MAX_MERGE_CHAIN = 64;

export interface LockedScore {
  score: number;
  stage: Stage | null;
  state: 'active' | 'merged';
  /** The row did not exist before this transaction. */
  created: boolean;
  /** What a row this transaction created holds (`score` and `stage` are what it holds for the engine: none yet). */
  written?: { score: number; stage: Stage | null };
}

/** What a score row is created with: score 0 and no stage yet, unless the caller knows its first score. */
export interface ScoreToLock extends ContactKey {
  createAs?: LockedScore['state'];
  /** The score and stage a new active row is written with (its one activity's, known before), instead of 0 and `cold`. */
  initial?: { score: number; stage: Stage };
}

export interface ActivityRecord {
  activityId: string;
  /** The event name rules match: `lead_submitted`, `page_view`, … */
  type: string;
  /** ISO time the activity happened. */
  at: string;
  properties: Record<string, unknown>;
  /** What the activity says about the contact (for a lead: emailValid, phoneValid, …). */
  traits: Record<string, unknown>;
  source: string;
  offer: string | null;
  country: string | null;
}

/** An activity as `activitiesOf` reads it back. */
export type StoredActivity = EngineActivity & Dimensions;

/** A time both PostgreSQL and JavaScript read as the same instant, to the millisecond: a zone, at most microseconds. */
const PLAIN_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

/**
 * The activity as `activitiesOf` would read it back once stored, or nothing when that cannot be
 * told without reading (a time PostgreSQL might round otherwise, or not parse as JavaScript does).
 */
export function asStored(activity: ActivityRecord): StoredActivity | undefined {
  if (!PLAIN_INSTANT.test(activity.at)) return undefined;
  const time = Date.parse(activity.at);
  if (Number.isNaN(time)) return undefined;
  return {
    activityId: activity.activityId,
    event: activity.type,
    occurredAt: new Date(time).toISOString(),
    properties: activity.properties,
    traits: activity.traits,
    source: activity.source,
    offer: activity.offer,
    country: activity.country,
  };
}

/** A contact's derived history, as the engine computed it. */
export interface DerivedHistory {
  key: ContactKey;
  rows: readonly EngineHistoryRow[];
  transitions: readonly StageTransition[];
  /** Campaign dimensions of each activity, by activity id, copied onto its rows. */
  dimensions: ReadonlyMap<string, Dimensions>;
  /** The contact had no history before: its score row was created by this transaction. */
  first?: boolean;
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
  private readonly activities: string;
  private readonly stages: string;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.activities = qualifiedTable(dataSource, 'activities');
    this.stages = qualifiedTable(dataSource, 'stage_history');
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
   * Locks the score rows of these distinct contacts, creating the missing ones (score 0, or their
   * `initial` score, in their `createAs` state, active by default), with two statements: the
   * inserts, then a select of the rows that existed, both in key order. A row this transaction
   * inserts is locked by the insert; for the engine it holds no score yet (`written` says what it holds).
   * In the contacts' order. A transaction that needs several rows locks them in one call: rows
   * locked by separate calls are taken out of key order, and two such transactions can deadlock.
   */
  async lockScores(manager: EntityManager, contacts: readonly ScoreToLock[]): Promise<LockedScore[]> {
    if (contacts.length === 0) return [];
    const states = contacts.map((c) => c.createAs ?? 'active');
    const written = contacts.map((c, i) =>
      states[i] !== 'active' ? { score: 0, stage: null } : { score: c.initial?.score ?? 0, stage: c.initial?.stage ?? ('cold' as Stage) },
    );
    const inserted = (await manager.query(
      `INSERT INTO ${this.scores} ("workspace_id", "contact_id", "score", "stage", "state")
       SELECT "workspace_id", "contact_id", "score", "stage", "state"
       FROM unnest($1::text[], $2::uuid[], $3::text[], $4::integer[], $5::text[]) AS k("workspace_id", "contact_id", "state", "score", "stage")
       ORDER BY "workspace_id", "contact_id"
       ON CONFLICT DO NOTHING RETURNING "workspace_id", "contact_id"::text AS "contact_id"`,
      [
        contacts.map((c) => c.workspaceId),
        contacts.map((c) => c.contactId),
        states,
        written.map((w) => w.score),
        written.map((w) => w.stage),
      ],
    )) as Array<{ workspace_id: string; contact_id: string }>;
    const created = new Set(inserted.map((row) => keyOf(row.workspace_id, row.contact_id)));
    const existing = contacts.filter((c) => !created.has(keyOf(c.workspaceId, c.contactId)));
    const locked = await this.lockExistingScores(manager, existing);
    return contacts.map((c, i) => {
      const key = keyOf(c.workspaceId, c.contactId);
      if (created.has(key)) return { score: 0, stage: null, state: states[i] as LockedScore['state'], created: true, written: written[i] };
      const row = locked.get(key);
      if (!row) throw new Error(`score row of ${c.contactId} vanished while being locked`);
      return { score: row.score, stage: row.stage, state: row.state, created: false };
    });
  }

  /** Locks the score rows of these contacts that exist, in key order, with one statement; none is created. */
  private async lockExistingScores(manager: EntityManager, contacts: readonly ContactKey[]): Promise<Map<string, ScoreRow>> {
    const locked = new Map<string, ScoreRow>();
    if (contacts.length === 0) return locked;
    const rows = (await manager.query(
      `SELECT s."workspace_id", s."contact_id"::text AS "contact_id", s."score", s."stage", s."state" FROM ${this.scores} s
       JOIN unnest($1::text[], $2::uuid[]) AS k("workspace_id", "contact_id")
         ON s."workspace_id" = k."workspace_id" AND s."contact_id" = k."contact_id"
       ORDER BY s."workspace_id", s."contact_id" FOR UPDATE OF s`,
      [contacts.map((c) => c.workspaceId), contacts.map((c) => c.contactId)],
    )) as Array<ScoreRow & { workspace_id: string; contact_id: string }>;
    for (const row of rows) locked.set(keyOf(row.workspace_id, row.contact_id), row);
    return locked;
  }

  /**
   * Locks the score rows of these distinct contacts as `lockScores` does, if every one is still
   * active. When one was merged away while we waited for it, the rows locked here are let go
   * again (a savepoint is rolled back) and nothing is returned: the caller resolves the merged ids
   * to their survivors and asks again with all of them, so that it never holds some rows while it
   * waits for others out of key order, which deadlocks with a transaction taking them in order.
   */
  async lockActiveScores(manager: EntityManager, contacts: readonly ScoreToLock[]): Promise<LockedScore[] | undefined> {
    await manager.query('SAVEPOINT "lock_active_scores"');
    const locked = await this.lockScores(manager, contacts);
    if (locked.every((lock) => lock.state === 'active')) {
      await manager.query('RELEASE SAVEPOINT "lock_active_scores"');
      return locked;
    }
    await manager.query('ROLLBACK TO SAVEPOINT "lock_active_scores"');
    return undefined;
  }

  /**
   * Stores activities, each for its contact, with one statement; an activity already stored stays as
   * it was. Returns which of them this call stored, by their place in `stored`.
   */
  async recordActivities(manager: EntityManager, stored: ReadonlyArray<{ key: ContactKey; activity: ActivityRecord }>): Promise<boolean[]> {
    if (stored.length === 0) return [];
    const inserted = (await manager.query(
      `INSERT INTO ${this.activities} ("workspace_id", "contact_id", "activity_id", "event", "occurred_at", "properties", "traits", "source", "offer", "country")
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[], $7::jsonb[], $8::text[], $9::text[], $10::text[])
       ON CONFLICT DO NOTHING
       RETURNING "workspace_id", "contact_id"::text AS "contact_id", "activity_id"`,
      [
        stored.map((r) => r.key.workspaceId),
        stored.map((r) => r.key.contactId),
        stored.map((r) => r.activity.activityId),
        stored.map((r) => r.activity.type),
        stored.map((r) => r.activity.at),
        stored.map((r) => JSON.stringify(r.activity.properties)),
        stored.map((r) => JSON.stringify(r.activity.traits)),
        stored.map((r) => r.activity.source),
        stored.map((r) => r.activity.offer),
        stored.map((r) => r.activity.country),
      ],
    )) as Array<{ workspace_id: string; contact_id: string; activity_id: string }>;
    const fresh = new Set(inserted.map((row) => `${keyOf(row.workspace_id, row.contact_id)}\u0000${row.activity_id}`));
    // The same activity twice in one call is stored once: by its first place.
    return stored.map((r) => fresh.delete(`${keyOf(r.key.workspaceId, r.key.contactId)}\u0000${r.activity.activityId}`));
  }

  /** The stored activities of these contacts, in scoring order, with one statement. */
  async activitiesOf(manager: EntityManager, contacts: readonly ContactKey[]): Promise<Map<string, StoredActivity[]>> {
    const result = new Map<string, StoredActivity[]>();
    for (const c of contacts) result.set(keyOf(c.workspaceId, c.contactId), []);
    if (contacts.length === 0) return result;
    const rows = (await manager.query(
      `SELECT a."workspace_id", a."contact_id"::text AS "contact_id", a."activity_id", a."event", a."occurred_at", a."properties", a."traits",
              a."source", a."offer", a."country"
       FROM ${this.activities} a JOIN unnest($1::text[], $2::uuid[]) AS k("workspace_id", "contact_id")
         ON a."workspace_id" = k."workspace_id" AND a."contact_id" = k."contact_id"
       ORDER BY a."workspace_id", a."contact_id", a."occurred_at", a."activity_id" COLLATE "C"`,
      [contacts.map((c) => c.workspaceId), contacts.map((c) => c.contactId)],
    )) as Array<{
      workspace_id: string;
      contact_id: string;
      activity_id: string;
      event: string;
      occurred_at: Date;
      properties: Record<string, unknown>;
      traits: Record<string, unknown>;
      source: string;
      offer: string | null;
      country: string | null;
    }>;
    for (const row of rows) {
      result.get(keyOf(row.workspace_id, row.contact_id))?.push({
        activityId: row.activity_id,
        event: row.event,
        occurredAt: row.occurred_at.toISOString(),
        properties: row.properties,
        traits: row.traits,
        source: row.source,
        offer: row.offer,
        country: row.country,
      });
    }
    return result;
  }

  /**
   * Replaces these contacts' score and stage histories with what the engine derived, with at most
   * four statements (a contact's first history has nothing to delete). The contacts must be locked.
   */
  async replaceHistories(manager: EntityManager, derived: readonly DerivedHistory[]): Promise<void> {
    if (derived.length === 0) return;
    const replaced = derived.filter((d) => !d.first);
    if (replaced.length > 0) {
      const keys = [replaced.map((d) => d.key.workspaceId), replaced.map((d) => d.key.contactId)];
      await manager.query(
        `DELETE FROM ${this.history} h USING unnest($1::text[], $2::uuid[]) AS k("workspace_id", "contact_id")
         WHERE h."workspace_id" = k."workspace_id" AND h."contact_id" = k."contact_id"`,
        keys,
      );
      await manager.query(
        `DELETE FROM ${this.stages} h USING unnest($1::text[], $2::uuid[]) AS k("workspace_id", "contact_id")
         WHERE h."workspace_id" = k."workspace_id" AND h."contact_id" = k."contact_id"`,
        keys,
      );
    }
    const rows = derived.flatMap((d) => d.rows.map((row) => ({ key: d.key, row, dims: d.dimensions.get(row.activityId) })));
    if (rows.length > 0) {
      await manager.query(
        `INSERT INTO ${this.history} ("workspace_id", "contact_id", "activity_id", "activity_type", "rule_id", "rule_kind", "reason", "points",
           "score_after", "at", "source", "offer", "country")
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::integer[], $9::integer[],
           $10::timestamptz[], $11::text[], $12::text[], $13::text[])`,
        [
          rows.map((r) => r.key.workspaceId),
          rows.map((r) => r.key.contactId),
          rows.map((r) => r.row.activityId),
          rows.map((r) => r.row.event),
          rows.map((r) => r.row.ruleId),
          rows.map((r) => r.row.kind),
          rows.map((r) => r.row.reason),
          rows.map((r) => r.row.points),
          rows.map((r) => r.row.score),
          rows.map((r) => r.row.at),
          rows.map((r) => r.dims?.source ?? DEFAULT_LEAD_SOURCE),
          rows.map((r) => r.dims?.offer ?? null),
          rows.map((r) => r.dims?.country ?? null),
        ],
      );
    }
    const transitions = derived.flatMap((d) => d.transitions.map((t) => ({ key: d.key, t })));
    if (transitions.length > 0) {
      await manager.query(
        `INSERT INTO ${this.stages} ("workspace_id", "contact_id", "activity_id", "from_stage", "to_stage", "score", "at")
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::timestamptz[])`,
        [
          transitions.map((r) => r.key.workspaceId),
          transitions.map((r) => r.key.contactId),
          transitions.map((r) => r.t.activityId),
          transitions.map((r) => r.t.from),
          transitions.map((r) => r.t.to),
          transitions.map((r) => r.t.score),
          transitions.map((r) => r.t.at),
        ],
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

  /**
   * Gives `fromId`'s activities to `toId` (an activity both hold stays once) and drops `fromId`'s
   * derived histories; the survivor is rescored after.
   */
  async moveActivities(manager: EntityManager, workspaceId: string, fromId: string, toId: string): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.activities} ("workspace_id", "contact_id", "activity_id", "event", "occurred_at", "properties", "traits", "source", "offer", "country", "recorded_at")
       SELECT "workspace_id", $3, "activity_id", "event", "occurred_at", "properties", "traits", "source", "offer", "country", "recorded_at"
       FROM ${this.activities} WHERE "workspace_id" = $1 AND "contact_id" = $2
       ON CONFLICT ("workspace_id", "contact_id", "activity_id") DO UPDATE SET
         "occurred_at" = LEAST(${this.activities}."occurred_at", EXCLUDED."occurred_at")`,
      [workspaceId, fromId, toId],
    );
    for (const table of [this.activities, this.history, this.stages]) {
      await manager.query(`DELETE FROM ${table} WHERE "workspace_id" = $1 AND "contact_id" = $2`, [workspaceId, fromId]);
    }
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

  /** The contact's history in the order it happened (an activity's engagement rows before the fit rules it earned). */
  async historyOf(manager: EntityManager, workspaceId: string, contactId: string): Promise<ScoreHistoryEntry[]> {
    const rows = (await manager.query(
      `SELECT "activity_id", "activity_type", "points", "rule_id", "rule_kind", "reason", "at" FROM ${this.history}
       WHERE "workspace_id" = $1 AND "contact_id" = $2 ORDER BY "id"`,
      [workspaceId, contactId],
    )) as Array<{
      activity_id: string;
      activity_type: string;
      points: number;
      rule_id: string;
      rule_kind: string;
      reason: string;
      at: Date;
    }>;
    return rows.map((r) => ({
      activityId: r.activity_id,
      type: r.activity_type,
      points: r.points,
      ruleId: r.rule_id,
      at: r.at.toISOString(),
      reason: r.reason as NonNullable<ScoreHistoryEntry['reason']>,
      kind: r.rule_kind === 'fit' ? 'fit' : 'engagement',
    }));
  }
}
