import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { AppError } from './errors.js';

export type Row = Record<string, unknown>;
export type Params = Readonly<Record<string, unknown>>;

/** What a use case may do inside or outside a transaction: plain parameterized SQL (`$name` placeholders). */
export interface Sql {
  all<T = Row>(sql: string, params?: Params): Promise<T[]>;
  one<T = Row>(sql: string, params?: Params): Promise<T | undefined>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: Params): Promise<number>;
}

export interface Tx extends Sql {
  /**
   * Streams rows into a table with `COPY … FROM STDIN`: the bulk path, never one INSERT per row. `columns` null =
   * every column of the table in order. Returns the number of rows.
   */
  copyIn(table: string, columns: readonly string[] | null, rows: Iterable<readonly unknown[]>): Promise<number>;
  /** Streams `COPY (query) TO STDOUT …` into a writable (a file): the bulk path out, e.g. to DuckDB. */
  copyOut(copySql: string, into: NodeJS.WritableStream): Promise<void>;
}

export interface TransactionOptions {
  /** `serializable` for invariants a row lock cannot state; failures of either kind are retried. */
  readonly isolation?: 'read committed' | 'repeatable read' | 'serializable';
}

/**
 * The system of record: PostgreSQL through a connection pool. Every statement outside `transaction` runs on
 * whichever pooled connection is free (autocommit); a transaction holds one connection from BEGIN to COMMIT and
 * is retried, whole, on a serialization failure or a deadlock (a bounded number of times). Correctness across
 * several kosh processes comes from the database (row locks, unique keys, guards), never from this module.
 */
export interface Db extends Sql {
  transaction<T>(work: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Where the data lives, without the password: for logs and `kosh doctor`. */
  readonly location: string;
  /** Whether the database answers a trivial query within the pool's connection timeout. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const TRANSACTION_ATTEMPTS = 4;
const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

/** `$name` → `$1`, outside string literals, quoted identifiers and comments; `::type` casts are left alone. */
export function toPositional(sql: string): { text: string; names: string[] } {
  const names: string[] = [];
  const index = new Map<string, number>();
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '$') {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1));
      if (m !== null) {
        const name = m[0];
        let n = index.get(name);
        if (n === undefined) {
          names.push(name);
          n = names.length;
          index.set(name, n);
        }
        out += `$${n}`;
        i += 1 + name.length;
        continue;
      }
    }
    out += c;
    i++;
  }
  return { text: out, names };
}

const positional = new Map<string, { text: string; names: string[] }>();
function compile(sql: string): { text: string; names: string[] } {
  let hit = positional.get(sql);
  if (hit === undefined) {
    hit = toPositional(sql);
    if (positional.size < 5_000) positional.set(sql, hit);
  }
  return hit;
}

function toPg(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date || Buffer.isBuffer(value) || value instanceof Uint8Array) return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`non-finite number ${value}`);
  if (Array.isArray(value)) return value.map(toPg);
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

function bind(sql: string, params: Params | undefined): { text: string; values: unknown[] } {
  if (params === undefined) return { text: sql, values: [] };
  const { text, names } = compile(sql);
  return {
    text,
    values: names.map((name) => {
      if (!(name in params)) throw new Error(`no value for $${name}`);
      return toPg(params[name]);
    }),
  };
}

const safeInteger = (text: string): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${text} is beyond a safe integer`);
  return n;
};
const arrayOf =
  <T>(parse: (s: string) => T) =>
  (text: string): (T | null)[] =>
    (pg.types.arrayParser as unknown as { create(t: string, p: (s: string) => T): { parse(): (T | null)[] } })
      .create(text, parse)
      .parse();

/**
 * What a column comes back as: bigint and numeric as JS numbers (checked safe: money is integer paise),
 * `date` as UTC midnight, `timestamp` read as UTC, json as its text (callers parse it where they need it).
 */
const PARSERS = new Map<number, (text: string) => unknown>([
  [20, safeInteger], // int8
  [1700, Number], // numeric
  [1082, (s) => new Date(`${s}T00:00:00Z`)], // date
  [1114, (s) => new Date(`${s.replace(' ', 'T')}Z`)], // timestamp
  [114, (s) => s], // json
  [3802, (s) => s], // jsonb
  [1016, arrayOf(safeInteger)], // int8[]
  [1231, arrayOf(Number)], // numeric[]
]);
const types = {
  getTypeParser: (oid: number, format?: string) =>
    PARSERS.get(oid) ?? (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format),
};

/** Errors that mean "the database is not there right now": answered 503 with Retry-After, never 500. */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string') {
    // connection exceptions, shutdowns, too many connections, and the database itself gone (3D000)
    if (/^(08|57P0[1-3]|53300|3D000)/.test(e.code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE'].includes(e.code)) return true;
  }
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    e?.message ?? '',
  );
}

function wrap(err: unknown): never {
  if (err instanceof AppError) throw err;
  if (isUnavailable(err)) {
    throw new AppError('unavailable', 'database_unavailable', 'The database is not reachable; try again shortly', {
      cause: err,
      extra: { retry_after_seconds: 2 },
    });
  }
  throw err;
}

function sqlOn(query: (text: string, values: unknown[]) => Promise<pg.QueryResult>): Sql {
  const all = async <T>(sql: string, params?: Params): Promise<T[]> => {
    const { text, values } = bind(sql, params);
    return (await query(text, values).catch(wrap)).rows as T[];
  };
  return {
    all,
    one: async <T>(sql: string, params?: Params) => (await all<T>(sql, params))[0],
    run: async (sql, params) => {
      const { text, values } = bind(sql, params);
      return (await query(text, values).catch(wrap)).rowCount ?? 0;
    },
  };
}

/** A PostgreSQL array literal: `{"a","b"}`, NULL elements unquoted. */
function arrayLiteral(values: readonly unknown[]): string {
  const item = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) return arrayLiteral(v);
    const text = v instanceof Date ? v.toISOString() : String(v);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  };
  return `{${values.map(item).join(',')}}`;
}

/** One value in COPY's text format. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  // The common cases first, without the escaping scan: a number or an instant never holds \, tab or a line break.
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return value.toISOString();
  let s: string;
  if (typeof value === 'string') s = value;
  else if (Array.isArray(value)) s = arrayLiteral(value);
  else if (typeof value === 'object') s = JSON.stringify(value);
  else s = String(value);
  return COPY_SPECIAL.test(s)
    ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : s;
}
const COPY_SPECIAL = /[\\\t\n\r]/;

const quoteIdent = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
};

async function copyIn(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[] | null,
  rows: Iterable<readonly unknown[]>,
): Promise<number> {
  const list = columns === null ? '' : ` (${columns.map(quoteIdent).join(', ')})`;
  const stream = client.query(copyFrom(`COPY ${quoteIdent(table)}${list} FROM STDIN`));
  let count = 0;
  let buffer = '';
  const flush = async (): Promise<void> => {
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', resolve));
  };
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  try {
    for (const row of rows) {
      buffer += `${row.map(copyText).join('\t')}\n`;
      count++;
      if (buffer.length > 1 << 16) await flush();
    }
    await flush();
    stream.end();
    await done;
  } catch (err) {
    stream.destroy();
    await done.catch(() => undefined);
    wrap(err);
  }
  return count;
}

export interface OpenDbOptions {
  /** Connections in the pool (default 16). */
  readonly max?: number;
  /** How long a request waits for a free connection before failing with 503 (default 5 s). */
  readonly connectionTimeoutMs?: number;
  /** Application name shown in pg_stat_activity. */
  readonly applicationName?: string;
}

/** A redacted form of a connection string, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export async function openDb(url: string, options: OpenDbOptions = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 16,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'kosh',
    options: '-c TimeZone=UTC -c statement_timeout=120000 -c idle_in_transaction_session_timeout=300000',
    types,
  } as pg.PoolConfig);
  // An idle client losing its server must not crash the process: the next query fails with 503 instead.
  pool.on('error', () => undefined);
  const pooled = sqlOn((text, values) => pool.query(text, values));

  const transaction = async <T>(work: (tx: Tx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect().catch(wrap);
      let broken = false;
      try {
        await client.query(opts.isolation === undefined ? 'BEGIN' : `BEGIN ISOLATION LEVEL ${opts.isolation}`);
        const tx: Tx = {
          ...sqlOn((text, values) => client.query(text, values)),
          copyIn: (table, columns, rows) => copyIn(client, table, columns, rows),
          copyOut: (copySql, into) => pipeline(client.query(copyTo(copySql)), into).catch(wrap),
        };
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        const code = (err as { code?: string })?.code ?? (err as { cause?: { code?: string } })?.cause?.code;
        if (code !== undefined && RETRYABLE.has(code) && attempt < TRANSACTION_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
          continue;
        }
        wrap(err);
      } finally {
        client.release(broken);
      }
    }
  };

  return {
    location: redactUrl(url),
    ...pooled,
    transaction,
    ping: async () => {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}
