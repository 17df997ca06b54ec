/**
 * `npm test`: everything CI runs. Lint (through Nx), format check, type-check, unit tests, then with a real
 * PostgreSQL and NATS (configured, or started locally), integration tests and the end-to-end
 * suite (which builds the apps first). Ends with one `tests: N passed, N failed` line over all Jest suites.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestServices } from './services';

const root = path.resolve(__dirname, '..', '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

interface StepResult {
  name: string;
  ok: boolean;
  ms: number;
  passed?: number;
  failed?: number;
}

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function step(name: string, work: () => Promise<number>): Promise<StepResult> {
  process.stdout.write(`\n=== ${name}\n`);
  const started = Date.now();
  const code = await work();
  return { name, ok: code === 0, ms: Date.now() - started };
}

async function jestStep(name: string, config: string, env: Record<string, string> = {}): Promise<StepResult> {
  const outputFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'leadflow-jest-')), 'results.json');
  const result = await step(name, () => run(bin('jest'), ['--config', config, '--json', `--outputFile=${outputFile}`], env));
  try {
    const summary = JSON.parse(await readFile(outputFile, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
    };
    if (summary.numPendingTests > 0) {
      process.stdout.write(`${name}: ${summary.numPendingTests} skipped tests; every test must run\n`);
      return { ...result, ok: false, passed: summary.numPassedTests, failed: summary.numFailedTests + summary.numPendingTests };
    }
    return { ...result, passed: summary.numPassedTests, failed: summary.numFailedTests };
  } catch {
    return { ...result, ok: false, passed: 0, failed: 1 };
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const results: StepResult[] = [];
  results.push(await step('lint (nx run-many -t lint)', () => run(bin('nx'), ['run-many', '-t', 'lint', '--outputStyle=static'])));
  results.push(await step('format (prettier --check)', () => run(bin('prettier'), ['--check', '--log-level=warn', '.'])));
  results.push(await step('type-check', () => run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])));
  results.push(await jestStep('unit tests', 'jest.config.js'));

  const services = await startTestServices();
  try {
    results.push(await jestStep('integration tests', 'jest.int.config.js', services.env));
    results.push(await jestStep('end-to-end tests', 'jest.e2e.config.js', services.env));
  } finally {
    await services.cleanup();
  }

  process.stdout.write('\n=== summary\n');
  for (const r of results) {
    const counts = r.passed === undefined ? '' : ` (${r.passed} passed, ${r.failed} failed)`;
    process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${counts} in ${(r.ms / 1000).toFixed(1)} s\n`);
  }
  const passed = results.reduce((n, r) => n + (r.passed ?? 0), 0);
  const failed = results.reduce((n, r) => n + (r.failed ?? 0), 0);
  const allOk = results.every((r) => r.ok);
  process.stdout.write(`total time ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
  return allOk && failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm test failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
