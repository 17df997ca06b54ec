/**
 * NATS for tools (the launcher, the test runner): the server at a URL when it answers with
 * JetStream, otherwise a local `nats-server -js` child. No npm package ships the server binary:
 * it comes from PATH, or from Debian's package fetched with `apt-get download` (no root needed).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, copyFile, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { connect } from 'nats';
import { findFreePort, isPortFree, waitForTcp } from './ports';
import { guardChild } from './process-guard';
import { forEachLine, LineTail } from './process-output';
import type { OnServerExit, ServerExit } from './server-exit';
import { natsServers, redactUrl } from './urls';

const execFileAsync = promisify(execFile);

/** The port a local server prefers (NATS's default). */
export const LOCAL_NATS_PORT = 4222;
const PROBE_TIMEOUT_MS = 2000;
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5000;
const BINARY = 'nats-server';
const HOW_TO_GET_ONE =
  'install it (Debian/Ubuntu: `sudo apt-get install nats-server`; elsewhere: https://github.com/nats-io/nats-server/releases) ' +
  'so that `nats-server` is on PATH, or set NATS_URL to a running NATS server started with JetStream (`nats-server -js`)';

type Log = (line: string) => void;

export interface NatsServerProcess {
  url: string;
  port: number;
  storeDir: string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store dir (JetStream data survives). No-op while running. */
  start(): Promise<void>;
}

export interface NatsHandle {
  url: string;
  /** True when the server is a local child started by this call. */
  embedded: boolean;
  /** Stops the server if this call started it; otherwise does nothing. */
  stop(): Promise<void>;
  /** Set when this call started the server: starts it again after it ended (same port, store and settings). */
  restart?: () => Promise<void>;
}

export type NatsProbeResult = { ok: true } | { ok: false; reason: string };

/**
 * A path to a `nats-server` binary: from PATH (and /usr/sbin, /usr/local/sbin), or one fetched
 * earlier into `binDir`, or fetched now with apt-get. Throws saying how to get one otherwise.
 */
export async function resolveNatsServerBinary(binDir: string, log: Log): Promise<string> {
  const onPath = await findExecutable(BINARY, ['/usr/local/sbin', '/usr/sbin', '/sbin']);
  if (onPath) return onPath;
  const fetched = path.join(path.resolve(binDir), BINARY);
  if (await isExecutable(fetched)) return fetched;
  if (!(await findExecutable('apt-get')) || !(await findExecutable('dpkg-deb'))) {
    throw new Error(`nats-server is not on PATH and apt-get/dpkg-deb are not available to fetch it: ${HOW_TO_GET_ONE}`);
  }
  log(`nats-server is not on PATH: fetching Debian's package with apt-get download into ${path.resolve(binDir)}`);
  return fetchNatsServerWithApt(binDir, log);
}

/** Downloads Debian's nats-server package (`apt-get download`, no root) and unpacks its binary as `<binDir>/nats-server`. */
export async function fetchNatsServerWithApt(binDir: string, log: Log): Promise<string> {
  const startedAt = Date.now();
  const target = path.join(path.resolve(binDir), BINARY);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'leadflow-nats-'));
  try {
    try {
      await execFileAsync('apt-get', ['download', BINARY], { cwd: scratch, timeout: 180_000, maxBuffer: 4 * 1024 * 1024 });
    } catch (error) {
      throw new Error(
        `\`apt-get download ${BINARY}\` failed (${commandOutput(error)}). If apt knows no such package, run \`apt-get update\` first; or ${HOW_TO_GET_ONE}`,
      );
    }
    const deb = (await readdir(scratch)).find((name) => name.endsWith('.deb'));
    if (!deb) throw new Error(`\`apt-get download ${BINARY}\` produced no .deb file in ${scratch}; ${HOW_TO_GET_ONE}`);
    const unpacked = path.join(scratch, 'root');
    try {
      await execFileAsync('dpkg-deb', ['-x', path.join(scratch, deb), unpacked], { timeout: 60_000 });
    } catch (error) {
      throw new Error(`\`dpkg-deb -x ${deb}\` failed: ${commandOutput(error)}`);
    }
    const candidates = ['usr/sbin', 'usr/bin', 'sbin', 'bin'].map((dir) => path.join(unpacked, dir, BINARY));
    const found = (await Promise.all(candidates.map(async (file) => ((await isExecutable(file)) ? file : undefined)))).find(Boolean);
    if (!found) throw new Error(`the package ${deb} holds no ${BINARY} binary in usr/sbin or usr/bin`);

    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.${process.pid}.partial`;
    await copyFile(found, partial);
    await chmod(partial, 0o755);
    await rename(partial, target); // atomic: a concurrent fetch or a killed run never leaves half a binary
    const version = await binaryVersion(target);
    log(`fetched ${version} (${deb}) into ${target} in ${Date.now() - startedAt} ms`);
    return target;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export interface StartNatsServerOptions {
  binary: string;
  /** Defaults to a free port, chosen once: start() after stop() reuses it. */
  port?: number;
  storeDir: string;
  /** Configuration for the server (e.g. its users), written to `<storeDir>/nats.conf`. */
  config?: string;
  log: Log;
  /** Told each time the server ends without stop(); without it, the exit is logged with its last output. */
  onExit?: OnServerExit;
}

/** Starts `nats-server -js` on 127.0.0.1 and resolves once it accepts connections. */
export async function startNatsServer(options: StartNatsServerOptions): Promise<NatsServerProcess> {
  const port = options.port ?? (await findFreePort());
  const storeDir = path.resolve(options.storeDir);
  let configFile: string | undefined;
  if (options.config !== undefined) {
    await mkdir(storeDir, { recursive: true });
    configFile = path.join(storeDir, 'nats.conf');
    await writeFile(configFile, options.config, { mode: 0o600 });
  }
  const server = new LocalNatsServer(options.binary, port, storeDir, configFile, options.log, options.onExit);
  await server.start();
  return server;
}

/** Connects to `url` (one or more comma-separated servers) and checks that JetStream answers; never throws. */
export async function probeNats(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<NatsProbeResult> {
  let servers: string[];
  try {
    servers = natsServers(url);
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
  let connection: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    connection = await connect({ servers, timeout: timeoutMs, reconnect: false, name: 'leadflow-tools' });
  } catch (error) {
    return { ok: false, reason: natsErrorMessage(error) };
  }
  try {
    const manager = await connection.jetstreamManager({ timeout: timeoutMs });
    await manager.getAccountInfo();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `a NATS server answers but JetStream does not (${natsErrorMessage(error)}); it must run with -js` };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export interface EnsureNatsOptions {
  url: string;
  /** The data root (`.data`): a fetched binary goes to `<dataDir>/bin`, the JetStream store to `<dataDir>/nats`. */
  dataDir: string;
  log: Log;
  /** Told each time a server this call started ends without stop() (see StartNatsServerOptions). */
  onExit?: OnServerExit;
}

export async function ensureNats(options: EnsureNatsOptions): Promise<NatsHandle> {
  const probe = await probeNats(options.url);
  if (probe.ok) {
    options.log(`using NATS at ${redactUrl(options.url)}`);
    return { url: options.url, embedded: false, stop: async () => undefined };
  }
  options.log(`no usable NATS at ${redactUrl(options.url)} (${probe.reason}): starting a local nats-server -js`);
  const dataDir = path.resolve(options.dataDir);
  const binary = await resolveNatsServerBinary(path.join(dataDir, 'bin'), options.log);
  const port = (await isPortFree(LOCAL_NATS_PORT)) ? LOCAL_NATS_PORT : await findFreePort();
  const server = await startNatsServer({ binary, port, storeDir: path.join(dataDir, 'nats'), log: options.log, onExit: options.onExit });
  return { url: server.url, embedded: true, stop: () => server.stop(), restart: () => server.start() };
}

class LocalNatsServer implements NatsServerProcess {
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly binary: string,
    readonly port: number,
    readonly storeDir: string,
    private readonly configFile: string | undefined,
    private readonly log: Log,
    private readonly onExit: OnServerExit | undefined,
  ) {
    this.url = `nats://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    if (this.child) return;
    this.stopping = false;
    const startedAt = Date.now();
    await mkdir(this.storeDir, { recursive: true });
    // Checked first: another server on the port would answer the readiness wait for ours.
    if (!(await isPortFree(this.port))) {
      throw new Error(`cannot start nats-server on 127.0.0.1:${this.port}: the port is in use (is another nats-server running?)`);
    }
    if (this.stopping) throw new Error(`nats-server on port ${this.port} was stopped while it was starting`);
    const tail = new LineTail();
    const config = this.configFile ? ['-c', this.configFile] : [];
    const child = spawn(this.binary, [...config, '-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      detached: true, // own process group: a terminal Ctrl-C reaches the launcher, which decides the order
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    guardChild(child, { signal: 'SIGTERM', group: true });
    forEachLine(child.stdout, (line) => tail.add(line));
    forEachLine(child.stderr, (line) => tail.add(line));

    const failed = new AbortController();
    let answeredAt: number | undefined = undefined; // until the server answers: an exit is a failed start-up
    this.exited = new Promise<void>((resolve) => {
      let reported = false;
      const gone = (how: string): void => {
        if (this.child === child) this.child = undefined;
        if (!reported) {
          reported = true;
          if (answeredAt === undefined) failed.abort(new Error(`it exited during start-up (${how})`));
          else if (!this.stopping) this.reportExit({ how, uptimeMs: Date.now() - answeredAt, lastOutput: tail.toString() });
        }
        resolve();
      };
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => gone(signal ? `signal ${signal}` : `exit code ${code}`));
      child.once('error', (error) => gone(error.message));
    });

    try {
      await waitForTcp({ host: '127.0.0.1', port: this.port, timeoutMs: START_TIMEOUT_MS, signal: failed.signal });
    } catch (error) {
      await this.stop();
      throw new Error(
        `${this.binary} did not start on 127.0.0.1:${this.port} (store ${this.storeDir}): ${errorMessage(error)}\n  its output:\n${tail}`,
      );
    }
    answeredAt = Date.now();
    this.log(
      `nats-server with JetStream listening on ${this.url} (pid ${child.pid}, store ${this.storeDir}, ready in ${Date.now() - startedAt} ms)`,
    );
  }

  private reportExit(exit: ServerExit): void {
    if (this.onExit) this.onExit(exit);
    else this.log(`nats-server on port ${this.port} exited unexpectedly (${exit.how}); last output:\n${exit.lastOutput}`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child) return this.exited;
    child.kill('SIGTERM');
    const gone = await Promise.race([this.exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
    if (!gone && child.pid !== undefined) {
      this.log(`nats-server pid ${child.pid} did not stop within ${STOP_TIMEOUT_MS / 1000} s: killing it`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await this.exited;
    }
  }
}

async function findExecutable(name: string, extraDirs: string[] = []): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function binaryVersion(binary: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(binary, ['--version'], { timeout: 10_000 });
    return stdout.trim() || BINARY;
  } catch (error) {
    throw new Error(`${binary} does not run: ${commandOutput(error)}`);
  }
}

function natsErrorMessage(error: unknown): string {
  const message = errorMessage(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

function commandOutput(error: unknown): string {
  const { stderr } = error as { stderr?: unknown };
  const output = typeof stderr === 'string' ? stderr.trim() : '';
  return output.length > 0 ? `${errorMessage(error).split('\n')[0]}: ${output}` : errorMessage(error);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
