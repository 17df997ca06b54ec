import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderAccessFiles } from './access-files';

const ROOT = path.resolve(__dirname, '..', '..');

describe('the deployment files that grant access', () => {
  it.each([...renderAccessFiles().keys()])('%s is what the code renders (npm run deploy:render)', async (file) => {
    const committed = await readFile(path.join(ROOT, file), 'utf8').catch(() => '(missing)');
    expect(committed).toBe(renderAccessFiles().get(file));
  });
});
