import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

interface Output {
  output_type: string;
  name?: string;
  text?: string[];
  ename?: string;
}

/**
 * The smoke test CI runs: every notebook executes headless on the tslab TypeScript kernel (scripts/notebooks.sh,
 * jupyter nbconvert --execute), no cell raises, and each code cell printed something.
 */
describe('notebooks', async () => {
  const notebooks = (await readdir(path.join(root, 'notebooks'))).filter((f) => f.endsWith('.ipynb')).sort();
  const out = await mkdtemp(path.join(tmpdir(), 'kosh-notebooks-'));
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('has the notebooks the data scientists were promised', () => {
    expect(notebooks.length).toBeGreaterThanOrEqual(2);
  });

  it.each(notebooks)(
    '%s executes headless without an error',
    async (name) => {
      await run('bash', [path.join(root, 'scripts/notebooks.sh'), path.join(root, 'notebooks', name)], {
        cwd: root,
        env: { ...process.env, KOSH_NOTEBOOK_OUT: out },
        maxBuffer: 64 * 1024 * 1024,
      });
      const executed = JSON.parse(await readFile(path.join(out, name), 'utf8')) as {
        cells: { cell_type: string; outputs?: Output[] }[];
      };
      const code = executed.cells.filter((c) => c.cell_type === 'code');
      expect(code.length).toBeGreaterThan(1);
      for (const cell of code) {
        expect(cell.outputs?.some((o) => o.output_type === 'error')).toBe(false);
        expect(cell.outputs?.some((o) => o.output_type === 'stream' && o.name === 'stdout')).toBe(true);
      }
    },
    900_000,
  );
});
