/** Runs one command with test services provided: `node tools/run-ts.js tools/test/with-services.ts jest …`. */
import { spawn } from 'node:child_process';
import { startTestServices } from './services';

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    process.stderr.write('usage: with-services <command> [args...]\n');
    return 2;
  }
  const services = await startTestServices();
  try {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...services.env }, shell: false });
    return await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await services.cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
