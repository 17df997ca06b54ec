/**
 * `npm start`: PostgreSQL and NATS (the configured ones when they answer, embedded ones under
 * .data/ otherwise), a build, the apps under supervision, and an orderly stop on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildWorkspace } from '../build';
import { appNatsUsers, HEALTH_PATHS, NatsNamespace, renderNatsAuthorization, type ServiceName } from '@leadflow/contracts';
import {
  appNodeFlags,
  appRoleName,
  ensureDatabase,
  ensureNats,
  ensurePostgres,
  findFreePort,
  isPortFree,
  LOCAL_NATS_PORT,
  type NatsHandle,
  type PostgresHandle,
  provisionAppRoles,
  type ServerExit,
  redactUrl,
  resolveNatsServerBinary,
  signalGuardedChildren,
  startNatsServer,
  urlAsRole,
  withDatabase,
} from '@leadflow/dev-services';
import { readLauncherConfig, type AppDefinition, type LauncherConfig } from './config';
import { ConsoleOutput, shouldUseColor } from './console-output';
import { pollUntilReady } from './readiness';
import { renderReadySummary } from './ready-summary';
import { ServerSupervisor } from './server-supervisor';
import { Supervisor, type CrashReport } from './supervisor';

const ROOT = path.resolve(__dirname, '..', '..');
const HOST = '127.0.0.1';
/** After this long without every app ready, say which ones are missing (and again every 30 s). */
const SLOW_START_MS = 90_000;

interface AppRun {
  app: AppDefinition;
  supervisor: Supervisor;
  spawnedAt: number;
  ready: boolean;
  readyAfterMs: number;
  lastStatus: number | string;
  polling: AbortController | undefined;
}

class Launcher {
  private readonly startedAt = Date.now();
  private readonly runs: AppRun[] = [];
  private postgres: PostgresHandle | undefined;
  private nats: NatsHandle | undefined;
  /** One per server this launcher started itself, which it restarts when it ends. */
  private readonly serverSupervisors: ServerSupervisor[] = [];
  private databaseUrl = '';
  /** Each app's database role and NATS user get a password made for this run. */
  private readonly passwords = new Map<ServiceName, { database: string; nats: string }>();
  private natsUsers = false;
  private stopRequested = false;
  private stopping: Promise<never> | undefined;
  private startupDone: Promise<void> = Promise.resolve();
  private summaryPrinted = false;
  private slowStartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: LauncherConfig,
    private readonly output: ConsoleOutput,
  ) {}

  start(): Promise<void> {
    const startup = this.startUp();
    this.startupDone = startup.then(
      () => undefined,
      () => undefined,
    );
    return startup;
  }

  /** Stops apps, then the servers this launcher started, then exits with `exitCode`. Idempotent. */
  stop(reason: string, exitCode: number): Promise<never> {
    this.stopping ??= this.stopInOrder(reason, exitCode);
    return this.stopping;
  }

  /** Second Ctrl-C: SIGKILL every process this launcher started, and exit. */
  forceStop(): never {
    this.log('forced stop: killing every process the launcher started');
    for (const run of this.runs) run.supervisor.kill();
    signalGuardedChildren('SIGKILL');
    process.exit(130);
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  private log(line: string): void {
    this.output.lines('launcher', line);
  }

  private async startUp(): Promise<void> {
    const { config } = this;
    this.log(`starting ${config.apps.map((app) => app.name).join(', ')} (data in ${relative(config.dataDir)}/)`);
    await this.assertPortsFree();
    await mkdir(config.dataDir, { recursive: true });

    const log = (line: string): void => this.log(line);
    const results = await Promise.allSettled([
      this.startPostgres(log).then((handle) => {
        this.postgres = handle;
      }),
      this.startNats(log).then((handle) => {
        this.nats = handle;
      }),
      buildWorkspace(config.buildDir).then(
        ({ files, ms }) => this.log(`built ${files} files into ${relative(config.buildDir)}/ in ${ms} ms`),
        (error: unknown) => {
          throw new Error(`the build failed: ${errorMessage(error)}`);
        },
      ),
    ]);
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
    if (this.stopRequested || !this.postgres || !this.nats) return;

    const databaseUrl = await ensureDatabase(this.postgres.url, config.databaseName);
    this.databaseUrl = databaseUrl;
    await this.provisionRoles();
    this.log(`database ${config.databaseName} is ready at ${redactUrl(databaseUrl)}, one role per app`);
    await this.assertEntriesExist();
    if (this.stopRequested) return;

    for (const app of config.apps) this.startApp(app, databaseUrl, this.nats.url);
    this.slowStartTimer = setTimeout(() => this.reportSlowStart(), SLOW_START_MS);
    this.slowStartTimer.unref();
  }

  /** DATABASE_URL's server when it answers; otherwise an embedded one, restarted when it ends. */
  private async startPostgres(log: (line: string) => void): Promise<PostgresHandle> {
    let supervisor: ServerSupervisor | undefined;
    const handle = await ensurePostgres({
      url: withDatabase(this.config.databaseUrl, 'postgres'),
      dataDir: this.config.dataDir,
      log,
      onExit: (exit) => supervisor?.exited(exit),
    });
    if (handle.restart)
      supervisor = this.superviseServer(`embedded PostgreSQL on port ${portOf(handle.url)}`, 'data directory and port', handle.restart);
    return handle;
  }

  /**
   * NATS_URL's server as it is; otherwise a nats-server of the launcher's own, with one user per
   * app. A server the launcher started is restarted when it ends.
   */
  private async startNats(log: (line: string) => void): Promise<NatsHandle> {
    const { config } = this;
    let supervisor: ServerSupervisor | undefined;
    const onExit = (exit: ServerExit): void => supervisor?.exited(exit);
    let handle: NatsHandle;
    if (config.natsUrl) {
      handle = await ensureNats({ url: config.natsUrl, dataDir: config.dataDir, log, onExit });
      if (!handle.embedded)
        log('NATS_URL is set: the apps connect to it without per-app users; its own configuration decides who may do what');
    } else {
      const binary = await resolveNatsServerBinary(path.join(config.dataDir, 'bin'), log);
      const port = (await isPortFree(LOCAL_NATS_PORT)) ? LOCAL_NATS_PORT : await findFreePort();
      const users = appNatsUsers(new NatsNamespace(''), (service) => this.passwordsOf(service).nats);
      const server = await startNatsServer({
        binary,
        port,
        storeDir: path.join(config.dataDir, 'nats'),
        config: renderNatsAuthorization(users),
        log,
        onExit,
      });
      this.natsUsers = true;
      handle = { url: server.url, embedded: true, stop: () => server.stop(), restart: () => server.start() };
    }
    if (handle.restart)
      supervisor = this.superviseServer(`nats-server on port ${portOf(handle.url)}`, 'configuration, store and port', handle.restart);
    return handle;
  }

  private superviseServer(name: string, keeps: string, restart: () => Promise<void>): ServerSupervisor {
    const supervisor = new ServerSupervisor({
      name,
      keeps,
      restart,
      log: (line) => this.log(line),
      giveUp: (reason) => void this.stop(reason, 1),
    });
    this.serverSupervisors.push(supervisor);
    return supervisor;
  }

  /** One role per app owning the app's schema alone (see renderRoleProvisioning). */
  private async provisionRoles(): Promise<void> {
    const { config } = this;
    const roles = config.apps.map((app) => ({
      role: appRoleName(config.databaseName, app.name),
      schema: app.name,
      password: { literal: this.passwordsOf(app.name).database },
    }));
    try {
      await provisionAppRoles(this.postgres?.url ?? '', config.databaseName, roles);
    } catch (error) {
      throw new Error(
        `creating the apps' database roles (${roles.map((spec) => spec.role).join(', ')}) failed: ${errorMessage(error)}; ` +
          'the user of DATABASE_URL needs CREATEROLE and must own the database (a superuser does)',
      );
    }
  }

  private passwordsOf(service: ServiceName): { database: string; nats: string } {
    let passwords = this.passwords.get(service);
    if (!passwords) {
      passwords = { database: randomBytes(18).toString('base64url'), nats: randomBytes(18).toString('base64url') };
      this.passwords.set(service, passwords);
    }
    return passwords;
  }

  private startApp(app: AppDefinition, databaseUrl: string, natsUrl: string): void {
    const passwords = this.passwordsOf(app.name);
    const natsUser = this.natsUsers ? { NATS_USER: app.name, NATS_PASSWORD: passwords.nats } : {};
    const supervisor = new Supervisor(
      {
        name: app.name,
        command: process.execPath,
        args: [...appNodeFlags(app.name), this.entryOf(app)],
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: urlAsRole(databaseUrl, appRoleName(this.config.databaseName, app.name), passwords.database),
          NATS_URL: natsUrl,
          ...natsUser,
          HTTP_PORT: String(app.port),
          LOG_LEVEL: this.config.logLevel,
          BOOTSTRAP_ADMIN_KEY: this.config.adminKey,
          BOOTSTRAP_INTAKE_KEY: this.config.intakeKey,
          BOOTSTRAP_ADMIN_EMAIL: this.config.adminEmail,
          BOOTSTRAP_ADMIN_PASSWORD: this.config.adminPassword,
          AUTH_TOKEN_SECRET: this.config.tokenSecret,
          // Development receivers run on this machine: the gateway may deliver webhooks to loopback and private addresses.
          WEBHOOK_ALLOW_PRIVATE_TARGETS: process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? 'true',
        },
      },
      {
        onOutput: (stream, line) => this.output.line(app.name, line, stream),
        onSpawn: (pid, attempt) => this.onSpawn(run, pid, attempt),
        onCrash: (report) => this.onCrash(run, report),
      },
    );
    const run: AppRun = {
      app,
      supervisor,
      spawnedAt: Date.now(),
      ready: false,
      readyAfterMs: 0,
      lastStatus: 'not asked yet',
      polling: undefined,
    };
    this.runs.push(run);
    supervisor.start();
  }

  private onSpawn(run: AppRun, pid: number, attempt: number): void {
    run.spawnedAt = Date.now();
    run.ready = false;
    run.polling?.abort();
    const polling = new AbortController();
    run.polling = polling;
    this.log(`${attempt === 1 ? 'started' : 'restarted'} ${run.app.name} (pid ${pid}, http port ${run.app.port})`);
    void pollUntilReady(`http://${HOST}:${run.app.port}${HEALTH_PATHS.ready}`, {
      signal: polling.signal,
      onAttempt: (status) => (run.lastStatus = status),
    }).then((ready) => {
      if (!ready || this.isStopping) return;
      run.ready = true;
      run.readyAfterMs = Date.now() - run.spawnedAt;
      this.onReady(run, attempt);
    });
  }

  private onReady(run: AppRun, attempt: number): void {
    const after = `${seconds(run.readyAfterMs)} s after its ${attempt === 1 ? 'start' : 'restart'}`;
    if (this.summaryPrinted) {
      this.log(`${run.app.name} is ready again, ${after}`);
      return;
    }
    this.log(`${run.app.name} is ready, ${after}`);
    if (!this.runs.every((candidate) => candidate.ready) || this.runs.length < this.config.apps.length) return;
    this.summaryPrinted = true;
    if (this.slowStartTimer) clearTimeout(this.slowStartTimer);
    const summary = renderReadySummary({
      apps: this.runs.map(({ app, readyAfterMs }) => ({ name: app.name, port: app.port, readyAfterMs })),
      totalMs: Date.now() - this.startedAt,
      host: HOST,
      adminKey: this.config.adminKey,
      intakeKey: this.config.intakeKey,
      adminEmail: this.config.adminEmail,
      adminPassword: this.config.adminPassword,
      postgres: {
        url: redactUrl(this.databaseUrl),
        embedded: this.postgres?.embedded ?? false,
        roles: this.config.apps.map((app) => appRoleName(this.config.databaseName, app.name)),
      },
      nats: { url: redactUrl(this.nats?.url ?? ''), embedded: this.nats?.embedded ?? false, perAppUsers: this.natsUsers },
      dataDir: relative(this.config.dataDir),
    });
    for (const line of summary) this.log(line);
  }

  private onCrash(run: AppRun, report: CrashReport): void {
    run.ready = false;
    run.polling?.abort();
    const how = report.error ?? (report.signal ? `signal ${report.signal}` : `exit code ${report.code}`);
    this.log(
      `${run.app.name} exited unexpectedly (${how}) after ${seconds(report.uptimeMs)} s; ` +
        `restarting in ${seconds(report.restartInMs)} s (crash ${report.crashes} in a row)`,
    );
  }

  private reportSlowStart(): void {
    if (this.summaryPrinted || this.isStopping) return;
    const waiting = this.runs.filter((run) => !run.ready).map((run) => `${run.app.name} (${HEALTH_PATHS.ready}: ${run.lastStatus})`);
    this.log(`still waiting after ${seconds(Date.now() - this.startedAt)} s for ${waiting.join(', ')}`);
    this.slowStartTimer = setTimeout(() => this.reportSlowStart(), 30_000);
    this.slowStartTimer.unref();
  }

  private async stopInOrder(reason: string, exitCode: number): Promise<never> {
    this.stopRequested = true;
    if (this.slowStartTimer) clearTimeout(this.slowStartTimer);
    this.log(`${reason}: stopping${exitCode === 0 ? ' (press Ctrl-C again to kill everything at once)' : ''}`);
    await this.startupDone; // a server still starting is stopped once it is up
    // No server restarts while stopping; one under way finishes before its server is stopped.
    const serversSettled = Promise.all(this.serverSupervisors.map((supervisor) => supervisor.stop()));

    for (const run of this.runs) run.polling?.abort();
    const graceS = this.config.stopGraceMs / 1000;
    await Promise.all(
      this.runs.map(async ({ app, supervisor }) => {
        const outcome = await supervisor.stop(this.config.stopGraceMs);
        if (outcome === 'exited') this.log(`${app.name} stopped`);
        if (outcome === 'killed') this.log(`${app.name} did not stop within ${graceS} s: killed`);
      }),
    );

    await serversSettled;
    await Promise.all([this.stopServer('nats-server', this.nats), this.stopServer('embedded PostgreSQL', this.postgres)]);
    this.log('everything the launcher started has stopped');
    process.exit(exitCode);
  }

  private async stopServer(name: string, handle: { embedded: boolean; stop(): Promise<void> } | undefined): Promise<void> {
    if (!handle?.embedded) return;
    try {
      await handle.stop();
      this.log(`${name} stopped`);
    } catch (error) {
      this.log(`stopping ${name} failed: ${errorMessage(error)}`);
    }
  }

  private async assertPortsFree(): Promise<void> {
    const busy: string[] = [];
    for (const app of this.config.apps) {
      // 0.0.0.0: the apps listen on every interface; this also catches a listener on 127.0.0.1 only.
      if (!(await isPortFree(app.port, '0.0.0.0'))) busy.push(`${app.port} (${app.name})`);
    }
    if (busy.length > 0) {
      throw new Error(
        `port ${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} already in use: is another launcher or app running? ` +
          `(\`ss -ltnp\` shows who listens; LEADFLOW_APPS=<names> starts a subset)`,
      );
    }
  }

  private entryOf(app: AppDefinition): string {
    return path.join(this.config.buildDir, 'apps', app.name, 'src', 'main.js');
  }

  private async assertEntriesExist(): Promise<void> {
    const missing: string[] = [];
    for (const app of this.config.apps) {
      const exists = await access(this.entryOf(app)).then(
        () => true,
        () => false,
      );
      if (!exists) missing.push(app.name);
    }
    if (missing.length > 0) {
      const files = missing.map((name) => `apps/${name}/src/main.ts`).join(', ');
      throw new Error(`nothing to start for ${missing.join(', ')}: ${files} not found (LEADFLOW_APPS=<names> starts a subset)`);
    }
  }
}

/** The port of a server's URL (`nats://127.0.0.1:4222`, `postgres://…@127.0.0.1:54329/postgres`). */
function portOf(url: string): string {
  return new URL(url).port;
}

function relative(target: string): string {
  return path.relative(process.cwd(), target) || '.';
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function main(): void {
  const output = new ConsoleOutput(shouldUseColor(process.stdout, process.env));
  let config: LauncherConfig;
  try {
    config = readLauncherConfig(process.env, ROOT);
  } catch (error) {
    output.line('launcher', `configuration error: ${errorMessage(error)}`, 'stderr');
    process.exit(2);
  }
  const launcher = new Launcher(config, output);

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!launcher.isStopping) void launcher.stop(signal === 'SIGINT' ? 'Ctrl-C' : signal, 0);
      // A second Ctrl-C forces; a hang-up while stopping (the terminal closed after `npm` exited) does not.
      else if (signal !== 'SIGHUP') launcher.forceStop();
    });
  }
  process.on('uncaughtException', (error) => {
    output.line('launcher', `internal error: ${error.stack ?? error.message}`, 'stderr');
    void launcher.stop('internal error', 1);
  });

  launcher.start().catch((error: unknown) => {
    output.line('launcher', `cannot start: ${errorMessage(error)}`, 'stderr');
    void launcher.stop('start-up failed', 1);
  });
}

if (require.main === module) main();
