/**
 * The platform's data invariants, read across the apps' schemas by an operator tool (never by an
 * app: each app reads only its own schema). `always` ones hold at every commit; `drained` ones
 * hold once the pipeline has applied every event (no load, outboxes empty, consumers caught up).
 */
export interface InvariantCheck {
  name: string;
  when: 'always' | 'drained';
  /** Rows that break the invariant; none when it holds. */
  sql: string;
}

export interface InvariantViolation {
  name: string;
  /** How many rows break it, and the first few of them. */
  count: number;
  examples: Array<Record<string, unknown>>;
}

/** Anything that runs SQL as a user allowed to read every app's schema. */
export interface InvariantsQueryRunner {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

const EXAMPLES = 5;

export const INVARIANT_CHECKS: readonly InvariantCheck[] = [
  {
    name: 'a live contact holds an email or phone that is not an identity of its own',
    when: 'always',
    sql: `SELECT c."workspace_id", c."id", c."email", c."phone" FROM "contacts"."contacts" c
          WHERE c."merged_into" IS NULL AND (
            (c."email" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "contacts"."contact_identities" i
              WHERE i."workspace_id" = c."workspace_id" AND i."kind" = 'email' AND i."value" = c."email" AND i."contact_id" = c."id"))
            OR (c."phone" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "contacts"."contact_identities" i
              WHERE i."workspace_id" = c."workspace_id" AND i."kind" = 'phone' AND i."value" = c."phone" AND i."contact_id" = c."id")))`,
  },
  {
    name: 'an identity belongs to a merged contact',
    when: 'always',
    sql: `SELECT i."workspace_id", i."kind", i."value", i."contact_id" FROM "contacts"."contact_identities" i
          JOIN "contacts"."contacts" c ON c."id" = i."contact_id" WHERE c."merged_into" IS NOT NULL`,
  },
  {
    name: 'two live contacts hold one email or phone',
    when: 'always',
    sql: `SELECT "workspace_id", "kind", "value", count(*) AS "contacts" FROM (
            SELECT "workspace_id", 'email' AS "kind", "email" AS "value" FROM "contacts"."contacts" WHERE "merged_into" IS NULL AND "email" IS NOT NULL
            UNION ALL
            SELECT "workspace_id", 'phone', "phone" FROM "contacts"."contacts" WHERE "merged_into" IS NULL AND "phone" IS NOT NULL) AS f
          GROUP BY "workspace_id", "kind", "value" HAVING count(*) > 1`,
  },
  {
    name: 'a lead is attributed to a merged contact',
    when: 'always',
    sql: `SELECT l."workspace_id", l."lead_id", l."contact_id" FROM "contacts"."contact_leads" l
          JOIN "contacts"."contacts" c ON c."id" = l."contact_id" WHERE c."merged_into" IS NOT NULL`,
  },
  {
    name: 'an activity is attributed to a merged contact',
    when: 'always',
    sql: `SELECT a."workspace_id", a."activity_id", a."contact_id" FROM "contacts"."contact_activities" a
          JOIN "contacts"."contacts" c ON c."id" = a."contact_id" WHERE c."merged_into" IS NOT NULL`,
  },
  {
    // An anonymous profile is made from a tracker's anonymous id alone; the first known id makes it a person.
    name: 'an anonymous profile holds personal data or an identity other than an anonymous id',
    when: 'always',
    sql: `SELECT c."workspace_id", c."id" FROM "contacts"."contacts" c WHERE c."anonymous" AND c."merged_into" IS NULL AND (
            c."email" IS NOT NULL OR c."phone" IS NOT NULL OR EXISTS (SELECT 1 FROM "contacts"."contact_identities" i
              WHERE i."contact_id" = c."id" AND i."kind" <> 'anonymous_id'))`,
  },
  {
    name: 'a merged contact points at a contact that is not live',
    when: 'always',
    sql: `SELECT m."workspace_id", m."id", m."merged_into" FROM "contacts"."contacts" m
          JOIN "contacts"."contacts" s ON s."id" = m."merged_into" WHERE s."merged_into" IS NOT NULL OR s."workspace_id" <> m."workspace_id"`,
  },
  {
    name: 'an active score differs from the sum of its history',
    when: 'always',
    sql: `SELECT s."workspace_id", s."contact_id", s."score", COALESCE(h."points", 0) AS "history" FROM "scoring"."contact_scores" s
          LEFT JOIN (SELECT "workspace_id", "contact_id", SUM("points") AS "points" FROM "scoring"."score_history"
                     GROUP BY "workspace_id", "contact_id") h ON h."workspace_id" = s."workspace_id" AND h."contact_id" = s."contact_id"
          WHERE s."state" = 'active' AND s."score" <> COALESCE(h."points", 0)`,
  },
  {
    name: 'daily lead counters do not add up to the leads counted',
    when: 'always',
    sql: `SELECT w."workspace_id", COALESCE(c."leads", 0) AS "counters", COALESCE(e."leads", 0) AS "counted"
          FROM (SELECT DISTINCT "workspace_id" FROM "metrics"."lead_daily_counters"
                UNION SELECT DISTINCT "workspace_id" FROM "metrics"."counted_lead_events") w
          LEFT JOIN (SELECT "workspace_id", SUM("leads") AS "leads" FROM "metrics"."lead_daily_counters" GROUP BY "workspace_id") c
            ON c."workspace_id" = w."workspace_id"
          LEFT JOIN (SELECT "workspace_id", count(*) AS "leads" FROM "metrics"."counted_lead_events" WHERE "event_type" = 'lead.ingested'
                     GROUP BY "workspace_id") e ON e."workspace_id" = w."workspace_id"
          WHERE COALESCE(c."leads", 0) <> COALESCE(e."leads", 0)`,
  },
  {
    name: 'daily activity counters do not add up to the activities counted',
    when: 'always',
    sql: `SELECT w."workspace_id", COALESCE(c."events", 0) AS "counters", COALESCE(e."events", 0) AS "counted"
          FROM (SELECT DISTINCT "workspace_id" FROM "metrics"."activity_daily_counters"
                UNION SELECT DISTINCT "workspace_id" FROM "metrics"."counted_activities") w
          LEFT JOIN (SELECT "workspace_id", SUM("events") AS "events" FROM "metrics"."activity_daily_counters" GROUP BY "workspace_id") c
            ON c."workspace_id" = w."workspace_id"
          LEFT JOIN (SELECT "workspace_id", count(*) AS "events" FROM "metrics"."counted_activities" GROUP BY "workspace_id") e
            ON e."workspace_id" = w."workspace_id"
          WHERE COALESCE(c."events", 0) <> COALESCE(e."events", 0)`,
  },
  {
    name: 'an activity attributed by contacts is not counted by metrics',
    when: 'drained',
    sql: `SELECT a."workspace_id", a."activity_id" FROM "contacts"."contact_activities" a
          WHERE NOT EXISTS (SELECT 1 FROM "metrics"."counted_activities" m
            WHERE m."workspace_id" = a."workspace_id" AND m."activity_id" = a."activity_id")`,
  },
  {
    // A stage change records the stage and every one below it in one statement.
    name: 'a contact reached a stage of the funnel without reaching the one below it',
    when: 'always',
    sql: `SELECT f."workspace_id", f."contact_id", f."stage" FROM "metrics"."stage_funnel" f
          WHERE f."stage" <> 'cold' AND NOT EXISTS (SELECT 1 FROM "metrics"."stage_funnel" b
            WHERE b."workspace_id" = f."workspace_id" AND b."contact_id" = f."contact_id"
              AND b."stage" = CASE f."stage" WHEN 'warm' THEN 'cold' WHEN 'hot' THEN 'warm' ELSE 'hot' END)`,
  },
  {
    // A deletion is a write, so it bumps the version (merged contacts of earlier releases kept version 1).
    name: 'a soft-deleted contact is still at its first version, or a version is below 1',
    when: 'always',
    sql: `SELECT c."workspace_id", c."id", c."version" FROM "contacts"."contacts" c
          WHERE c."version" < 1 OR (c."version" = 1 AND c."deleted_at" IS NOT NULL)`,
  },
  {
    name: 'scoring and contacts disagree on whether a contact is soft-deleted',
    when: 'drained',
    sql: `SELECT c."workspace_id", c."id", c."deleted_at", d."deleted" FROM "contacts"."contacts" c
          LEFT JOIN "scoring"."contact_deletions" d ON d."workspace_id" = c."workspace_id" AND d."contact_id" = c."id"
          WHERE (c."deleted_at" IS NOT NULL) <> COALESCE(d."deleted", false)`,
  },
  {
    name: 'contact deletions minus restores counted by metrics differ from the contacts deleted now',
    when: 'drained',
    sql: `SELECT w."workspace_id", COALESCE(m."net", 0) AS "counted", COALESCE(c."deleted", 0) AS "deleted"
          FROM (SELECT DISTINCT "workspace_id" FROM "contacts"."contacts" WHERE "deleted_at" IS NOT NULL
                UNION SELECT DISTINCT "workspace_id" FROM "metrics"."contact_daily_counters") w
          LEFT JOIN (SELECT "workspace_id", SUM("deleted" - "restored") AS "net" FROM "metrics"."contact_daily_counters"
                     GROUP BY "workspace_id") m ON m."workspace_id" = w."workspace_id"
          LEFT JOIN (SELECT "workspace_id", count(*) AS "deleted" FROM "contacts"."contacts" WHERE "deleted_at" IS NOT NULL
                     GROUP BY "workspace_id") c ON c."workspace_id" = w."workspace_id"
          WHERE COALESCE(m."net", 0) <> COALESCE(c."deleted", 0)`,
  },
  {
    name: 'a stored lead is not attributed to a contact',
    when: 'drained',
    // A lead from a suppressed identity is stored redacted and published to nobody.
    sql: `SELECT l."workspace_id", l."id" FROM "ingestion"."leads" l
          WHERE NOT l."suppressed" AND NOT EXISTS (SELECT 1 FROM "contacts"."contact_leads" c WHERE c."lead_id" = l."id")`,
  },
  {
    name: 'a stored lead is not counted',
    when: 'drained',
    sql: `SELECT l."workspace_id", l."id" FROM "ingestion"."leads" l
          WHERE NOT l."suppressed" AND NOT EXISTS (SELECT 1 FROM "metrics"."counted_lead_events" e
                            WHERE e."lead_id" = l."id"::text AND e."event_type" = 'lead.ingested')`,
  },
  {
    name: 'an attributed contact has no score',
    when: 'drained',
    sql: `SELECT DISTINCT c."workspace_id", COALESCE(k."merged_into", k."id") AS "contact_id" FROM "contacts"."contact_leads" c
          JOIN "contacts"."contacts" k ON k."id" = c."contact_id"
          WHERE NOT EXISTS (SELECT 1 FROM "scoring"."contact_scores" s
                            WHERE s."workspace_id" = c."workspace_id" AND s."contact_id" = COALESCE(k."merged_into", k."id") AND s."state" = 'active')`,
  },
  {
    name: 'a live opportunity is in a stage its pipeline does not have',
    when: 'always',
    sql: `SELECT o."workspace_id", o."id", o."pipeline_id", o."stage" FROM "contacts"."opportunities" o
          JOIN "contacts"."pipelines" p ON p."id" = o."pipeline_id"
          WHERE o."deleted_at" IS NULL AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p."stages") s WHERE s->>'key' = o."stage")`,
  },
  {
    name: 'deal metrics differ from the opportunity they follow (version, amount, currency, stage or deletion)',
    when: 'drained',
    sql: `SELECT o."workspace_id", o."id", o."version", d."version" AS "metrics_version" FROM "contacts"."opportunities" o
          LEFT JOIN "metrics"."deal_opportunities" d ON d."workspace_id" = o."workspace_id" AND d."opportunity_id" = o."id"
          WHERE d."opportunity_id" IS NULL OR d."version" <> o."version" OR d."amount" <> o."amount" OR d."currency" <> o."currency"
             OR d."stage" <> o."stage" OR d."deleted" <> (o."deleted_at" IS NOT NULL)`,
  },
];

const APP_SCHEMAS = ['contacts', 'scoring', 'metrics', 'ingestion'];
const SCHEMA_REFERENCE = new RegExp(`"(${APP_SCHEMAS.join('|')})"\\."`, 'g');

/** The schemas a check reads. */
function schemasOf(check: InvariantCheck): string[] {
  return [...new Set([...check.sql.matchAll(SCHEMA_REFERENCE)].map((m) => m[1] as string))];
}

/** The checks that apply here: the `always` ones (and the `drained` ones when asked) whose schemas exist. */
export async function applicableInvariantChecks(db: InvariantsQueryRunner, options: { drained: boolean }): Promise<InvariantCheck[]> {
  const present = new Set(
    (await db.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])`, [APP_SCHEMAS])).map(
      (row) => row.nspname,
    ),
  );
  return INVARIANT_CHECKS.filter(
    (check) => (check.when === 'always' || options.drained) && schemasOf(check).every((schema) => present.has(schema)),
  );
}

/** Runs the checks that apply and returns what they found: how many rows break each, and a few of them. */
export async function findInvariantViolations(db: InvariantsQueryRunner, options: { drained: boolean }): Promise<InvariantViolation[]> {
  const violations: InvariantViolation[] = [];
  for (const check of await applicableInvariantChecks(db, options)) {
    const [counted] = await db.query<{ n: number }>(`SELECT count(*)::int AS "n" FROM (${check.sql}) AS "broken"`);
    const count = counted?.n ?? 0;
    if (count > 0) violations.push({ name: check.name, count, examples: await db.query(`${check.sql} LIMIT ${EXAMPLES}`) });
  }
  return violations;
}
