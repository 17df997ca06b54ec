import { appRoleName, renderRoleProvisioning, urlAsRole } from './postgres-roles';

describe('per-app database roles', () => {
  it('names roles <prefix>_<app> and refuses names PostgreSQL would have to quote', () => {
    expect(appRoleName('leadflow', 'contacts')).toBe('leadflow_contacts');
    expect(() => appRoleName('Lead-Flow', 'contacts')).toThrow('invalid role name: Lead-Flow_contacts');
  });

  it('signs a URL in as the role, with its password escaped', () => {
    expect(urlAsRole('postgres://postgres:pw@db:5432/leadflow?sslmode=require', 'leadflow_metrics', 'a/b@c')).toBe(
      'postgres://leadflow_metrics:a%2Fb%40c@db:5432/leadflow?sslmode=require',
    );
  });

  it('renders each role as the owner of its schema alone, with passwords as literals or psql variables', () => {
    const sql = renderRoleProvisioning('leadflow', [
      { role: 'leadflow_gateway', schema: 'gateway', password: { psqlVariable: 'gateway_password' } },
      { role: 'leadflow_metrics', schema: 'metrics', password: { literal: "it's" } },
    ]);
    expect(sql).toContain('REVOKE ALL ON DATABASE "leadflow" FROM PUBLIC;');
    expect(sql).toContain(
      `ALTER ROLE "leadflow_gateway" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD :'gateway_password';`,
    );
    expect(sql).toContain(`PASSWORD 'it''s';`);
    expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS "metrics" AUTHORIZATION "leadflow_metrics";');
    expect(sql).not.toMatch(/GRANT [^;]* ON (SCHEMA|TABLE|ALL)/);
    expect(sql.trim().startsWith('BEGIN;') && sql.trim().endsWith('COMMIT;')).toBe(true);
  });

  it('refuses a psql variable or schema name that could carry SQL', () => {
    expect(() => renderRoleProvisioning('leadflow', [{ role: 'r', schema: 's', password: { psqlVariable: "x';DROP" } }])).toThrow(
      'invalid psql variable',
    );
    expect(() => renderRoleProvisioning('leadflow', [{ role: 'r', schema: 's"; DROP', password: undefined }])).toThrow(
      'invalid schema name',
    );
  });
});
