import { DuckDBTimestampValue } from '@duckdb/node-api';
import type { Tx } from './db.js';

/** Column kinds for the Appender: varchar, integer, bigint, double, boolean, timestamp, list of varchar. */
export type ColumnKind = 'varchar' | 'integer' | 'bigint' | 'double' | 'boolean' | 'timestamp';

/**
 * Appends rows to a table with DuckDB's Appender inside the caller's transaction: the bulk path, never one
 * INSERT per row. `kinds` lists every column of the table in order; a null or undefined value is NULL.
 */
export async function appendRows(
  tx: Tx,
  table: string,
  kinds: readonly ColumnKind[],
  rows: Iterable<readonly unknown[]>,
): Promise<number> {
  const appender = await tx.appender(table);
  let count = 0;
  try {
    for (const row of rows) {
      for (let i = 0; i < kinds.length; i++) {
        const v = row[i];
        if (v === null || v === undefined) {
          appender.appendNull();
          continue;
        }
        switch (kinds[i]) {
          case 'varchar':
            appender.appendVarchar(v as string);
            break;
          case 'integer':
            appender.appendInteger(v as number);
            break;
          case 'bigint':
            appender.appendBigInt(BigInt(v as number));
            break;
          case 'double':
            appender.appendDouble(v as number);
            break;
          case 'boolean':
            appender.appendBoolean(v as boolean);
            break;
          case 'timestamp':
            appender.appendTimestamp(new DuckDBTimestampValue(BigInt((v as Date).getTime()) * 1000n));
            break;
          default:
            throw new Error(`unknown column kind for ${table}[${i}]`);
        }
      }
      appender.endRow();
      count++;
    }
    appender.flushSync();
    appender.closeSync();
  } catch (err) {
    // The first error is the one worth reporting; closing an appender on an aborted transaction throws again.
    try {
      appender.closeSync();
    } catch {
      // already failed
    }
    throw err;
  }
  return count;
}
