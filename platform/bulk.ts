import type { Tx } from './db.js';

/** Column kinds of a bulk load: varchar, integer, bigint, double, boolean, timestamp. */
export type ColumnKind = 'varchar' | 'integer' | 'bigint' | 'double' | 'boolean' | 'timestamp';

/**
 * The columns a bulk load writes, by name, in the order of each row's values (`{ id: 'varchar', amount_minor:
 * 'bigint' }`). Named, so the load does not depend on the table's column order; a column left out takes its default.
 */
export type Columns = Readonly<Record<string, ColumnKind>>;

/**
 * Loads rows into a table with PostgreSQL's `COPY table (columns…) FROM STDIN` inside the caller's transaction: the
 * bulk path, never one INSERT per row. Each row holds one value per named column, in `columns`' order; a null or
 * undefined value is NULL.
 */
export async function appendRows(
  tx: Tx,
  table: string,
  columns: Columns,
  rows: Iterable<readonly unknown[]>,
): Promise<number> {
  const names = Object.keys(columns);
  function* checked(): Generator<readonly unknown[]> {
    for (const row of rows) {
      if (row.length !== names.length) {
        throw new Error(`${table}: a row of ${row.length} values for ${names.length} columns`);
      }
      yield row;
    }
  }
  return tx.copyIn(table, names, checked());
}
