import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBPreparedStatement, DuckDBValue } from '@duckdb/node-api';

import type { Params, Row, Sql } from './db.js';

export interface DuckTx extends Sql {
  appender(table: string): Promise<DuckDBAppender>;
}

/**
 * DuckDB, the analytics engine (training sets, feature export, the lake): never the system of record.
 * One DuckDB file, one writer connection. Writes are serialized through `transaction` (DuckDB runs one
 * transaction per connection at a time); reads outside a transaction use their own connections and see
 * committed data only.
 */
export interface DuckDb extends Sql {
  transaction<T>(work: (tx: DuckTx) => Promise<T>): Promise<T>;
  /** The path of the database file, or `:memory:`. */
  readonly location: string;
  close(): Promise<void>;
}

type DuckModule = typeof import('@duckdb/node-api');
let duck: DuckModule | null = null;
/**
 * DuckDB's client, loaded on the first open (its native module costs a third of a second to import, and only the
 * analytics paths use it): every process that never opens DuckDB, the API and its tests included, skips it.
 */
export async function loadDuckDb(): Promise<DuckModule> {
  duck ??= await import('@duckdb/node-api');
  return duck;
}
/** The client, for code that runs only on a database opened through `loadDuckDb` (binding its parameters). */
function loaded(): DuckModule {
  if (duck === null) throw new Error('DuckDB is used before any database was opened');
  return duck;
}

function toDuck(value: unknown): DuckDBValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return loaded().jsToDuckDBValue(value, loaded().TIMESTAMP);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return loaded().listValue(value.map(toDuck));
  if (typeof value === 'object') return JSON.stringify(value);
  return value as DuckDBValue;
}

function bind(params: Params | undefined): Record<string, DuckDBValue> | undefined {
  if (params === undefined) return undefined;
  const out: Record<string, DuckDBValue> = {};
  for (const [k, v] of Object.entries(params)) out[k] = toDuck(v);
  return out;
}

function fromDuck(row: Record<string, unknown>): Row {
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new RangeError(`column ${k} holds ${v}, beyond a safe integer`);
      }
      row[k] = Number(v);
    }
  }
  return row;
}

/**
 * Plain SQL on one connection; a connection runs one statement at a time, so calls on it queue in order.
 *
 * Every call prepares its statement afresh. Caching prepared statements per SQL text saved about a third of
 * the time per statement, but DuckDB 1.5.6 plans a prepared statement against the table statistics of the
 * moment it was prepared, and a reused one then answers wrongly once the data changes: a literal predicate
 * (`status = 'on_hold'`) stays folded to "no rows", and a parameterless `ORDER BY` or `QUALIFY` over VARCHAR
 * columns returns corrupted strings (tests/platform/db.test.ts reproduces both). Correct answers come first.
 */
function sqlOn(conn: DuckDBConnection): Sql {
  const serial = createMutex();
  const withStatement = async <T>(
    sql: string,
    params: Params | undefined,
    use: (p: DuckDBPreparedStatement) => Promise<T>,
  ): Promise<T> => {
    const p = await conn.prepare(sql);
    try {
      const values = bind(params);
      if (values !== undefined) p.bind(values);
      return await use(p);
    } finally {
      p.destroySync();
    }
  };
  const all = <T>(sql: string, params?: Params): Promise<T[]> =>
    serial(() =>
      withStatement(sql, params, async (p) => {
        const reader = await p.runAndReadAll();
        return reader.getRowObjectsJS().map((r) => fromDuck(r as Record<string, unknown>)) as T[];
      }),
    );
  return {
    all,
    one: async <T>(sql: string, params?: Params) => (await all<T>(sql, params))[0],
    run: (sql, params) => serial(() => withStatement(sql, params, async (p) => Number((await p.run()).rowsChanged))),
  };
}

/** A promise chain: one holder at a time, in arrival order. */
function createMutex(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const result = tail.then(work, work);
    tail = result.catch(() => undefined);
    return result;
  };
}

export async function openDuckDb(location: string, options: { readers?: number } = {}): Promise<DuckDb> {
  if (location !== ':memory:') mkdirSync(path.dirname(location), { recursive: true });
  const instance = await (await loadDuckDb()).DuckDBInstance.create(location);
  const writer = await instance.connect();
  const readers: DuckDBConnection[] = [];
  for (let i = 0; i < (options.readers ?? 2); i++) readers.push(await instance.connect());
  const exclusive = createMutex();
  const writeSql = sqlOn(writer);
  const readSql = readers.map(sqlOn);
  let nextReader = 0;
  const reader = (): Sql => {
    const r = readSql[nextReader++ % readSql.length];
    if (r === undefined) throw new Error('no reader connection');
    return r;
  };

  const transaction = <T>(work: (tx: DuckTx) => Promise<T>): Promise<T> =>
    exclusive(async () => {
      await writer.run('BEGIN TRANSACTION');
      try {
        const result = await work({ ...writeSql, appender: (table) => writer.createAppender(table) });
        await writer.run('COMMIT');
        return result;
      } catch (err) {
        await writer.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });

  return {
    location,
    all: (sql, params) => reader().all(sql, params),
    one: (sql, params) => reader().one(sql, params),
    run: (sql, params) => exclusive(() => writeSql.run(sql, params)),
    transaction,
    close: async () => {
      await exclusive(async () => {
        for (const c of [writer, ...readers]) c.closeSync();
        instance.closeSync();
      });
    },
  };
}
