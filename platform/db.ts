import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBPreparedStatement,
  type DuckDBValue,
  jsToDuckDBValue,
  listValue,
  TIMESTAMP,
} from '@duckdb/node-api';

export type Row = Record<string, unknown>;
export type Params = Readonly<Record<string, unknown>>;

/** What a use case may do inside or outside a transaction: plain parameterized SQL. */
export interface Sql {
  all<T = Row>(sql: string, params?: Params): Promise<T[]>;
  one<T = Row>(sql: string, params?: Params): Promise<T | undefined>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: Params): Promise<number>;
}

export interface Tx extends Sql {
  appender(table: string): Promise<DuckDBAppender>;
}

/**
 * One DuckDB file, one writer connection. Writes are serialized through `transaction` (DuckDB runs one
 * transaction per connection at a time); reads outside a transaction use their own connections and see
 * committed data only.
 */
export interface Db extends Sql {
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** The path of the database file, or `:memory:`. */
  readonly location: string;
  close(): Promise<void>;
}

function toDuck(value: unknown): DuckDBValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return jsToDuckDBValue(value, TIMESTAMP);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return listValue(value.map(toDuck));
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
 * Plain SQL on one connection. Statements are prepared once per SQL text and reused (about a third less
 * time per statement); a connection runs one statement at a time, so calls on it queue in order.
 *
 * Known DuckDB 1.5.6 bug met through this cache: a statement using `QUALIFY row_number() OVER (…)` prepared
 * while its table was empty returns corrupted VARCHAR values once rows exist. Pick latest-per-group rows with
 * `arg_max` instead (pipelines/repository.ts does).
 */
function sqlOn(conn: DuckDBConnection): Sql {
  const prepared = new Map<string, DuckDBPreparedStatement>();
  const serial = createMutex();
  const statement = async (sql: string, params: Params | undefined): Promise<DuckDBPreparedStatement> => {
    let p = prepared.get(sql);
    if (p === undefined) {
      p = await conn.prepare(sql);
      prepared.set(sql, p);
    }
    const values = bind(params);
    if (values !== undefined) p.bind(values);
    return p;
  };
  const all = <T>(sql: string, params?: Params): Promise<T[]> =>
    serial(async () => {
      const reader = await (await statement(sql, params)).runAndReadAll();
      return reader.getRowObjectsJS().map((r) => fromDuck(r as Record<string, unknown>)) as T[];
    });
  return {
    all,
    one: async <T>(sql: string, params?: Params) => (await all<T>(sql, params))[0],
    run: (sql, params) =>
      serial(async () => {
        const result = await (await statement(sql, params)).run();
        return Number(result.rowsChanged);
      }),
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

export async function openDb(location: string, options: { readers?: number } = {}): Promise<Db> {
  if (location !== ':memory:') mkdirSync(path.dirname(location), { recursive: true });
  const instance = await DuckDBInstance.create(location);
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

  const transaction = <T>(work: (tx: Tx) => Promise<T>): Promise<T> =>
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
