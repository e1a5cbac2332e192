import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { invalid } from '../platform/errors.js';
import { DAY_MS, IST_OFFSET_MS, istDate } from '../platform/ist.js';
import type { JobSummary } from '../platform/job.js';
import type { Log } from '../platform/log.js';
import type { ObjectStore } from '../platform/objects.js';
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
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const dayDate = (t: LakeTable): string => `CAST(${t.at} + INTERVAL 330 MINUTE AS DATE)`;
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
  const existing = new Set(
    (
      await db.all<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main'",
      )
    ).map((r) => r.name),
  );
  return LAKE_TABLES.filter(
    (t) => (names === undefined || names.includes(t.name)) && t.requires.every((r) => existing.has(r)),
  );
}

/** Column names and DuckDB types of a lake table, as written to Parquet (without the `dt` partition column). */
export async function lakeColumns(db: Db, table: LakeTable): Promise<{ name: string; type: string }[]> {
  const rows = await db.all<{ column_name: string; column_type: string }>(
    `DESCRIBE SELECT ${table.select} FROM ${table.from} LIMIT 0`,
  );
  return rows.map((r) => ({ name: r.column_name, type: r.column_type }));
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
 * within the lookback (the server was down). Today is never exported: it is still being written.
 */
export async function lakeExportJob(deps: JobDeps, ctx: { now: Date }): Promise<JobSummary> {
  if (deps.objects === undefined) throw new Error('lake-export needs the object store');
  const started = Date.now();
  const exportDeps: LakeExportDeps = { db: deps.db, objects: deps.objects, clock: deps.clock, log: deps.log };
  const plan = await planNightlyExport(deps.db, ctx.now);
  const result = await exportPartitions(exportDeps, plan);
  return {
    yesterday: istDate(ctx.now, 1),
    tables: result.tables.length,
    partitions: result.partitions,
    emptied: result.emptied,
    rows: result.rows,
    bytes: result.bytes,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** Which partitions the nightly export writes, per table (see lakeExportJob). */
export async function planNightlyExport(db: Db, now: Date): Promise<Map<LakeTable, string[]>> {
  const today = istDate(now);
  const yesterday = istDate(now, 1);
  const lookback = istDate(now, LAKE_LOOKBACK_DAYS);
  const plan = new Map<LakeTable, string[]>();
  for (const table of await lakeTablesPresent(db)) {
    const hash = schemaHash(await lakeColumns(db, table));
    const stale = await db.all<{ dt: string }>(
      `WITH src AS (
         SELECT strftime(day, '%Y-%m-%d') AS dt, n, changed FROM (
           SELECT ${dayDate(table)} AS day, count(*) AS n, max(${table.changedAt}) AS changed
           FROM ${table.from} WHERE ${table.at} < $today_start ${table.where === undefined ? '' : `AND ${table.where}`}
           GROUP BY 1)),
       done AS (SELECT strftime(dt, '%Y-%m-%d') AS dt, rows, changed_max, schema_hash
                FROM lake_partitions WHERE table_name = $table)
       SELECT coalesce(src.dt, done.dt) AS dt
       FROM src FULL OUTER JOIN done ON done.dt = src.dt
       WHERE coalesce(src.dt, done.dt) < $today AND (
         (done.dt IS NULL AND src.dt >= $lookback)
         OR src.dt IS NULL
         OR done.rows <> src.n
         OR src.changed > done.changed_max
         OR done.schema_hash <> $hash)
       ORDER BY 1`,
      { today_start: istDayStart(today), today, lookback, table: table.name, hash },
    );
    const days = new Set(stale.map((r) => r.dt));
    days.add(yesterday);
    plan.set(table, [...days].sort());
  }
  return plan;
}

/** Exports the given days of each table: one DuckDB COPY per table into a temp dir, then puts per partition. */
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
  const first = days[0] ?? '';
  const last = days[days.length - 1] ?? '';
  // A run of consecutive days needs only the time bounds; scattered days (the nightly's stale ones) a list too.
  const contiguous = days.every((d, i) => i === 0 || d === nextDay(days[i - 1] ?? ''));
  const params = {
    from: istDayStart(first),
    to: istDayStart(nextDay(last)),
    ...(contiguous ? {} : { days: [...days] }),
  };
  const filter = [
    `${table.at} >= $from AND ${table.at} < $to`,
    ...(contiguous ? [] : [`list_contains(CAST($days AS DATE[]), ${dayDate(table)})`]),
    ...(table.where === undefined ? [] : [table.where]),
  ].join(' AND ');
  const columns = await lakeColumns(deps.db, table);
  const hash = schemaHash(columns);
  // `dir` is a temp path kosh made (no quote can appear in it); values are bound parameters.
  const target = dir.replaceAll("'", "''");
  const t0 = performance.now();
  await deps.db.all(
    `COPY (SELECT ${table.select}, ${dayDate(table)} AS dt FROM ${table.from} WHERE ${filter})
       TO '${target}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt), FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE)`,
    params,
  );
  // What the files hold, read back from them: the manifest's row counts, and the staleness baseline. A row
  // changed while the copy ran is either in the files (so counted here) or moves the source's max past the
  // files' max, which makes the partition stale next night: never wrongly fresh.
  const t1 = performance.now();
  const written = new Map(
    existsSync(dir) && (await readdir(dir)).length > 0
      ? (
          await deps.db.all<{ dt: string; n: number; changed: Date | null }>(
            `SELECT strftime(dt, '%Y-%m-%d') AS dt, count(*) AS n, max("${table.changedColumn}") AS changed
             FROM read_parquet('${target}/*/*.parquet', hive_partitioning = true) GROUP BY 1`,
          )
        ).map((r) => [r.dt, r])
      : [],
  );

  const t2 = performance.now();
  const exportedAt = deps.clock.now();
  let partitions = 0;
  let rows = 0;
  let bytes = 0;
  let emptied = 0;
  const recorded: { dt: string; rows: number; files: number; bytes: number; changed: Date | null }[] = [];
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
      columns,
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
    for (const dt of cleared) {
      await tx.run('DELETE FROM lake_partitions WHERE table_name = $table AND dt = CAST($dt AS DATE)', {
        table: table.name,
        dt,
      });
    }
    for (const r of recorded) {
      await tx.run(
        `INSERT OR REPLACE INTO lake_partitions
           (table_name, dt, rows, files, bytes, schema_hash, changed_max, exported_at)
         VALUES ($table, CAST($dt AS DATE), $rows, $files, $bytes, $hash, $changed, $at)`,
        {
          table: table.name,
          dt: r.dt,
          rows: r.rows,
          files: r.files,
          bytes: r.bytes,
          hash,
          changed: r.changed,
          at: exportedAt,
        },
      );
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
      copy_ms: ms(t0, t1),
      read_back_ms: ms(t1, t2),
      store_ms: ms(t2, performance.now()),
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
