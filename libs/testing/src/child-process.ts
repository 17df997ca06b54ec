import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

export interface RunningProcess {
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until a line containing `text` is printed. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts a TypeScript entry point (test fixture) or a built app as a child process. */
export function startProcess(entry: string, env: Record<string, string>, options: { typescript?: boolean } = {}): RunningProcess {
  const args = options.typescript === false ? ['--enable-source-maps', entry] : [path.join(root, 'tools', 'run-ts.js'), entry];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters: Array<() => void> = [];
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const waiter of waiters.splice(0)) waiter();
      resolve({ code, signal });
    });
  });
  let exitedFlag = false;
  void exited.then(() => (exitedFlag = true));
  return {
    child,
    output: () => output,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (!exitedFlag) child.kill(signal);
    },
    waitForOutput: async (text, timeoutMs = 30000) => {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (exitedFlag) throw new Error(`process exited before printing "${text}". Output:\n${output.slice(-4000)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}". Output:\n${output.slice(-4000)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}
