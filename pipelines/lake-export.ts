import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { DuckDb } from '../platform/duckdb.js';
import { snapshotToDuckDb } from '../platform/duckdb-snapshot.js';
import { invalid } from '../platform/errors.js';
import { DAY_MS, IST_OFFSET_MS, istDate } from '../platform/ist.js';
import type { JobSummary } from '../platform/job.js';
import type { Log } from '../platform/log.js';
import type { ObjectStore } from '../platform/objects.js';
import { compactPaymentChanges } from './lake/compact-payment-changes.js';
import { LAKE_TABLES, type LakeTable } from './lake/tables.js';
import type { JobDeps } from './types.js';

export interface LakeExportDeps {
  readonly db: Db;
  readonly objects: ObjectStore;
  readonly clock: Clock;
  readonly log?: Log;
}

/** What a partition's `_manifest.json` holds (beside its Parquet files). */
export interface LakeManifest {
  readonly format: 'kosh-lake/1';
  readonly table: string;
  readonly dt: string;
  readonly rows: number;
  readonly schema_hash: string;
  readonly columns: readonly { name: string; type: string }[];
  readonly files: readonly { key: string; bytes: number }[];
  readonly exported_at: string;
}

export interface LakeExportResult {
  readonly partitions: number;
  readonly rows: number;
  readonly bytes: number;
  /** Partitions emptied because the database holds no rows for them any more. */
  readonly emptied: number;
  readonly tables: readonly string[];
}

export const LAKE_BUCKET = 'analytics';
export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';
/** How far back the nightly job looks for days never exported; older history: `kosh lake export --from --to`. */
export const LAKE_LOOKBACK_DAYS = 35;
const MAX_RANGE_DAYS = 3700;

/** Days per DuckDB snapshot: a backfill of years is read from PostgreSQL a month at a time, not all at once. */
const SNAPSHOT_DAYS = 31;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The IST calendar day of a partition timestamp, in DuckDB over a snapshot (timestamps there are UTC wall time). */
const duckDayDate = (t: LakeTable): string => `CAST(${t.at} + INTERVAL 330 MINUTE AS DATE)`;
/** The same day in PostgreSQL (timestamptz). */
const pgDayDate = (t: LakeTable): string => `CAST((${t.at} AT TIME ZONE 'Asia/Kolkata') AS DATE)`;
/** The UTC instant an IST calendar day starts. */
const istDayStart = (dt: string): Date => new Date(Date.parse(`${dt}T00:00:00Z`) - IST_OFFSET_MS);
const nextDay = (dt: string): string => new Date(Date.parse(`${dt}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
export const partitionPrefix = (table: string, dt: string): string => `${table}/dt=${dt}/`;

/** The lake tables whose source tables exist in this database, optionally only those named. */
export async function lakeTablesPresent(db: Db, names?: readonly string[]): Promise<LakeTable[]> {
  const unknown = (names ?? []).filter((n) => !LAKE_TABLES.some((t) => t.name === n));
  if (unknown.length > 0) {
    throw invalid('unknown_lake_table', `no lake table named ${unknown.join(', ')}`, [
      { field: '/tables', code: 'unknown_lake_table', message: `known: ${LAKE_TABLES.map((t) => t.name).join(', ')}` },
    ]);
  }
  const existing = new Set((await db.all<{ name: string }>(TABLES_PRESENT)).map((r) => r.name));
  return LAKE_TABLES.filter(
    (t) =>
      (names === undefined || names.includes(t.name)) &&
      t.sources(() => 'false').every((source) => existing.has(source.table)),
  );
}

const TABLES_PRESENT = 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()';

/**
 * Column names and DuckDB types of lake tables, as written to Parquet (without the `dt` partition column): read
 * from an empty snapshot of their source tables, so they are exactly the types an export writes.
 */
export async function lakeColumns(
  db: Db,
  tables: readonly LakeTable[],
): Promise<Map<LakeTable, { name: string; type: string }[]>> {
  const sources = [...new Set(tables.flatMap((t) => t.sources(() => 'false').map((s) => s.table)))];
  const duck = await snapshotToDuckDb(
    db,
    sources.map((table) => ({ table, where: 'false' })),
  );
  try {
    const out = new Map<LakeTable, { name: string; type: string }[]>();
    for (const table of tables) out.set(table, await describeLakeTable(duck, table));
    return out;
  } finally {
    await duck.close();
  }
}

async function describeLakeTable(duck: DuckDb, table: LakeTable): Promise<{ name: string; type: string }[]> {
  const rows = await duck.all<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT ${table.select} FROM ${table.from} LIMIT 0`,
  );
  return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
}

/**
 * A PostgreSQL condition putting `column` (a timestamptz) in one of the IST days given, as half-open ranges of
 * consecutive days. The bounds are instants kosh computed (ISO text), never input: the snapshot takes no parameters.
 */
function inDaysCondition(days: readonly string[]): (column: string) => string {
  const ranges: { from: string; to: string }[] = [];
  for (const dt of days) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.to === dt) last.to = nextDay(dt);
    else ranges.push({ from: dt, to: nextDay(dt) });
  }
  const instant = (dt: string) => `TIMESTAMPTZ '${istDayStart(dt).toISOString()}'`;
  return (column) =>
    ranges.length === 0
      ? 'false'
      : `(${ranges.map((r) => `(${column} >= ${instant(r.from)} AND ${column} < ${instant(r.to)})`).join(' OR ')})`;
}

const schemaHash = (columns: readonly { name: string; type: string }[]): string =>
  createHash('sha256')
    .update(columns.map((c) => `${c.name} ${c.type}`).join('\n'))
    .digest('hex');

function checkDay(field: string, value: string): void {
  if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || istDate(istDayStart(value)) !== value) {
    throw invalid('invalid_date', `${field} must be a date YYYY-MM-DD, got "${value}"`, [
      { field: `/${field}`, code: 'invalid_date', message: 'must be a date YYYY-MM-DD' },
    ]);
  }
}

/**
 * Exports every partition (IST day) of `from..to` inclusive of the chosen lake tables, replacing what the lake
 * held for those days: a day with no rows left is emptied. For backfills and repairs (`kosh lake export`).
 */
export async function exportLakeRange(
  deps: LakeExportDeps,
  input: { from: string; to: string; tables?: readonly string[] },
): Promise<LakeExportResult> {
  checkDay('from', input.from);
  checkDay('to', input.to);
  if (input.to < input.from)
    throw invalid('invalid_range', 'to must not be before from', [
      { field: '/to', code: 'invalid_range', message: 'before from' },
    ]);
  const days: string[] = [];
  for (let d = input.from; d <= input.to; d = nextDay(d)) {
    days.push(d);
    if (days.length > MAX_RANGE_DAYS) throw invalid('range_too_long', `at most ${MAX_RANGE_DAYS} days per export`);
  }
  const tables = await lakeTablesPresent(deps.db, input.tables);
  return exportPartitions(deps, new Map(tables.map((t) => [t, days])));
}

/**
 * The nightly `lake-export` job: yesterday's partition (IST) of every table, plus each partition that changed
 * since it was exported (a late refund moving a payment, a subscription cancelled), plus days never exported
 * within the lookback (the server was down). Today is never exported: it is still being written. Then the
 * payments part files the appender wrote and these partitions now hold are deleted (the compaction).
 */
export async function lakeExportJob(deps: JobDeps, ctx: { now: Date }): Promise<JobSummary> {
  if (deps.objects === undefined) throw new Error('lake-export needs the object store');
  const started = Date.now();
  const exportDeps: LakeExportDeps = { db: deps.db, objects: deps.objects, clock: deps.clock, log: deps.log };
  const plan = await planNightlyExport(deps.db, ctx.now);
  const result = await exportPartitions(exportDeps, plan);
  const compacted = await compactPaymentChanges(exportDeps);
  return {
    yesterday: istDate(ctx.now, 1),
    parts_compacted: compacted.deleted,
    tables: result.tables.length,
    partitions: result.partitions,
    emptied: result.emptied,
    rows: result.rows,
    bytes: result.bytes,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/**
 * The days of a table whose partition is stale, counted in PostgreSQL: never exported (within the lookback),
 * emptied since, a different row count, a later change, or another schema.
 */
const staleDays = (table: LakeTable): string => `
WITH src AS (
  SELECT to_char(day, 'YYYY-MM-DD') AS dt, n, changed FROM (
    SELECT ${pgDayDate(table)} AS day, count(*) AS n, max(${table.changedAt}) AS changed
    FROM ${table.from} WHERE ${table.at} < $today_start ${table.where === undefined ? '' : `AND ${table.where}`}
    GROUP BY 1) per_day),
done AS (SELECT to_char(dt, 'YYYY-MM-DD') AS dt, rows, changed_max, schema_hash
         FROM lake_partitions WHERE table_name = $table)
SELECT coalesce(src.dt, done.dt) AS dt
FROM src FULL OUTER JOIN done ON done.dt = src.dt
WHERE coalesce(src.dt, done.dt) < CAST($today AS VARCHAR) AND (
  (done.dt IS NULL AND src.dt >= CAST($lookback AS VARCHAR))
  OR src.dt IS NULL
  OR done.rows <> src.n
  OR src.changed > done.changed_max
  OR done.schema_hash <> CAST($hash AS VARCHAR))
ORDER BY 1`;

/** Upserts are keyed by the partition: a re-export replaces its row (the primary key; one writer per partition). */
const RECORD_PARTITION = `
INSERT INTO lake_partitions (table_name, dt, rows, files, bytes, schema_hash, changed_max, exported_at, feed_xid)
VALUES ($table, CAST($dt AS DATE), $rows, $files, $bytes, $hash, CAST($changed AS TIMESTAMPTZ), $at, $feed_xid::xid8)
ON CONFLICT (table_name, dt) DO UPDATE SET rows = excluded.rows, files = excluded.files, bytes = excluded.bytes,
  schema_hash = excluded.schema_hash, changed_max = excluded.changed_max, exported_at = excluded.exported_at,
  feed_xid = excluded.feed_xid`;
/** Every change of a transaction below this had ended before a snapshot taken after it: the snapshot holds it. */
const FEED_XMIN = 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xid';
const FORGET_PARTITION = 'DELETE FROM lake_partitions WHERE table_name = $table AND dt = CAST($dt AS DATE)';

/** Which partitions the nightly export writes, per table (see lakeExportJob). */
export async function planNightlyExport(db: Db, now: Date): Promise<Map<LakeTable, string[]>> {
  const today = istDate(now);
  const yesterday = istDate(now, 1);
  const lookback = istDate(now, LAKE_LOOKBACK_DAYS);
  const plan = new Map<LakeTable, string[]>();
  const tables = await lakeTablesPresent(db);
  const columns = await lakeColumns(db, tables);
  for (const table of tables) {
    const hash = schemaHash(columns.get(table) ?? []);
    const stale = await db.all<{ dt: string }>(staleDays(table), {
      today_start: istDayStart(today),
      today,
      lookback,
      table: table.name,
      hash,
    });
    const days = new Set(stale.map((r) => r.dt));
    days.add(yesterday);
    plan.set(table, [...days].sort());
  }
  return plan;
}

/**
 * Exports the given days of each table: their rows are copied from PostgreSQL into a DuckDB snapshot (a month of
 * days at a time), one DuckDB COPY per snapshot writes the partitions into a temp dir, then each partition is put.
 */
export async function exportPartitions(
  deps: LakeExportDeps,
  plan: ReadonlyMap<LakeTable, readonly string[]>,
): Promise<LakeExportResult> {
  const work = await mkdtemp(path.join(tmpdir(), 'kosh-lake-'));
  let partitions = 0;
  let rows = 0;
  let bytes = 0;
  let emptied = 0;
  try {
    for (const [table, days] of plan) {
      if (days.length === 0) continue;
      const r = await exportTableDays(deps, table, [...days].sort(), path.join(work, table.name));
      partitions += r.partitions;
      rows += r.rows;
      bytes += r.bytes;
      emptied += r.emptied;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { partitions, rows, bytes, emptied, tables: [...plan.keys()].map((t) => t.name) };
}

async function exportTableDays(
  deps: LakeExportDeps,
  table: LakeTable,
  days: readonly string[],
  dir: string,
): Promise<{ partitions: number; rows: number; bytes: number; emptied: number }> {
  const target = dir.replaceAll("'", "''"); // a temp path kosh made: no quote can appear in it
  const t0 = performance.now();
  const feedXid = (await deps.db.one<{ xid: string }>(FEED_XMIN))?.xid ?? null;
  let columns: { name: string; type: string }[] | null = null;
  let written = new Map<string, { dt: string; n: number; changed: string | null }>();
  for (let i = 0; i < days.length; i += SNAPSHOT_DAYS) {
    const chunk = days.slice(i, i + SNAPSHOT_DAYS);
    const last = i + SNAPSHOT_DAYS >= days.length;
    const duck = await snapshotToDuckDb(deps.db, table.sources(inDaysCondition(chunk)));
    try {
      columns ??= await describeLakeTable(duck, table);
      // The snapshot holds exactly the rows of these days: no date filter here.
      await duck.run(
        `COPY (SELECT ${table.select}, ${duckDayDate(table)} AS dt FROM ${table.from}
               ${table.where === undefined ? '' : `WHERE ${table.where}`})
           TO '${target}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt), FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE)`,
      );
      // What the files hold, read back from them: the manifest's row counts, and the staleness baseline (as text,
      // to the microsecond: a JS Date would cut it to milliseconds and leave the partition stale forever). A row
      // changed while the copy ran is either in the snapshot (so counted here) or moves the source's max past the
      // files' max, which makes the partition stale next night: never wrongly fresh.
      if (last && existsSync(dir) && (await readdir(dir)).length > 0) {
        written = new Map(
          (
            await duck.all<{ dt: string; n: number; changed: string | null }>(
              `SELECT strftime(dt, '%Y-%m-%d') AS dt, count(*) AS n,
                      strftime(max("${table.changedColumn}"), '%Y-%m-%d %H:%M:%S.%f') || '+00' AS changed
               FROM read_parquet('${target}/*/*.parquet', hive_partitioning = true) GROUP BY 1`,
            )
          ).map((r) => [r.dt, r]),
        );
      }
    } finally {
      await duck.close();
    }
  }
  const hash = schemaHash(columns ?? []);
  const t1 = performance.now();
  const exportedAt = deps.clock.now();
  let partitions = 0;
  let rows = 0;
  let bytes = 0;
  let emptied = 0;
  const recorded: { dt: string; rows: number; files: number; bytes: number; changed: string | null }[] = [];
  const cleared: string[] = [];
  // One listing of the table (1,000 keys a page on S3) rather than one per day: a backfill touches years.
  const existing = new Map<string, string[]>();
  for (const key of await deps.objects.list(LAKE_BUCKET, `${table.name}/`)) {
    const prefix = key.slice(0, key.lastIndexOf('/') + 1);
    existing.set(prefix, [...(existing.get(prefix) ?? []), key]);
  }
  for (const dt of days) {
    const prefix = partitionPrefix(table.name, dt);
    const local = path.join(dir, `dt=${dt}`);
    const files = existsSync(local) ? (await readdir(local)).filter((f) => f.endsWith('.parquet')).sort() : [];
    const before = existing.get(prefix) ?? [];
    const keys: { key: string; bytes: number }[] = [];
    for (const file of files) {
      const key = `${prefix}${file}`;
      const body = await readFile(path.join(local, file));
      await deps.objects.put(LAKE_BUCKET, key, body, PARQUET_CONTENT_TYPE);
      keys.push({ key, bytes: body.byteLength });
    }
    // Files of an earlier export that this one did not rewrite (it had more parts, or the day is now empty).
    const manifestKey = `${prefix}_manifest.json`;
    for (const key of before) {
      if (key !== manifestKey && !keys.some((k) => k.key === key)) await deps.objects.delete(LAKE_BUCKET, key);
    }
    const got = written.get(dt);
    const n = got?.n ?? 0;
    if (keys.length === 0) {
      await deps.objects.delete(LAKE_BUCKET, manifestKey);
      if (before.length > 0) emptied++;
      cleared.push(dt);
      continue;
    }
    const partitionBytes = keys.reduce((s, k) => s + k.bytes, 0);
    const manifest: LakeManifest = {
      format: 'kosh-lake/1',
      table: table.name,
      dt,
      rows: n,
      schema_hash: hash,
      columns: columns ?? [],
      files: keys,
      exported_at: exportedAt.toISOString(),
    };
    // Written last: a reader that trusts manifests sees the partition only once its files are in place.
    await deps.objects.put(LAKE_BUCKET, manifestKey, JSON.stringify(manifest, null, 2), 'application/json');
    recorded.push({ dt, rows: n, files: keys.length, bytes: partitionBytes, changed: got?.changed ?? null });
    partitions++;
    rows += n;
    bytes += partitionBytes;
  }
  await deps.db.transaction(async (tx) => {
    for (const dt of cleared) await tx.run(FORGET_PARTITION, { table: table.name, dt });
    for (const r of recorded) {
      await tx.run(RECORD_PARTITION, {
        table: table.name,
        dt: r.dt,
        rows: r.rows,
        files: r.files,
        bytes: r.bytes,
        hash,
        changed: r.changed,
        at: exportedAt,
        feed_xid: feedXid,
      });
    }
  });
  const ms = (a: number, b: number) => Math.round(b - a);
  deps.log?.info(
    {
      table: table.name,
      days: days.length,
      partitions,
      rows,
      bytes,
      snapshot_copy_read_back_ms: ms(t0, t1),
      store_ms: ms(t1, performance.now()),
    },
    'lake export',
  );
  return { partitions, rows, bytes, emptied };
}

/** Bytes of the Parquet files under a local directory: for the bench. */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}
