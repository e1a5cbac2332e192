import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  makeVector,
  Table,
  TimestampMillisecond,
  tableToIPC,
  Uint8,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import type { Db } from '../platform/db.js';
import { loadDuckDb } from '../platform/duckdb.js';
import { notFound } from '../platform/errors.js';
import { FEATURE_SETS, type FeatureTable, type FeatureWindow } from './feature-sets.js';

export type FeatureFormat = 'parquet' | 'arrow';

/** The named feature set over `window`, encoded as a Parquet file or an Arrow IPC file. */
export async function exportFeatures(
  deps: { db: Db },
  request: { set: string; format: FeatureFormat } & FeatureWindow,
): Promise<{ bytes: Uint8Array; rows: number; table: FeatureTable }> {
  const set = FEATURE_SETS[request.set];
  if (set === undefined) {
    throw notFound('feature_set', request.set);
  }
  const table = await set.load(deps, request);
  const bytes = request.format === 'arrow' ? toArrow(table) : await toParquet(table);
  return { bytes, rows: table.ids.length, table };
}

/** Columns: id, event_time (UTC), label (when the set has one), then one DOUBLE column per feature. */
export function toArrow(t: FeatureTable): Uint8Array {
  const columns: Record<string, Vector> = {
    id: vectorFromArray(t.ids as string[], new Utf8()),
    event_time: vectorFromArray(t.at as Date[], new TimestampMillisecond()),
  };
  if (t.labels !== null) columns.label = makeVector({ type: new Uint8(), data: t.labels });
  t.features.forEach((name, j) => {
    const values = new Float64Array(t.rows.length);
    for (let i = 0; i < t.rows.length; i++) values[i] = t.rows[i]?.[j] ?? Number.NaN;
    columns[name] = makeVector(values);
  });
  return tableToIPC(new Table(columns), 'file');
}

/** Written by a private in-memory DuckDB (appender, then COPY … (FORMAT parquet)), never the service's database. */
export async function toParquet(t: FeatureTable): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kosh-features-'));
  const { DuckDBInstance, DuckDBTimestampValue } = await loadDuckDb();
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
    const columns = [
      'id VARCHAR',
      'event_time TIMESTAMP',
      ...(t.labels === null ? [] : ['label UTINYINT']),
      ...t.features.map((f) => `${quote(f)} DOUBLE`),
    ];
    await conn.run(`CREATE TABLE features (${columns.join(', ')})`);
    const appender = await conn.createAppender('features');
    for (let i = 0; i < t.ids.length; i++) {
      appender.appendVarchar(t.ids[i] as string);
      appender.appendTimestamp(new DuckDBTimestampValue(BigInt((t.at[i] as Date).getTime()) * 1000n));
      if (t.labels !== null) appender.appendUTinyInt(t.labels[i] as number);
      const row = t.rows[i] as Float64Array;
      for (let j = 0; j < t.features.length; j++) appender.appendDouble(row[j] as number);
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
    const file = path.join(dir, 'features.parquet');
    await conn.run(`COPY features TO '${file.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`);
    return new Uint8Array(await readFile(file));
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}
