/**
 * The deployments against the apps themselves. Each app is built as its image builds it
 * (`build.ts <app>`: the app and the libraries it ships with), then asked, with the environment a
 * deployment gives it, what it would run with (`main.js check-env`, NODE_ENV=production). Every
 * Kubernetes overlay and docker-compose.yml must start each app (every variable it requires is
 * there and valid), probe the port and paths it serves, sign it in as the NATS user and database
 * role provisioned for it, and give it time to drain. `main.js migrate` is run against a real
 * database as the app's own role.
 */
import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SERVICE_NAMES, type ServiceEnvReport, type ServiceName } from '@leadflow/contracts';
import { appRoleName } from '@leadflow/dev-services';
import { createTestDatabase, type TestDatabase } from '@leadflow/testing';
import { buildWorkspace } from '../../build';
import { type AppDeployment, composeAppDeployments, composeConfig, k8sAppDeployments, OVERLAYS, renderOverlay, ROOT } from '../deployments';
import { DEPLOYED_DATABASE, natsPasswordKey } from '../names';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a built app's command with exactly `env` (and PATH), as a container would; the build sits
 * outside the workspace, so NODE_PATH points at the workspace's packages, as /app/node_modules does
 * in the image.
 */
function runApp(service: ServiceName, args: string[], env: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(builds, service, 'main.js'), ...args],
      { env: { PATH: process.env.PATH ?? '', NODE_PATH: path.join(ROOT, 'node_modules'), ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

let builds: string;
const deployments = new Map<string, AppDeployment[]>();

beforeAll(async () => {
  builds = await mkdtemp(path.join(os.tmpdir(), 'leadflow-app-builds-'));
  await Promise.all(SERVICE_NAMES.map((service) => buildWorkspace(path.join(builds, service), service)));
  deployments.set('docker-compose.yml', composeAppDeployments((await composeConfig()).services));
  for (const overlay of OVERLAYS) deployments.set(`k8s/overlays/${overlay}`, k8sAppDeployments(await renderOverlay(overlay)));
}, 120_000);

afterAll(async () => {
  await rm(builds, { recursive: true, force: true });
});

describe('each app as its image builds it', () => {
  it.each(SERVICE_NAMES)('%s needs only the production dependencies of package.json', async (service) => {
    const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const files = (await readdir(path.join(builds, service), { recursive: true })).filter((file) => file.endsWith('.js'));
    expect(files).toContain(path.join('apps', service, 'src', 'main.js'));
    expect(files.some((file) => file.startsWith(path.join('apps', service === 'gateway' ? 'ingestion' : 'gateway')))).toBe(false);
    expect(files.some((file) => /libs\/(testing|dev-services)\//.test(file))).toBe(false);
    const required = new Set<string>();
    for (const file of files) {
      const code = await readFile(path.join(builds, service, file), 'utf8');
      for (const [, specifier] of code.matchAll(/require\(["']([^"'./][^"']*)["']\)/g)) {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
        if (!name.startsWith('node:') && !builtinModules.includes(name) && !name.startsWith('@leadflow/')) required.add(name);
      }
    }
    expect(required.size).toBeGreaterThan(3);
    expect([...required].filter((name) => !(name in manifest.dependencies))).toEqual([]);
  });
});

describe.each(['docker-compose.yml', ...OVERLAYS.map((overlay) => `k8s/overlays/${overlay}`)])('%s', (deployment) => {
  const outcomes = new Map<ServiceName, Outcome>();
  /** What the app would run with, or the reason it would not start. */
  const reportOf = (service: ServiceName): ServiceEnvReport => {
    const outcome = outcomes.get(service);
    if (outcome?.code !== 0)
      throw new Error(`${service} would not start with ${deployment}'s environment (exit ${outcome?.code}):\n${outcome?.stderr}`);
    return JSON.parse(outcome.stdout) as ServiceEnvReport;
  };
  const appOf = (service: ServiceName) => {
    const app = deployments.get(deployment)?.find((candidate) => candidate.service === service);
    if (!app) throw new Error(`${deployment} does not deploy ${service}`);
    return app;
  };

  beforeAll(async () => {
    await Promise.all(
      SERVICE_NAMES.map(async (service) => outcomes.set(service, await runApp(service, ['check-env'], appOf(service).env))),
    );
  }, 60_000);

  it.each(SERVICE_NAMES)('%s: starts in production with the environment given, every required variable set', (service) => {
    const { env } = appOf(service);
    const report = reportOf(service);
    expect(env.NODE_ENV).toBe('production');
    expect(report.service).toBe(service);
    expect(report.requiredInProduction).toEqual(expect.arrayContaining(['DATABASE_URL', 'NATS_URL', 'NATS_USER', 'NATS_PASSWORD']));
    expect(report.requiredInProduction.filter((name) => !env[name])).toEqual([]);
  });

  it.each(SERVICE_NAMES)('%s: probes the port the app listens on, on the paths it serves', (service) => {
    const app = appOf(service);
    const report = reportOf(service);
    expect(app.httpPorts).toEqual(deployment === 'docker-compose.yml' && service !== 'gateway' ? [] : [report.httpPort]);
    for (const probe of app.probes) {
      expect(probe.port).toBe(report.httpPort);
      expect(Object.values(report.healthPaths)).toContain(probe.path);
    }
    expect(app.probes.some((probe) => probe.path === report.healthPaths.ready)).toBe(true);
  });

  it.each(SERVICE_NAMES)('%s: signs in as the NATS user and database role provisioned for it', async (service) => {
    const report = reportOf(service);
    const auth = await readFile(path.join(ROOT, 'k8s/base/nats/auth.conf'), 'utf8');
    expect(report.natsUser).toBe(service);
    expect(auth).toContain(`user: "${report.natsUser}"\n      password: $${natsPasswordKey(service)}\n`);
    const roles = await readFile(path.join(ROOT, 'k8s/base/postgres/provision-roles.sql'), 'utf8');
    expect(report.databaseUser).toBe(appRoleName(DEPLOYED_DATABASE, service));
    expect(roles).toContain(`CREATE SCHEMA IF NOT EXISTS "${service}" AUTHORIZATION "${report.databaseUser}";`);
  });

  it.each(SERVICE_NAMES)('%s: is given longer to stop than its own drain takes', (service) => {
    expect(appOf(service).drainSeconds).toBeGreaterThan(reportOf(service).shutdownTimeoutMs / 1000);
  });
});

describe('an app refused by its deployment', () => {
  it('stops with the missing variable named, so a deployment that drops one fails the checks above', async () => {
    const [{ env }] = composeAppDeployments((await composeConfig()).services).filter((app) => app.service === 'contacts');
    const { NATS_PASSWORD: _dropped, ...rest } = env;
    const outcome = await runApp('contacts', ['check-env'], rest);
    expect(outcome.code).toBe(78);
    expect(outcome.stderr).toContain('NATS_PASSWORD: must be set when NODE_ENV is production');
    expect(outcome.stdout).toBe('');
  });
});

describe('main.js migrate (the migration Job)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('deploymigrate');
  });
  afterAll(async () => {
    await database.drop();
  });

  it.each(SERVICE_NAMES)("%s: applies its schema's migrations as its own role, then finds nothing to do", async (service) => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: await database.appUrl(service),
      NATS_URL: 'nats://nats.invalid:4222',
      NATS_USER: service,
      NATS_PASSWORD: 'unused',
    };
    const first = await runApp(service, ['migrate'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/"msg":"applied \d+ migrations"/);
    const tables = await database.query<{ owner: string }>(`SELECT tableowner AS owner FROM pg_tables WHERE schemaname = $1`, [service]);
    expect(tables.length).toBeGreaterThan(2);
    expect(new Set(tables.map((table) => table.owner)).size).toBe(1);
    expect(tables[0].owner).toMatch(new RegExp(`_${service}$`));
    const second = await runApp(service, ['migrate'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('"msg":"schema up to date"');
  });
});
