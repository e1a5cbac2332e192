import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { notebookNames } from './support.js';

describe('notebooks', () => {
  it('has the notebooks the data scientists were promised, each with a test file that executes it', async () => {
    const notebooks = await notebookNames();
    expect(notebooks.length).toBeGreaterThanOrEqual(4);
    const tests = (await readdir(import.meta.dirname)).filter(
      (f) => f.endsWith('.test.ts') && f !== 'notebooks.test.ts',
    );
    for (const name of notebooks) {
      const stem = path.basename(name, '.ipynb').replace(/^\d+-/, '');
      expect(tests, name).toContain(`${stem}.test.ts`);
    }
  });
});
