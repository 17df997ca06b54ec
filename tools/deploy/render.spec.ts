import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderDeploymentFiles } from './render';

const ROOT = path.resolve(__dirname, '..', '..');

describe('the deployment files rendered from the code', () => {
  it.each([...renderDeploymentFiles().keys()])('%s is what the code renders (npm run deploy:render)', async (file) => {
    const committed = await readFile(path.join(ROOT, file), 'utf8').catch(() => '(missing)');
    expect(committed).toBe(renderDeploymentFiles().get(file));
  });
});
