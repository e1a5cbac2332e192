import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runLakeCli } from '../../bin/lake-cli.js';
import { seedDemoData } from '../../data/seed.js';
import { fixedClock } from '../../platform/clock.js';
import { type Config, ConfigError, loadConfig } from '../../platform/config.js';
import { openObjectStore } from '../../platform/open-object-store.js';
import { type RunningKosh, startKosh } from '../../serving/server.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';
import { type RunningS3, startS3 } from '../support/s3.js';

const ADMIN = 'lake-admin-key-0123456789abcdef';
const clock = fixedClock(new Date('2026-11-28T02:30:00Z'));
const dir = mkdtempSync(path.join(tmpdir(), 'kosh-lake-s3-'));
let s3: RunningS3;
let kosh: RunningKosh;
let config: Config;
let databaseUrl: string;

beforeAll(async () => {
  s3 = await startS3({ prefix: 'serve' });
  databaseUrl = await createTestDatabase();
  config = loadConfig({
    ...s3.env,
    PORT: '0',
    KOSH_DATA_DIR: dir,
    KOSH_DATABASE_URL: databaseUrl,
    KOSH_SCHEDULER: 'off',
    KOSH_FRAUD_SCORING: 'off',
    KOSH_ADMIN_KEY: ADMIN,
    LOG_LEVEL: 'silent',
  });
  kosh = await startKosh(config, { clock });
  await seedDemoData({ db: kosh.db, clock }, { seed: 3, payments: 400, months: 1, schools: 2 });
}, 60_000);

afterAll(async () => {
  await kosh?.close();
  if (databaseUrl !== undefined) await dropTestDatabase(databaseUrl);
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kosh on S3', () => {
  it('when KOSH_OBJECT_STORE=s3 → the server keeps objects in the configured S3 buckets (lake export over HTTP)', async () => {
    const res = await fetch(`${kosh.url}/v1/lake/exports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: '2026-11-20', to: '2026-11-27', tables: ['payments', 'ledger_lines'] }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { partitions: number; rows: number; tables: string[] };
    expect(body.tables).toEqual(['payments', 'ledger_lines']);
    expect(body.partitions).toBe(16);
    const store = openObjectStore(config);
    try {
      const keys = await store.list('analytics', 'payments/');
      expect(keys).toContain('payments/dt=2026-11-27/part-0.parquet');
      expect(keys).toHaveLength(16);
    } finally {
      store.close();
    }
    const puts = (await s3.requests()).filter((r) => r.method === 'PUT' && r.url.startsWith('/serve-analytics/'));
    expect(puts).toHaveLength(32);
    expect(puts.every((r) => r.headers['x-amz-server-side-encryption'] === 'AES256')).toBe(true);
  });

  it('when a day does not exist → 422 invalid_date naming the field', async () => {
    const res = await fetch(`${kosh.url}/v1/lake/exports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: '2026-11-31', to: '2026-11-27' }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: 'invalid_date', errors: [{ field: '/from' }] });
  });

  it('when `kosh lake export` runs while the server is up → it goes through the server', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => out.push(line));
    try {
      expect(
        await runLakeCli(
          ['export', '--from', '2026-11-26', '--to', '2026-11-27', '--tables', 'refunds'],
          config,
          'usage',
        ),
      ).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(out[0]).toMatch(/^exported \d+ partition\(s\) of refunds: \d+ rows, \d+ bytes \(through the server at http/);
  });
});

describe('S3 configuration', () => {
  it('when nothing is set → the local store, and problem-free S3 defaults', () => {
    const c = loadConfig({});
    expect(c.objectStore).toBe('local');
    expect(c.s3).toEqual({
      endpoint: null,
      region: 'us-east-1',
      accessKeyId: null,
      secretAccessKey: null,
      forcePathStyle: false,
      buckets: {
        uploads: 'kosh-uploads',
        models: 'kosh-models',
        invoices: 'kosh-invoices',
        analytics: 'kosh-analytics',
      },
    });
  });

  it('when an endpoint is set → path-style by default, and it can be turned off', () => {
    expect(loadConfig({ KOSH_S3_ENDPOINT: 'http://minio:9000' }).s3.forcePathStyle).toBe(true);
    expect(loadConfig({ KOSH_S3_ENDPOINT: 'http://minio:9000', KOSH_S3_FORCE_PATH_STYLE: '0' }).s3.forcePathStyle).toBe(
      false,
    );
  });

  it('when S3 settings are wrong → every problem is named at once', () => {
    try {
      loadConfig({
        KOSH_OBJECT_STORE: 's4',
        KOSH_S3_ENDPOINT: 'minio:9000',
        KOSH_S3_REGION: 'Mumbai',
        KOSH_S3_ACCESS_KEY_ID: 'AKIA123',
        KOSH_S3_BUCKET_INVOICES: 'Invoices_2026',
        KOSH_S3_BUCKET_MODELS: 'kosh-analytics',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const name of [
        'KOSH_OBJECT_STORE',
        'KOSH_S3_ENDPOINT',
        'KOSH_S3_REGION',
        'KOSH_S3_SECRET_ACCESS_KEY',
        'KOSH_S3_BUCKET_INVOICES',
        'distinct',
      ]) {
        expect(problems).toContain(name);
      }
    }
  });
});
