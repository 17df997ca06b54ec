/**
 * One PostgreSQL role per app, with rights on its own schema alone: the role owns the schema (so
 * its migrations run as itself) and is granted nothing else. The same SQL provisions the launcher's
 * database, the tests' databases and, rendered with psql variables, docker-compose and Kubernetes.
 */
import { escapeIdentifier, escapeLiteral } from 'pg';
import { withClient } from './postgres-probe';
import { assertDatabaseName, withDatabase } from './urls';

export interface AppRoleSpec {
  role: string;
  /** The one schema the role owns. */
  schema: string;
  /**
   * The role's password: `{ literal }` for a value known here, `{ psqlVariable }` for one psql
   * substitutes (`-v name=value`), or omitted for a role that signs in without one (trust or peer).
   */
  password?: { literal: string } | { psqlVariable: string };
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const DDL_TIMEOUT_MS = 30_000;

/** The role of `service` among roles named `<prefix>_<service>` (e.g. `leadflow_contacts`). */
export function appRoleName(prefix: string, service: string): string {
  const role = `${prefix}_${service}`;
  if (!NAME.test(role)) throw new Error(`invalid role name: ${role}`);
  return role;
}

/** `url` signing in as `role` (with `password` when given) instead of its own user. */
export function urlAsRole(url: string, role: string, password?: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(role);
  parsed.password = password === undefined ? '' : encodeURIComponent(password);
  return parsed.toString();
}

/**
 * SQL that makes each role a login role owning its schema and nothing else: it may connect to
 * `database` and nobody else may (PUBLIC loses CONNECT), nobody creates objects in `public`, and
 * objects an earlier superuser-run migration left in the schema are handed to the role. Idempotent.
 */
export function renderRoleProvisioning(database: string, roles: readonly AppRoleSpec[]): string {
  assertDatabaseName(database);
  const db = escapeIdentifier(database);
  const lines = [
    'BEGIN;',
    `SELECT pg_advisory_xact_lock(hashtext('leadflow:provision-roles'));`,
    `REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`,
    'REVOKE CREATE ON SCHEMA public FROM PUBLIC;',
  ];
  for (const spec of roles) {
    if (!NAME.test(spec.role)) throw new Error(`invalid role name: ${spec.role}`);
    if (!NAME.test(spec.schema)) throw new Error(`invalid schema name: ${spec.schema}`);
    const role = escapeIdentifier(spec.role);
    const schema = escapeIdentifier(spec.schema);
    lines.push(
      '',
      `-- ${spec.role}: owns schema ${spec.schema}, nothing else`,
      `DO $$ BEGIN CREATE ROLE ${role}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;`,
      `ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD ${passwordSql(spec)};`,
      `GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${role};`,
      `CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${role};`,
      `ALTER SCHEMA ${schema} OWNER TO ${role};`,
      `DO $$ DECLARE object record; BEGIN`,
      `  FOR object IN`,
      `    SELECT c.relname, CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind`,
      `    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`,
      `    WHERE n.nspname = ${escapeLiteral(spec.schema)} AND c.relkind IN ('r', 'p', 'v', 'm', 'S')`,
      `      AND c.relowner <> ${escapeLiteral(spec.role)}::regrole`,
      `      -- a sequence owned by a column follows its table`,
      `      AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))`,
      `  LOOP`,
      `    EXECUTE format('ALTER %s %I.%I OWNER TO %I', object.kind, ${escapeLiteral(spec.schema)}, object.relname, ${escapeLiteral(spec.role)});`,
      `  END LOOP;`,
      `END $$;`,
    );
  }
  lines.push('', 'COMMIT;', '');
  return lines.join('\n');
}

function passwordSql(spec: AppRoleSpec): string {
  if (!spec.password) return 'NULL';
  if ('literal' in spec.password) return escapeLiteral(spec.password.literal);
  if (!/^[a-z_][a-z0-9_]*$/.test(spec.password.psqlVariable)) throw new Error(`invalid psql variable: ${spec.password.psqlVariable}`);
  return `:'${spec.password.psqlVariable}'`;
}

/** Runs `renderRoleProvisioning` as the superuser of `adminUrl` (any database of the server). */
export async function provisionAppRoles(adminUrl: string, database: string, roles: readonly AppRoleSpec[]): Promise<void> {
  if (roles.some((spec) => spec.password && 'psqlVariable' in spec.password)) throw new Error('psql variables need psql');
  const sql = renderRoleProvisioning(database, roles);
  await withClient(withDatabase(adminUrl, database), DDL_TIMEOUT_MS, async (client) => {
    try {
      await client.query(sql);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/** Drops roles that own nothing any more (their database dropped first); missing ones are skipped. */
export async function dropRoles(adminUrl: string, roles: readonly string[]): Promise<void> {
  if (roles.length === 0) return;
  await withClient(adminUrl, DDL_TIMEOUT_MS, async (client) => {
    for (const role of roles) await client.query(`DROP ROLE IF EXISTS ${escapeIdentifier(role)}`);
  });
}
