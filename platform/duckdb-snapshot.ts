import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Db } from './db.js';
import { type DuckDb, openDuckDb } from './duckdb.js';

/**
 * DuckDB is the analytics engine; PostgreSQL holds the records. A snapshot copies tables out of PostgreSQL
 * (`COPY … TO STDOUT (FORMAT csv)`) into an in-memory DuckDB under the same names and column types, so training
 * sets, feature exports and the lake run DuckDB SQL on a copy. Every table is read in one REPEATABLE READ
 * transaction: they agree with each other as of one instant.
 */
export interface SnapshotSource {
  /** The table's name, in PostgreSQL and in DuckDB. */
  readonly table: string;
  /** Only the rows matching this PostgreSQL condition (no parameters; values chosen in code), e.g. a date range. */
  readonly where?: string;
}

/** PostgreSQL type → DuckDB type of a snapshot column. */
function duckType(pgType: string): string {
  switch (pgType) {
    case 'bigint':
      return 'BIGINT';
    case 'integer':
    case 'smallint':
      return 'INTEGER';
    case 'double precision':
    case 'real':
    case 'numeric':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
    case 'json':
    case 'jsonb':
      return 'JSON';
    case 'ARRAY':
      return 'VARCHAR[]';
    default:
      return 'VARCHAR';
  }
}

/** How a column leaves PostgreSQL: timestamps as UTC wall time, arrays as JSON text (DuckDB reads both). */
function exported(name: string, type: string): string {
  if (type === 'TIMESTAMP') return `("${name}" AT TIME ZONE 'UTC') AS "${name}"`;
  if (type === 'VARCHAR[]') return `to_json("${name}")::text AS "${name}"`;
  return `"${name}"`;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

/** Copies the sources into a new in-memory DuckDB; the caller closes it. */
export async function snapshotToDuckDb(db: Db, sources: readonly SnapshotSource[]): Promise<DuckDb> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kosh-snapshot-'));
  const duck = await openDuckDb(':memory:');
  try {
    const files = await db.transaction(
      async (tx) => {
        const out: { source: SnapshotSource; columns: { name: string; type: string }[]; file: string }[] = [];
        for (const source of sources) {
          if (!IDENT.test(source.table)) throw new Error(`snapshot: not a table name: ${source.table}`);
          const columns = (
            await tx.all<{ name: string; data_type: string }>(
              `SELECT column_name AS name, data_type FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = $table ORDER BY ordinal_position`,
              { table: source.table },
            )
          ).map((c) => ({ name: c.name, type: duckType(c.data_type) }));
          if (columns.length === 0) throw new Error(`snapshot: no table ${source.table}`);
          const file = path.join(dir, `${source.table}.csv`);
          const select = `SELECT ${columns.map((c) => exported(c.name, c.type)).join(', ')} FROM ${source.table}${
            source.where === undefined ? '' : ` WHERE ${source.where}`
          }`;
          await tx.copyOut(`COPY (${select}) TO STDOUT (FORMAT csv, NULL '\\N')`, createWriteStream(file));
          out.push({ source, columns, file });
        }
        return out;
      },
      { isolation: 'repeatable read' },
    );
    for (const { source, columns, file } of files) {
      await duck.run(`CREATE TABLE ${source.table} (${columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
      const csvTypes = columns
        .map((c) => `'${c.name}': '${c.type === 'VARCHAR[]' || c.type === 'JSON' ? 'VARCHAR' : c.type}'`)
        .join(', ');
      const select = columns
        .map((c) => (c.type === 'VARCHAR[]' ? `CAST(json("${c.name}") AS VARCHAR[]) AS "${c.name}"` : `"${c.name}"`))
        .join(', ');
      await duck.run(
        `INSERT INTO ${source.table} SELECT ${select}
         FROM read_csv($file, header = false, columns = {${csvTypes}}, quote = '"', escape = '"',
                       nullstr = '\\N', auto_detect = false)`,
        { file },
      );
    }
  } catch (err) {
    await duck.close();
    throw err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return duck;
}
