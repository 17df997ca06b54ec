import { AppHarness } from '@leadflow/testing';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

interface RedoclyProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: Array<{ pointer?: string }>;
}

/** The OpenAPI document the gateway serves, linted by Redocly with its recommended rules. */
describe('gateway: OpenAPI document', () => {
  let h: AppHarness;
  let directory: string;

  beforeAll(async () => {
    h = await AppHarness.start('gateway');
    directory = await mkdtemp(path.join(os.tmpdir(), 'leadflow-openapi-'));
  });

  afterAll(async () => {
    await h?.stop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('passes redocly lint with the recommended rules, without an error', async () => {
    const response = await fetch(`http://127.0.0.1:${h.port}/docs/openapi.json`);
    expect(response.status).toBe(200);
    const file = path.join(directory, 'openapi.json');
    await writeFile(file, await response.text());

    const lint = spawnSync(path.join(root, 'node_modules', '.bin', 'redocly'), ['lint', file, '--extends=recommended', '--format=json'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    const report = JSON.parse(lint.stdout) as { totals: { errors: number; warnings: number }; problems: RedoclyProblem[] };
    const where = (problem: RedoclyProblem) => `${problem.ruleId} at ${problem.location[0]?.pointer ?? '?'}: ${problem.message}`;
    expect(report.problems.filter((problem) => problem.severity === 'error').map(where)).toEqual([]);
    expect(report.totals.errors).toBe(0);
    // The two warnings left are true of the API: no license (the project is UNLICENSED), and GET
    // /health answers no 4xx.
    expect(report.problems.filter((problem) => problem.severity === 'warn').map(where)).toEqual([
      expect.stringMatching(/^info-license at #\/info:/),
      expect.stringMatching(/^operation-4xx-response at #\/paths\/~1health\/get\/responses:/),
    ]);
  });
});
