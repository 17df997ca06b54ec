/**
 * `npm run deploy:render`: writes the deployment files rendered from the code (the apps' access
 * and their Kubernetes objects). A test fails while a committed one differs from its rendering.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderAccessFiles } from './access-files';
import { renderAppManifests } from './app-manifests';

const ROOT = path.resolve(__dirname, '..', '..');

/** Path (from the repository root) → content, for every rendered deployment file. */
export function renderDeploymentFiles(): Map<string, string> {
  return new Map([...renderAccessFiles(), ...renderAppManifests()]);
}

async function main(): Promise<void> {
  for (const [file, content] of renderDeploymentFiles()) {
    await mkdir(path.dirname(path.join(ROOT, file)), { recursive: true });
    await writeFile(path.join(ROOT, file), content);
    process.stdout.write(`wrote ${file}\n`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
