/**
 * Compiles apps/ and libs/ with swc into dist/, mirroring the source tree, and links each
 * `@leadflow/<lib>` alias as dist/node_modules/@leadflow/<lib> so compiled apps resolve libs
 * with plain Node resolution (no runtime path hooks).
 *
 * `build.ts <app>` (what `nx run <app>:build` and the container image run) compiles that app alone
 * with the libraries an app may use (development-only and test libraries stay out) into
 * dist/<app>/, with dist/<app>/main.js, the image's entry point, which starts that app. Apps built
 * one by one (`nx run-many -t build`) so never overwrite each other.
 */
import { transformFile, type Options } from '@swc/core';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import swcConfig from './swc.config.json';

const root = path.resolve(__dirname, '..');
const SKIP = /\.(spec|int-spec|e2e-spec)\.ts$|\.d\.ts$/;

const swcOptions: Options = {
  ...(swcConfig as Options),
  sourceMaps: true,
  swcrc: false,
};

async function listSources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return listSources(full);
      return entry.name.endsWith('.ts') && !SKIP.test(entry.name) ? [full] : [];
    }),
  );
  return nested.flat();
}

async function projectSourceDirs(kind: 'apps' | 'libs'): Promise<string[]> {
  const entries = await readdir(path.join(root, kind), { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => path.join(root, kind, e.name, 'src'));
}

/** Nx tags of libraries that never ship in an app: embedded services for development, test helpers. */
const NOT_SHIPPED = new Set(['type:devtools', 'type:testing']);

async function shippedLibSourceDirs(): Promise<string[]> {
  const dirs = await projectSourceDirs('libs');
  const shipped = await Promise.all(
    dirs.map(async (dir) => {
      const project = JSON.parse(await readFile(path.join(dir, '..', 'project.json'), 'utf8')) as { tags?: string[] };
      return (project.tags ?? []).some((tag) => NOT_SHIPPED.has(tag)) ? undefined : dir;
    }),
  );
  return shipped.filter((dir): dir is string => dir !== undefined);
}

/** Builds every app and lib into `outDir`, or, given `app`, that app and the libraries it may ship with. */
export async function buildWorkspace(outDir = path.join(root, 'dist'), app?: string): Promise<{ files: number; ms: number }> {
  const started = Date.now();
  await rm(outDir, { recursive: true, force: true });
  const appDirs = await projectSourceDirs('apps');
  if (app !== undefined && !appDirs.includes(path.join(root, 'apps', app, 'src'))) {
    throw new Error(`no app named ${JSON.stringify(app)} (apps: ${appDirs.map((dir) => path.basename(path.dirname(dir))).join(', ')})`);
  }
  const dirs =
    app === undefined
      ? [...appDirs, ...(await projectSourceDirs('libs'))]
      : [path.join(root, 'apps', app, 'src'), ...(await shippedLibSourceDirs())];
  const files = (await Promise.all(dirs.map(listSources))).flat();
  await Promise.all(
    files.map(async (file) => {
      const rel = path.relative(root, file);
      const target = path.join(outDir, rel.replace(/\.ts$/, '.js'));
      const output = await transformFile(file, {
        ...swcOptions,
        filename: file,
        sourceFileName: path.relative(path.dirname(target), file),
      });
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, `${output.code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
      if (output.map) await writeFile(`${target}.map`, output.map);
    }),
  );
  const libs = dirs.filter((dir) => dir.startsWith(path.join(root, 'libs'))).map((dir) => path.basename(path.dirname(dir)));
  await Promise.all(
    libs.map(async (lib) => {
      const shimDir = path.join(outDir, 'node_modules', '@leadflow', lib);
      await mkdir(shimDir, { recursive: true });
      await writeFile(path.join(shimDir, 'index.js'), `module.exports = require('../../../libs/${lib}/src/index.js');\n`);
    }),
  );
  if (app !== undefined) await writeFile(path.join(outDir, 'main.js'), `require('./apps/${app}/src/main.js');\n`);
  return { files: files.length, ms: Date.now() - started };
}

if (require.main === module) {
  const app = process.argv[2];
  const outDir = path.join(root, 'dist', app ?? '');
  buildWorkspace(outDir, app).then(
    ({ files, ms }) =>
      process.stdout.write(`built ${app ?? 'every app'} (${files} files) into ${path.relative(root, outDir)}/ in ${ms} ms\n`),
    (error: unknown) => {
      process.stderr.write(`build failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
