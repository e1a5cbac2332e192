import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';
import { KEY_ID, KEY_SECRET } from '../support/harness.js';
import { childApi, exited, serveChild, serverUp } from '../support/kosh-child.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ADMIN_KEY = 'kosh_test_admin_key_data_dir_removed';

function withoutDatabaseUrl(): NodeJS.ProcessEnv {
  const { KOSH_DATABASE_URL: _inherited, ...env } = process.env;
  return env;
}

/** The embedded default: the cluster lives under the data dir, and someone deletes it while kosh runs. */
describe('the data directory removed underneath the embedded database', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kosh-dir-removed-'));
  let sim: RazorpaySimulator | null = null;
  let child: ReturnType<typeof serveChild> | null = null;
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (child !== null) await exited(child);
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when the cluster files are deleted → writes fail with 503, /readyz names the problem; a restart refuses to start an empty database', async () => {
    sim = await startRazorpaySimulator({ keyId: KEY_ID, keySecret: KEY_SECRET, seed: 1 });
    // No KOSH_DATABASE_URL: kosh starts and owns the embedded PostgreSQL under the data dir.
    const started = serveChild(dataDir, null, sim, { KOSH_ADMIN_KEY: ADMIN_KEY });
    child = started;
    const api = childApi({ url: (await serverUp(dataDir, started)).url, key: ADMIN_KEY });
    const school = { name: 'Greenwood High', city: 'Bengaluru', state_code: 'KA' };
    expect((await api('POST', '/v1/schools', school)).status).toBe(201);
    expect((await api('GET', '/readyz')).status).toBe(200);

    rmSync(path.join(dataDir, 'postgres'), { recursive: true, force: true });
    let write = await api('POST', '/v1/schools', school);
    let ready = await api('GET', '/readyz');
    for (let i = 0; i < 100 && (write.status !== 503 || ready.status !== 503); i++) {
      await new Promise((r) => setTimeout(r, 100));
      write = await api('POST', '/v1/schools', school);
      ready = await api('GET', '/readyz');
    }
    expect(write.status).toBe(503);
    expect(write.body['code']).toBe('database_unavailable');
    expect(ready.status).toBe(503);
    expect(ready.body['problems']).toContain(`database files under ${path.join(dataDir, 'postgres')} are missing`);

    // It still stops cleanly on SIGTERM.
    started.kill('SIGTERM');
    await exited(started);
    child = null;
    expect(started.exitCode).toBe(0);
    // The data dir remembers it had a cluster: no silent fresh start on an empty database.
    const restart = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bin/kosh.ts'), 'serve'], {
      cwd: ROOT,
      env: {
        ...withoutDatabaseUrl(),
        KOSH_DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'warn',
        KOSH_FRAUD_SCORING: 'false',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(restart.status).toBe(2);
    expect(restart.stderr.trim()).toBe(
      `the PostgreSQL cluster this data dir made (${path.join(dataDir, 'postgres')}) is missing: restore it from a ` +
        `backup, or remove ${path.join(dataDir, 'postgres.json')} to start with an empty database`,
    );
  }, 180_000);
});
