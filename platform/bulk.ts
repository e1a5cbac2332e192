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

/** The indexes of `tables` that no constraint owns (plain and unique indexes), with their definitions. */
const FREE_INDEXES = `
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
WHERE i.indrelid = ANY ($tables::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
ORDER BY 1`;

/**
 * The index-backed constraints of `tables` (primary keys, unique) and every foreign key from or to them, each with
 * its table and definition; foreign keys last.
 */
const CONSTRAINTS = `
SELECT c.conname AS name, c.conrelid::regclass::text AS "table", pg_get_constraintdef(c.oid) AS definition,
       c.contype = 'f' AS foreign
FROM pg_constraint c
WHERE (c.contype IN ('p', 'u') AND c.conrelid = ANY ($tables::regclass[]))
   OR (c.contype = 'f' AND (c.conrelid = ANY ($tables::regclass[]) OR c.confrelid = ANY ($tables::regclass[])))
ORDER BY c.contype = 'f', 2, 1`;

interface Constraint {
  readonly name: string;
  readonly table: string;
  readonly definition: string;
  readonly foreign: boolean;
}

/**
 * Runs `load` (a bulk load into `tables`, inside the caller's transaction) with the indexes, keys and foreign keys of
 * those tables that are EMPTY taken off, and puts every one of them back before returning, in the same transaction:
 * PostgreSQL then checks each key and foreign key once over all the rows, with one sort or one join, instead of one
 * index probe, insert and row lock per row ("Populating a Database",
 * https://www.postgresql.org/docs/current/populate.html: remove indexes and foreign key constraints, load, recreate).
 *
 * What the database guarantees is unchanged: the load commits only if every primary key, unique index and foreign key
 * holds over every row (re-adding one checks all rows; a violation fails the transaction, so nothing is written), and
 * CHECK and NOT NULL constraints stay in force throughout. The tables are locked (ACCESS EXCLUSIVE) until the
 * transaction ends, so no other session ever sees them without their keys. A table that already holds rows keeps its
 * indexes and keys (they are checked row by row as it is loaded).
 */
export async function withKeysDeferred<T>(tx: Tx, tables: readonly string[], load: () => Promise<T>): Promise<T> {
  await tx.run(`LOCK TABLE ${tables.map(plainIdentifier).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  const empty: string[] = [];
  for (const table of tables) {
    if ((await tx.one(`SELECT 1 AS one FROM ${plainIdentifier(table)} LIMIT 1`)) === undefined) empty.push(table);
  }
  if (empty.length === 0) return load();
  const constraints = await tx.all<Constraint>(CONSTRAINTS, { tables: empty });
  const indexes = await tx.all<{ name: string; definition: string }>(FREE_INDEXES, { tables: empty });
  for (const c of [...constraints].reverse()) {
    await tx.run(`ALTER TABLE ${c.table} DROP CONSTRAINT ${quoteName(c.name)}`);
  }
  for (const index of indexes) await tx.run(`DROP INDEX ${index.name}`);
  const result = await load();
  // Room for the sorts of the index builds, this transaction only: the 6.5 M ledger lines of a 1 M-payment seed sort
  // in memory instead of merging runs from disk (the default, 64 MB, holds about 1 M keys).
  await tx.run("SET LOCAL maintenance_work_mem = '1GB'");
  for (const c of constraints) {
    await tx.run(`ALTER TABLE ${c.table} ADD CONSTRAINT ${quoteName(c.name)} ${c.definition}`);
  }
  for (const index of indexes) await tx.run(index.definition);
  return result;
}

/** A constraint name as PostgreSQL reports it, quoted. */
const quoteName = (name: string): string => `"${name.replace(/"/g, '""')}"`;

const plainIdentifier = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
};
