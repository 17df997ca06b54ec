import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** The suite runs the apps as deployed: compiled into dist/ first. */
export default function globalSetup(): void {
  const root = path.resolve(__dirname, '..');
  execFileSync(process.execPath, [path.join(root, 'tools', 'run-ts.js'), path.join(root, 'tools', 'build.ts')], {
    cwd: root,
    stdio: 'inherit',
  });
}
