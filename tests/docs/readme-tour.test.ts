import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.js';
import { loadConfig } from '../../platform/config.js';
import { type RunningKosh, startKosh } from '../../serving/server.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ADMIN = 'readme-tour-admin-key-0123456789';
const dir = mkdtempSync(path.join(tmpdir(), 'kosh-tour-'));
let kosh: RunningKosh;
let databaseUrl: string;

/** The shell block between the README's tour markers, exactly as a reader copies it. */
function tourScript(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- tour:start -->\n```sh\n([\s\S]*?)```\n<!-- tour:end -->/.exec(readme);
  if (block === null) throw new Error('the README has no tour block');
  return block[1] ?? '';
}

/** Runs a script in bash, failing on the first failing step, without blocking this process (kosh serves from it). */
function shell(
  script: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  // What `npm start` runs (demo data, the simulator, scoring), smaller, on a fixed day.
  kosh = await startKosh(
    loadConfig({
      PORT: '0',
      KOSH_DATA_DIR: dir,
      KOSH_DATABASE_URL: databaseUrl,
      KOSH_DEMO: '1',
      KOSH_DEMO_PAYMENTS: '2000',
      KOSH_SCHEDULER: 'off',
      KOSH_ADMIN_KEY: ADMIN,
      LOG_LEVEL: 'silent',
    }),
    { clock: fixedClock(new Date('2026-12-07T06:00:00Z')) },
  );
}, 120_000);

afterAll(async () => {
  await kosh?.close();
  if (databaseUrl !== undefined) await dropTestDatabase(databaseUrl);
  rmSync(dir, { recursive: true, force: true });
});

describe("the README's five-minute tour", () => {
  it('when its steps are pasted into a shell against a fresh demo → each works: a captured payment, an allow, a month billed and its paid GST document', async () => {
    const sim = kosh.simulator;
    if (sim === null) throw new Error('the demo runs the simulator');
    const run = await shell(tourScript(), {
      KOSH: kosh.url,
      KEY: ADMIN,
      SIM: sim.url,
      SIM_KEYS: `${sim.keyId}:${sim.keySecret}`,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('"status": "captured"');
    expect(run.stdout).toContain('"decision": "allow"');
    expect(run.stdout).toContain('"status": "paid"');
    const pdf = path.join(dir, 'invoice.pdf');
    expect(existsSync(pdf)).toBe(true);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
  }, 160_000);
});
