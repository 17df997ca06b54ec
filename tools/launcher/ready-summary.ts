/** The table the launcher prints once every app is ready. */
import { HEALTH_PATHS, METRICS_PATH } from '@leadflow/contracts';

export interface ReadyApp {
  name: string;
  port: number;
  /** From the app's (latest) spawn to its first 200 on /health/ready. */
  readyAfterMs: number;
}

export interface ReadySummaryInput {
  apps: ReadyApp[];
  /** From the launcher's start. */
  totalMs: number;
  host: string;
  /** Printed so that a developer can send leads and call the admin API right away. */
  adminKey: string;
  intakeKey: string;
  adminEmail: string;
  adminPassword: string;
  /** `roles`: the apps' own roles, one schema each. */
  postgres: { url: string; embedded: boolean; roles: string[] };
  /** `perAppUsers`: the apps sign in as themselves, each allowed its own subjects alone. */
  nats: { url: string; embedded: boolean; perAppUsers: boolean };
  dataDir: string;
}

export function renderReadySummary(input: ReadySummaryInput): string[] {
  const base = (port: number): string => `http://${input.host}:${port}`;
  const gateway = input.apps.find((app) => app.name === 'gateway');
  const rows = [
    ['app', 'ready in', 'live', 'ready', 'metrics'],
    ...input.apps.map((app) => [
      app.name,
      `${seconds(app.readyAfterMs)} s`,
      `${base(app.port)}${HEALTH_PATHS.live}`,
      `${base(app.port)}${HEALTH_PATHS.ready}`,
      `${base(app.port)}${METRICS_PATH}`,
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const table = rows.map(
    (row) =>
      `  ${row
        .map((cell, column) => (column === 1 ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
        .join('   ')
        .trimEnd()}`,
  );
  const noun = input.apps.length === 1 ? 'app' : 'apps';
  return [
    `all ${input.apps.length} ${noun} ready in ${seconds(input.totalMs)} s`,
    '',
    ...(gateway
      ? [
          `  ▶ LeadFlow gateway: ${base(gateway.port)}   (API docs: ${base(gateway.port)}/docs)`,
          `    intake key:    ${input.intakeKey}`,
          `    admin key:     ${input.adminKey}`,
          `    admin sign-in: ${input.adminEmail} / ${input.adminPassword}   (POST ${base(gateway.port)}/api/v1/auth/login)`,
          `    send a lead:   curl -X POST ${base(gateway.port)}/api/lead -H 'X-Api-Key: ${input.intakeKey}' -H 'Content-Type: application/json' -d '{"email":"ana@example.com"}'`,
          `    read leads:    curl ${base(gateway.port)}/api/v1/leads -H 'Authorization: Bearer ${input.adminKey}'`,
          '',
        ]
      : []),
    ...table,
    '',
    `  PostgreSQL  ${input.postgres.url}${input.postgres.embedded ? `  (embedded, data in ${input.dataDir}/postgres)` : ''}`,
    `              apps sign in as ${input.postgres.roles.join(', ')}, each owning its own schema alone`,
    `  NATS        ${input.nats.url}${input.nats.embedded ? `  (local nats-server -js, store in ${input.dataDir}/nats)` : ''}`,
    ...(input.nats.perAppUsers ? [`              one user per app, allowed its own subjects alone (${input.dataDir}/nats/nats.conf)`] : []),
    '',
    '  Ctrl-C stops everything.',
  ];
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
