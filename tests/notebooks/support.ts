import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';

const run = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, '../..');

interface Output {
  output_type: string;
  name?: string;
  text?: string[];
  ename?: string;
}

/** The notebooks in notebooks/, sorted: each has a test file of its own, so they run side by side. */
export async function notebookNames(): Promise<string[]> {
  return (await readdir(path.join(ROOT, 'notebooks'))).filter((f) => f.endsWith('.ipynb')).sort();
}

/**
 * The smoke test CI runs on one notebook: it executes headless on the tslab TypeScript kernel (scripts/notebooks.sh,
 * jupyter nbconvert --execute), no cell raises, and each code cell printed something. The notebook's kosh commands
 * run on a fresh database of the test run's PostgreSQL (KOSH_DATABASE_URL), so each of them does not start and stop
 * an embedded cluster of its own; their files (objects, lake) stay in the notebook's own data dir.
 */
export async function executesCleanly(name: string): Promise<void> {
  const out = await mkdtemp(path.join(tmpdir(), 'kosh-notebooks-'));
  const databaseUrl = await createTestDatabase();
  try {
    await run('bash', [path.join(ROOT, 'scripts/notebooks.sh'), path.join(ROOT, 'notebooks', name)], {
      cwd: ROOT,
      env: { ...process.env, KOSH_NOTEBOOK_OUT: out, KOSH_DATABASE_URL: databaseUrl },
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
  } finally {
    await dropTestDatabase(databaseUrl);
    await rm(out, { recursive: true, force: true });
  }
}

export const NOTEBOOK_TIMEOUT_MS = 900_000;
