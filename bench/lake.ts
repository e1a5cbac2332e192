import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { dirBytes, exportLakeRange } from '../pipelines/lake-export.js';
import { fixedClock } from '../platform/clock.js';
import { type Db, openDb } from '../platform/db.js';
import { openDuckDb } from '../platform/duckdb.js';
import { localObjectStore } from '../platform/objects.js';
import { createBenchDatabase, startBenchServer } from './bench-database.js';

export interface LakeBenchOptions {
  readonly payments: number;
  /** IST days the payments are spread over (one partition each). */
  readonly days: number;
  readonly runs: number;
}

export interface LakeBenchRun {
  /** Bare: PostgreSQL COPY to CSV, DuckDB COPY of it to a single Parquet file (zstd), no partitions, no object store. */
  readonly bareSeconds: number;
  readonly bareBytes: number;
  /** Bare with the lake's layout: PostgreSQL COPY to CSV, DuckDB COPY … PARTITION_BY (dt) to a local directory. */
  readonly partitionedSeconds: number;
  /** kosh: exportLakeRange over every day — COPY … PARTITION_BY (dt), read-back counts, put + manifest per partition. */
  readonly koshSeconds: number;
  readonly koshBytes: number;
  readonly partitions: number;
  readonly rows: number;
}

export interface LakeBenchResult {
  readonly payments: number;
  readonly days: number;
  readonly generateSeconds: number;
  readonly runs: readonly LakeBenchRun[];
}

const END = new Date('2026-11-28T00:00:00Z');

/** The generated payments: one INSERT … SELECT over generate_series, spread evenly over the span. */
const GENERATE_PAYMENTS = `
INSERT INTO payments
SELECT 'pay_' || lpad(i::text, 9, '0'), 'ord_' || i, 'cus_' || (i % 200000), 'sch_' || (i % 40),
       'pm_' || (i % 200000), (ARRAY['upi', 'card', 'netbanking', 'wallet'])[1 + i % 4], 20000 + (i * 7919) % 480000, 'INR',
       CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'captured' END, 'auto',
       CASE WHEN i % 20 = 0 THEN 0 ELSE 20000 + (i * 7919) % 480000 END, 0, 450, 81, 'pay_g' || i,
       CASE WHEN i % 20 = 0 THEN 'BAD_REQUEST_ERROR' END, CASE WHEN i % 20 = 0 THEN 'payment_failed' END, NULL,
       'dev_' || (i % 300000), '49.36.' || (i % 250) || '.' || (i % 200), NULL,
       ts, ts + INTERVAL '2 seconds', CASE WHEN i % 20 = 0 THEN NULL ELSE ts + INTERVAL '3 seconds' END,
       CASE WHEN i % 20 = 0 THEN ts + INTERVAL '3 seconds' END, ts + INTERVAL '3 seconds'
FROM (SELECT i, $start::timestamptz + ((i * $span::bigint) / $n::bigint) * INTERVAL '1 second' AS ts
      FROM generate_series(0::bigint, $n::bigint - 1) AS i) AS g`;

/** What leaves PostgreSQL in the bare baselines: every exported column (not `ip`), timestamps as UTC wall time. */
const BARE_SELECT = `SELECT id, order_id, customer_id, school_id, payment_method_id, method, amount_minor, currency, status,
  capture_mode, captured_minor, refunded_minor, fee_minor, tax_minor, gateway_payment_id, error_code, error_reason,
  error_description, device_id, fraud_label, created_at AT TIME ZONE 'UTC' AS created_at,
  authorized_at AT TIME ZONE 'UTC' AS authorized_at, captured_at AT TIME ZONE 'UTC' AS captured_at,
  failed_at AT TIME ZONE 'UTC' AS failed_at, updated_at AT TIME ZONE 'UTC' AS updated_at FROM payments`;

/**
 * The bare way out of PostgreSQL into Parquet, with no kosh code: `COPY (…) TO STDOUT (FORMAT csv)` into a file,
 * then DuckDB (in memory) reads it and writes Parquet, as one file or partitioned by IST day. Returns seconds.
 */
async function bareExport(db: Db, dir: string, target: string, partitioned: boolean): Promise<number> {
  const t0 = performance.now();
  const csv = path.join(dir, 'bare-payments.csv');
  await db.transaction((tx) =>
    tx.copyOut(`COPY (${BARE_SELECT}) TO STDOUT (FORMAT csv, HEADER true)`, createWriteStream(csv)),
  );
  const duck = await openDuckDb(':memory:');
  try {
    const read = `read_csv('${csv}', header = true)`;
    await duck.run(
      partitioned
        ? `COPY (SELECT *, CAST(created_at + INTERVAL 330 MINUTE AS DATE) AS dt FROM ${read})
           TO '${target}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt), FILENAME_PATTERN 'part-{i}')`
        : `COPY (SELECT * FROM ${read}) TO '${target}' (FORMAT parquet, COMPRESSION zstd)`,
    );
  } finally {
    await duck.close();
    rmSync(csv, { force: true });
  }
  return (performance.now() - t0) / 1000;
}

/**
 * Generates `payments` rows set-wise (one INSERT … SELECT over generate_series, spread evenly over `days` IST days
 * ending yesterday) into a migrated database, then times, in the same run and on the same table, a bare
 * PostgreSQL → CSV → DuckDB → Parquet export (the baseline) and kosh's lake export to a local object store.
 */
export async function benchLake(options: LakeBenchOptions, dir: string, databaseUrl: string): Promise<LakeBenchResult> {
  const clock = fixedClock(END);
  const db = await openDb(databaseUrl);
  // The same columns and types, without the primary-key and UNIQUE indexes: building those over 10 M strings
  // costs the generator minutes and changes nothing for an export, which only reads.
  await db.run('CREATE TABLE payments_shape (LIKE payments)');
  await db.run('DROP TABLE payments CASCADE'); // and the refunds → payments foreign key: this database is the bench's own
  await db.run('ALTER TABLE payments_shape RENAME TO payments');
  const spanSeconds = options.days * 86_400;
  const t0 = performance.now();
  await db.run(GENERATE_PAYMENTS, {
    n: options.payments,
    span: spanSeconds,
    // Yesterday's IST day ends at END − 5:30 h; the span starts `days` days before it.
    start: new Date(END.getTime() - 330 * 60_000 - spanSeconds * 1000),
  });
  await db.run('VACUUM ANALYZE payments');
  const generateSeconds = (performance.now() - t0) / 1000;
  const first = new Date(END.getTime() - options.days * 86_400_000).toISOString().slice(0, 10);
  const last = new Date(END.getTime() - 86_400_000).toISOString().slice(0, 10);

  const runs: LakeBenchRun[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const bare = path.join(dir, `bare-${run}.parquet`);
    const bareSeconds = await bareExport(db, dir, bare, false);
    const bareBytes = statSync(bare).size;
    rmSync(bare);
    const partitioned = path.join(dir, `partitioned-${run}`);
    const partitionedSeconds = await bareExport(db, dir, partitioned, true);
    rmSync(partitioned, { recursive: true, force: true });

    const root = path.join(dir, `objects-${run}`);
    const objects = localObjectStore(root);
    const k0 = performance.now();
    const r = await exportLakeRange({ db, objects, clock }, { from: first, to: last, tables: ['payments'] });
    const koshSeconds = (performance.now() - k0) / 1000;
    const koshBytes = await dirBytes(root);
    rmSync(root, { recursive: true, force: true });
    await db.run('DELETE FROM lake_partitions');
    if (r.rows !== options.payments) throw new Error(`exported ${r.rows} rows of ${options.payments}`);
    runs.push({
      bareSeconds,
      bareBytes,
      partitionedSeconds,
      koshSeconds,
      koshBytes,
      partitions: r.partitions,
      rows: r.rows,
    });
    console.log(
      `run ${run}: bare PG→CSV→Parquet ${bareSeconds.toFixed(2)} s (${Math.round(options.payments / bareSeconds).toLocaleString('en')} rows/s) | bare PARTITION_BY ${partitionedSeconds.toFixed(2)} s | kosh lake export ${koshSeconds.toFixed(2)} s (${Math.round(options.payments / koshSeconds).toLocaleString('en')} rows/s, ${r.partitions} partitions)`,
    );
  }
  await db.close();
  return { payments: options.payments, days: options.days, generateSeconds, runs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** The markdown report of a lake bench. */
export function lakeBenchReport(r: LakeBenchResult): string {
  const bare = median(r.runs.map((x) => x.bareSeconds));
  const kosh = median(r.runs.map((x) => x.koshSeconds));
  const partitioned = median(r.runs.map((x) => x.partitionedSeconds));
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  const lines = [
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    `${r.payments.toLocaleString('en')} payments over ${r.days} IST days (${r.days} partitions), generated set-wise in ${r.generateSeconds.toFixed(1)} s;`,
    `median of ${r.runs.length} run(s), baseline measured in the same run on the same table:`,
    '',
    '| path | seconds | rows/s | output MiB | time ratio to bare COPY |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| bare PostgreSQL COPY to CSV + DuckDB COPY to one Parquet file (zstd) — baseline | ${bare.toFixed(2)} | ${Math.round(r.payments / bare).toLocaleString('en')} | ${mb(median(r.runs.map((x) => x.bareBytes)))} | 1.00 |`,
    `| bare PostgreSQL COPY to CSV + DuckDB COPY … PARTITION_BY (dt) to a local dir (the lake's layout, nothing else) | ${partitioned.toFixed(2)} | ${Math.round(r.payments / partitioned).toLocaleString('en')} | — | ${(partitioned / bare).toFixed(2)} |`,
    `| kosh lake export (PARTITION_BY dt, read-back counts, put + manifest per partition, local store) | ${kosh.toFixed(2)} | ${Math.round(r.payments / kosh).toLocaleString('en')} | ${mb(median(r.runs.map((x) => x.koshBytes)))} | ${(kosh / bare).toFixed(2)} |`,
  ];
  return lines.join('\n');
}

/** For bench/run.ts: a database on the bench server and a temp dir for the lake, removed afterwards. */
export async function runLakeBench(options: LakeBenchOptions): Promise<LakeBenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kosh-bench-lake-'));
  const server = await startBenchServer();
  console.log(`database: ${server.label}`);
  const database = await createBenchDatabase(server.url, { clock: fixedClock(END) });
  try {
    return await benchLake(options, dir, database.url);
  } finally {
    await database.drop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
