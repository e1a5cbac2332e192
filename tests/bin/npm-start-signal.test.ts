import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('npm start and SIGTERM', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kosh-npm-start-'));
  let databaseUrl: string | null = null;
  afterAll(async () => {
    if (databaseUrl !== null) await dropTestDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when a supervisor sends SIGTERM to `npm start` → kosh itself stops gracefully and its port closes', async () => {
    databaseUrl = await createTestDatabase();
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: {
        ...process.env,
        KOSH_DEMO: '0',
        KOSH_DATA_DIR: dataDir,
        KOSH_DATABASE_URL: databaseUrl,
        KOSH_FRAUD_SCORING: 'false',
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    // The banner and the stop line go to stderr; log lines to stdout.
    const collect = (chunk: Buffer) => {
      out += chunk.toString();
    };
    npm.stdout?.on('data', collect);
    npm.stderr?.on('data', collect);
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    for (let i = 0; i < 600 && !out.includes('kosh is serving'); i++) await new Promise((r) => setTimeout(r, 100));
    const url = /serving on (http:\/\/\S+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    npm.kill('SIGTERM');
    await exited;
    for (let i = 0; i < 100 && !out.includes('kosh stopped'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('SIGTERM: shutting down');
    expect(out).toContain('kosh stopped');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 120_000);
});
