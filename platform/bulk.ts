import type { Tx } from './db.js';

/** Column kinds of a bulk load: varchar, integer, bigint, double, boolean, timestamp. */
export type ColumnKind = 'varchar' | 'integer' | 'bigint' | 'double' | 'boolean' | 'timestamp';

/**
 * Loads rows into a table with PostgreSQL's `COPY … FROM STDIN` inside the caller's transaction: the bulk path,
 * never one INSERT per row. `kinds` lists every column of the table in order; a null or undefined value is NULL.
 */
export async function appendRows(
  tx: Tx,
  table: string,
  kinds: readonly ColumnKind[],
  rows: Iterable<readonly unknown[]>,
): Promise<number> {
  function* checked(): Generator<readonly unknown[]> {
    for (const row of rows) {
      if (row.length !== kinds.length) {
        throw new Error(`${table}: a row of ${row.length} values for ${kinds.length} columns`);
      }
      yield row;
    }
  }
  return tx.copyIn(table, null, checked());
}
