/**
 * Keeps the servers and apps that tools start from outliving the tool. On a normal exit they are
 * signalled from an `exit` handler; a tiny watchdog process, which notices when our end of its
 * stdin pipe closes, also covers deaths that run no handler (SIGKILL, OOM): it signals the
 * children, waits 5 s, then SIGKILLs their process groups.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';

export interface GuardOptions {
  /** Signal that asks the child to stop cleanly (PostgreSQL: SIGINT = fast shutdown). */
  signal?: NodeJS.Signals;
  /** The child leads its own process group (spawned with `detached: true`): SIGKILL the whole group. */
  group?: boolean;
}

interface Guarded {
  signal: NodeJS.Signals;
  group: boolean;
}

const guarded = new Map<number, Guarded>();
let watchdog: ChildProcess | undefined;
let exitHookInstalled = false;

// Plain JavaScript run with `node -e`; protocol on stdin: "+ <pid> <signal> <0|1>" / "- <pid>".
const WATCHDOG_SOURCE = `
const entries = new Map();
let buffer = '';
const zombie = (pid) => { try { const s = require('fs').readFileSync('/proc/' + pid + '/stat', 'utf8'); return s[s.lastIndexOf(')') + 2] === 'Z'; } catch (e) { return false; } };
const alive = (pid) => { try { process.kill(pid, 0); return !zombie(pid); } catch (e) { return e.code === 'EPERM'; } };
const send = (pid, signal) => { try { process.kill(pid, signal); } catch (e) { /* already gone */ } };
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let end;
  while ((end = buffer.indexOf('\\n')) >= 0) {
    const [op, pid, signal, group] = buffer.slice(0, end).split(' ');
    buffer = buffer.slice(end + 1);
    if (op === '+') entries.set(Number(pid), { signal, group: group === '1' });
    else entries.delete(Number(pid));
  }
});
process.stdin.on('error', () => undefined);
process.stdin.on('close', () => {
  if (entries.size === 0) process.exit(0);
  for (const [pid, entry] of entries) send(pid, entry.signal);
  const deadline = Date.now() + 5000;
  const timer = setInterval(() => {
    const left = [...entries.keys()].filter(alive);
    if (left.length > 0 && Date.now() < deadline) return;
    clearInterval(timer);
    for (const [pid, entry] of entries) send(entry.group ? -pid : pid, 'SIGKILL');
    process.exit(0);
  }, 100);
});
`;

/** Registers a started child so that it is stopped if this process exits or dies first. */
export function guardChild(child: ChildProcess, options: GuardOptions = {}): void {
  const pid = child.pid;
  if (pid === undefined) return;
  const entry: Guarded = { signal: options.signal ?? 'SIGTERM', group: options.group ?? false };
  guarded.set(pid, entry);
  installExitHook();
  tellWatchdog(`+ ${pid} ${entry.signal} ${entry.group ? 1 : 0}\n`);
  child.once('exit', () => {
    guarded.delete(pid);
    tellWatchdog(`- ${pid}\n`);
  });
}

/** Sends `signal` to every guarded child still running now (to their groups for SIGKILL). */
export function signalGuardedChildren(signal: NodeJS.Signals): void {
  for (const [pid, entry] of guarded) {
    try {
      process.kill(entry.group && signal === 'SIGKILL' ? -pid : pid, signal);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [pid, entry] of guarded) {
      try {
        process.kill(pid, entry.signal);
      } catch {
        // already gone
      }
    }
  });
}

function tellWatchdog(message: string): void {
  const stdin = ensureWatchdog()?.stdin;
  if (stdin && !stdin.destroyed) stdin.write(message);
}

function ensureWatchdog(): ChildProcess | undefined {
  if (watchdog) return watchdog;
  try {
    watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true, // its own process group: a Ctrl-C in the terminal must not stop it first
      env: {},
    });
  } catch {
    return undefined; // the exit handler still covers normal exits
  }
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  // Neither the watchdog nor its pipe may keep this process alive.
  watchdog.unref();
  if (watchdog.stdin instanceof Socket) watchdog.stdin.unref();
  return watchdog;
}
