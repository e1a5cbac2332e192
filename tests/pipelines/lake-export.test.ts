import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../data/seed.js';
import { LAKE_TABLES } from '../../pipelines/lake/tables.js';
import {
  exportLakeRange,
  LAKE_BUCKET,
  type LakeManifest,
  lakeExportJob,
  planNightlyExport,
} from '../../pipelines/lake-export.js';
import { fixedClock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { type DuckDb, openDuckDb } from '../../platform/duckdb.js';
import { createLog } from '../../platform/log.js';
import { migrate } from '../../platform/migrate.js';
import { localObjectStore, type ObjectStore } from '../../platform/objects.js';
import { type S3ObjectStore, s3ObjectStore } from '../../platform/s3-objects.js';
import { openTestDb } from '../support/db.js';
import { type RunningS3, startS3 } from '../support/s3.js';

// 2026-11-28 08:00 IST: "yesterday" is 2026-11-27.
const NOW = new Date('2026-11-28T02:30:00Z');
const clock = fixedClock(NOW);
const log = createLog({ level: 'silent' });
const work = mkdtempSync(path.join(tmpdir(), 'kosh-lake-test-'));
let db: Db;
/** DuckDB reads the lake back, as an analyst would; `db` (PostgreSQL) holds the source rows. */
let duck: DuckDb;
let s3: RunningS3;
let s3Store: S3ObjectStore;

const DECISION_COLUMNS = `id, attempt_id, customer_id, school_id, amount_minor, source, score, decision, reasons,
  rule_hits, model_version, model_role, shadow_version, shadow_score, features, feature_set_version, latency_us,
  budget_exceeded, created_at`;

/** Rows per IST day of a lake table's source, straight from the database. */
async function sourceCounts(table: string): Promise<Record<string, number>> {
  const t = LAKE_TABLES.find((x) => x.name === table);
  if (t === undefined) throw new Error(table);
  const rows = await db.all<{ dt: string; n: number }>(
    `SELECT to_char(${t.at} AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD') AS dt, count(*) AS n FROM ${t.from}
     ${t.where === undefined ? '' : `WHERE ${t.where}`} GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.dt, r.n]));
}

/** Copies every object of the analytics bucket into a directory, so DuckDB reads the lake as files. */
async function download(store: ObjectStore, dir: string): Promise<void> {
  for (const key of await store.list(LAKE_BUCKET, '')) {
    const file = path.join(dir, ...key.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, (await store.get(LAKE_BUCKET, key)) ?? new Uint8Array());
  }
}

/** Rows per dt as DuckDB reads the lake with hive partitioning. */
async function lakeCounts(root: string, table: string): Promise<Record<string, number>> {
  const rows = await duck.all<{ dt: string; n: number }>(
    `SELECT strftime(dt, '%Y-%m-%d') AS dt, count(*) AS n
     FROM read_parquet('${root}/${table}/*/*.parquet', hive_partitioning = true) GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.dt, r.n]));
}

beforeAll(async () => {
  db = await openTestDb();
  duck = await openDuckDb(':memory:');
  await migrate(db, clock);
  await seedDemoData({ db, clock, log }, { seed: 7, payments: 3000, months: 1, schools: 3 });
  // A few fraud decisions, with and without a feature vector.
  await db.run(`INSERT INTO fraud_decisions (${DECISION_COLUMNS})
    SELECT 'fd_' || i, 'pay_x' || i, 'cus_1', 'sch_1', 1000 + i, 'payment', 0.1 * (i % 10),
      CASE WHEN i % 7 = 0 THEN 'review' ELSE 'allow' END, '["velocity"]', '[]', 'fraud-1', 'champion', NULL, NULL,
      CASE WHEN i % 2 = 0 THEN '[1.5, 2, 0]'::json END, 'fraud-v1', 800, false,
      TIMESTAMPTZ '2026-11-20 10:00:00+00' + make_interval(hours => i)
    FROM generate_series(0, 59) AS i`);
  s3 = await startS3();
  s3Store = s3ObjectStore(s3.options);
}, 60_000);

afterAll(async () => {
  s3Store?.close();
  await s3?.close();
  await db?.close();
  await duck?.close();
  rmSync(work, { recursive: true, force: true });
});

describe.each([
  { name: 'local', store: (): ObjectStore => localObjectStore(path.join(work, 'objects')) },
  { name: 's3', store: (): ObjectStore => s3Store },
])('lake export to $name', ({ name, store: make }) => {
  let objects: ObjectStore;
  const readRoot = path.join(work, `read-${name}`);
  beforeAll(async () => {
    objects = make();
    await db.run('DELETE FROM lake_partitions');
  });

  it('when a range is exported → hive-partitioned Parquet per table and day, and DuckDB reads back the same counts', async () => {
    const result = await exportLakeRange({ db, objects, clock, log }, { from: '2026-10-24', to: '2026-11-27' });
    expect(result.tables).toEqual(LAKE_TABLES.map((t) => t.name));
    expect(await objects.list(LAKE_BUCKET, 'payments/dt=2026-11-27/')).toEqual([
      'payments/dt=2026-11-27/_manifest.json',
      'payments/dt=2026-11-27/part-0.parquet',
    ]);
    await download(objects, readRoot);
    for (const table of ['payments', 'refunds', 'ledger_lines', 'fraud_decisions', 'fraud_feature_snapshots']) {
      const source = await sourceCounts(table);
      const inRange = Object.fromEntries(
        Object.entries(source).filter(([dt]) => dt >= '2026-10-24' && dt <= '2026-11-27'),
      );
      expect(Object.keys(inRange).length).toBeGreaterThan(0);
      expect(await lakeCounts(readRoot, table)).toEqual(inRange);
    }
    // Money survives as integers and the ledger still balances in the lake.
    const lake = await duck.one<{ payments: number; ledger: number }>(
      `SELECT (SELECT sum(amount_minor) FROM read_parquet('${readRoot}/payments/*/*.parquet', hive_partitioning = true)) AS payments,
              (SELECT sum(amount_minor) FROM read_parquet('${readRoot}/ledger_lines/*/*.parquet', hive_partitioning = true)) AS ledger`,
    );
    const src = await db.one<{ payments: number }>(
      `SELECT sum(amount_minor) AS payments FROM payments
       WHERE created_at >= TIMESTAMPTZ '2026-10-23 18:30:00+00' AND created_at < TIMESTAMPTZ '2026-11-27 18:30:00+00'`,
    );
    expect(lake?.payments).toBe(src?.payments);
    expect(lake?.ledger).toBe(0);
  }, 120_000);

  it('when a partition is written → its manifest names the files, row count, columns and schema hash', async () => {
    const bytes = await objects.get(LAKE_BUCKET, 'payments/dt=2026-11-27/_manifest.json');
    const manifest = JSON.parse(Buffer.from(bytes ?? new Uint8Array()).toString('utf8')) as LakeManifest;
    expect(manifest).toMatchObject({
      format: 'kosh-lake/1',
      table: 'payments',
      dt: '2026-11-27',
      rows: (await sourceCounts('payments'))['2026-11-27'],
      files: [{ key: 'payments/dt=2026-11-27/part-0.parquet' }],
    });
    expect(manifest.schema_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.columns.map((c) => c.name)).toContain('amount_minor');
    expect(manifest.columns.map((c) => c.name)).not.toContain('ip');
    expect(manifest.columns.find((c) => c.name === 'amount_minor')?.type).toBe('BIGINT');
    const snapshot = await duck.all<{ features: number[] }>(
      `SELECT features FROM read_parquet('${readRoot}/fraud_feature_snapshots/*/*.parquet') ORDER BY decision_id LIMIT 1`,
    );
    expect(snapshot[0]?.features).toEqual([1.5, 2, 0]);
  });

  it('when a day is re-exported after a change → the partition is replaced, not appended to', async () => {
    const before = await sourceCounts('payments');
    const target = await db.one<{ id: string }>(
      `SELECT id FROM payments WHERE to_char(created_at AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD') = '2026-11-10' ORDER BY id LIMIT 1`,
    );
    await db.run(`UPDATE payments SET error_code = 'LAKE_TEST_${name}' WHERE id = $id`, { id: target?.id });
    await exportLakeRange({ db, objects, clock, log }, { from: '2026-11-10', to: '2026-11-10', tables: ['payments'] });
    const again = path.join(work, `again-${name}`);
    await download(objects, again);
    expect(await lakeCounts(again, 'payments')).toEqual(
      Object.fromEntries(Object.entries(before).filter(([dt]) => dt >= '2026-10-24' && dt <= '2026-11-27')),
    );
    const changed = await duck.one<{ error_code: string }>(
      `SELECT error_code FROM read_parquet('${again}/payments/dt=2026-11-10/*.parquet') WHERE id = $id`,
      { id: target?.id },
    );
    expect(changed?.error_code).toBe(`LAKE_TEST_${name}`);
    expect(await objects.list(LAKE_BUCKET, 'payments/dt=2026-11-10/')).toHaveLength(2);
  });

  it('when a day has no rows any more → its old files and manifest are removed', async () => {
    await objects.put(LAKE_BUCKET, 'refunds/dt=2026-10-02/part-7.parquet', new Uint8Array([1]));
    // The demo data covers the last month only: 2026-10-02 has no refunds.
    expect(Object.keys(await sourceCounts('refunds'))).not.toContain('2026-10-02');
    await objects.put(LAKE_BUCKET, 'refunds/dt=2026-10-02/_manifest.json', '{}');
    const result = await exportLakeRange(
      { db, objects, clock, log },
      { from: '2026-10-02', to: '2026-10-02', tables: ['refunds'] },
    );
    expect(result).toMatchObject({ partitions: 0, emptied: 1, rows: 0 });
    expect(await objects.list(LAKE_BUCKET, 'refunds/dt=2026-10-02/')).toEqual([]);
  });
});

describe('nightly lake-export job', () => {
  let objects: ObjectStore;
  beforeAll(async () => {
    objects = localObjectStore(path.join(work, 'nightly'));
    await db.run('DELETE FROM lake_partitions');
  });

  it('when it first runs → yesterday plus the days of the lookback never exported, never today', async () => {
    const plan = await planNightlyExport(db, NOW);
    const payments = [...plan.entries()].find(([t]) => t.name === 'payments')?.[1] ?? [];
    expect(payments).toContain('2026-11-27');
    expect(payments).not.toContain('2026-11-28');
    expect(payments.every((dt) => dt >= '2026-10-24')).toBe(true);
    const summary = await lakeExportJob(
      { db, clock, log, objects, gateway: undefined as never, inbox: undefined as never },
      { now: NOW },
    );
    expect(summary).toMatchObject({ yesterday: '2026-11-27' });
    expect(summary.partitions).toBeGreaterThan(20);
  });

  it('when nothing changed → the next night rewrites only yesterday', async () => {
    const plan = await planNightlyExport(db, NOW);
    for (const [, days] of plan) expect(days).toEqual(['2026-11-27']);
  });

  it('when a late refund changes an old payment → that payment’s day is re-exported next night', async () => {
    const old = await db.one<{ id: string }>(
      `SELECT id FROM payments WHERE to_char(created_at AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD') = '2026-11-03' ORDER BY id LIMIT 1`,
    );
    await db.run(`UPDATE payments SET refunded_minor = 100, updated_at = $now WHERE id = $id`, {
      id: old?.id,
      now: NOW,
    });
    const plan = await planNightlyExport(db, NOW);
    const payments = [...plan.entries()].find(([t]) => t.name === 'payments')?.[1];
    expect(payments).toEqual(['2026-11-03', '2026-11-27']);
    const refunds = [...plan.entries()].find(([t]) => t.name === 'refunds')?.[1];
    expect(refunds).toEqual(['2026-11-27']);
  });

  it('when a row arrives late into an exported day → the count differs and the day is re-exported', async () => {
    await db.run(
      `INSERT INTO fraud_decisions (${DECISION_COLUMNS})
       SELECT 'fd_late', 'pay_xlate', ${DECISION_COLUMNS.replace('id, attempt_id, ', '')} FROM fraud_decisions WHERE id = 'fd_1'`,
    );
    const plan = await planNightlyExport(db, NOW);
    const decisions = [...plan.entries()].find(([t]) => t.name === 'fraud_decisions')?.[1];
    expect(decisions).toEqual(['2026-11-20', '2026-11-27']);
  });

  it('when the next night runs → the changed days are rewritten with the new state, and then nothing is stale', async () => {
    const deps = { db, clock, log, objects, gateway: undefined as never, inbox: undefined as never };
    await lakeExportJob(deps, { now: NOW });
    const read = path.join(work, 'nightly-read');
    await download(objects, read);
    const refunded = await duck.one<{ n: number }>(
      `SELECT count(*) AS n FROM read_parquet('${read}/payments/dt=2026-11-03/*.parquet') WHERE refunded_minor = 100`,
    );
    expect(refunded?.n).toBe(1);
    expect(await lakeCounts(read, 'fraud_decisions')).toEqual(await sourceCounts('fraud_decisions'));
    for (const [, days] of await planNightlyExport(db, NOW)) expect(days).toEqual(['2026-11-27']);
  });

  it('when a date is not a calendar day → 400 invalid_date', async () => {
    await expect(
      exportLakeRange({ db, objects, clock, log }, { from: '2026-02-30', to: '2026-03-01' }),
    ).rejects.toMatchObject({ code: 'invalid_date' });
    await expect(
      exportLakeRange({ db, objects, clock, log }, { from: '2026-03-02', to: '2026-03-01' }),
    ).rejects.toMatchObject({ code: 'invalid_range' });
    await expect(
      exportLakeRange({ db, objects, clock, log }, { from: '2026-03-01', to: '2026-03-01', tables: ['nope'] }),
    ).rejects.toMatchObject({ code: 'unknown_lake_table' });
  });
});
