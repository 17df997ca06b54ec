/**
 * Each app's Nx `serve` target runs the built app with the Node flags the launcher, the bench and
 * the images give it (`appNodeFlags`), so that the copies in `apps/<app>/project.json` cannot drift.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { appNodeFlags } from '@leadflow/dev-services';
import { ROOT } from './deployments';

interface ProjectJson {
  targets?: { serve?: { options?: { command?: string } } };
}

describe('serve targets', () => {
  it.each(['gateway', 'ingestion', 'contacts', 'scoring', 'metrics'])('%s runs with the app Node flags', (app) => {
    const project = JSON.parse(readFileSync(path.join(ROOT, 'apps', app, 'project.json'), 'utf8')) as ProjectJson;
    expect(project.targets?.serve?.options?.command).toBe(`node ${appNodeFlags(app).join(' ')} dist/${app}/main.js`);
  });
});
