import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { toPositional } from '../platform/db.js';
import { openDuckDb } from '../platform/duckdb.js';
import { type BenchServer, createBenchDatabase, startBenchServer } from './bench-database.js';
import { closedLoop, figures, type LoadFigures } from './load-loops.js';

// The payment-shaped transaction: an order, a payment, two ledger postings, the one hot balance row every payment
// moves, and an idempotency row. The same six statements on every engine; only the timestamp type differs (DuckDB's
// TIMESTAMPTZ needs the ICU extension, which it would download).

const tables = (timestamp: string): string[] => [
  `CREATE TABLE e_orders (id VARCHAR PRIMARY KEY, customer_id VARCHAR NOT NULL, amount_minor BIGINT NOT NULL,
     status VARCHAR NOT NULL, created_at ${timestamp} NOT NULL)`,
  `CREATE TABLE e_payments (id VARCHAR PRIMARY KEY, order_id VARCHAR NOT NULL, amount_minor BIGINT NOT NULL,
     status VARCHAR NOT NULL, created_at ${timestamp} NOT NULL)`,
  `CREATE TABLE e_ledger (entry_id VARCHAR NOT NULL, line_no INTEGER NOT NULL, account VARCHAR NOT NULL,
     amount_minor BIGINT NOT NULL, PRIMARY KEY (entry_id, line_no))`,
  'CREATE TABLE e_balances (account VARCHAR PRIMARY KEY, balance_minor BIGINT NOT NULL)',
  `CREATE TABLE e_idempotency (key VARCHAR PRIMARY KEY, payment_id VARCHAR NOT NULL, created_at ${timestamp} NOT NULL)`,
  "INSERT INTO e_balances VALUES ('merchant', 0)",
];

const PAYMENT_TRANSACTION = [
  "INSERT INTO e_orders VALUES ($order_id, $customer_id, $amount, 'paid', $at)",
  "INSERT INTO e_payments VALUES ($payment_id, $order_id, $amount, 'captured', $at)",
  "INSERT INTO e_ledger VALUES ($payment_id, 1, 'gateway_receivable', $amount)",
  "INSERT INTO e_ledger VALUES ($payment_id, 2, 'customer_payments', $negative)",
  "UPDATE e_balances SET balance_minor = balance_minor + $amount WHERE account = 'merchant'",
  'INSERT INTO e_idempotency VALUES ($key, $payment_id, $at)',
] as const;

type Values = Record<string, string | number | Date>;

/** The n-th payment's values; `prefix` keeps runs (and processes) apart. */
const valuesOf = (prefix: string, n: number): Values => ({
  order_id: `ord_${prefix}${n}`,
  payment_id: `pay_${prefix}${n}`,
  customer_id: `cus_${n % 1000}`,
  amount: 50_000 + (n % 100),
  negative: -(50_000 + (n % 100)),
  key: `idem_${prefix}${n}`,
  at: new Date(),
});

const POSITIONAL = PAYMENT_TRANSACTION.map((sql) => toPositional(sql));
const positionalValues = (v: Values) => POSITIONAL.map(({ names }) => names.map((name) => v[name]));

/** An engine under test: set up, one payment transaction, tear down. */
interface Engine {
  readonly name: string;
  pay(n: number): Promise<void>;
  /** The balance row's value: checked against the payments done, so no update was lost. */
  balance(): Promise<number>;
  close(): Promise<void>;
}

async function duckDbEngine(dir: string, prefix: string): Promise<Engine> {
  const db = await openDuckDb(path.join(dir, 'engines.duckdb'));
  for (const sql of tables('TIMESTAMP')) await db.run(sql);
  return {
    name: 'DuckDB file (openDuckDb, transactions serialized by its writer mutex)',
    pay: async (n) => {
      const v = valuesOf(prefix, n);
      await db.transaction(async (tx) => {
        for (const [i, sql] of PAYMENT_TRANSACTION.entries()) {
          const names = POSITIONAL[i]?.names ?? [];
          await tx.run(sql, Object.fromEntries(names.map((name) => [name, v[name]])));
        }
      });
    },
    balance: async () => (await db.one<{ b: number }>('SELECT balance_minor AS b FROM e_balances'))?.b ?? 0,
    close: () => db.close(),
  };
}

/** The hot balance row's statement: `withoutHotRow` leaves it out, to show what that one row costs. */
const HOT_ROW = PAYMENT_TRANSACTION.findIndex((sql) => sql.startsWith('UPDATE e_balances'));

async function pgEngine(url: string, prefix: string, max: number, withoutHotRow = false): Promise<Engine> {
  const pool = new pg.Pool({ connectionString: url, max, options: '-c TimeZone=UTC' });
  pool.on('error', () => undefined);
  return {
    name: `PostgreSQL via pg (Pool of ${max})${withoutHotRow ? ', without the hot balance row update' : ''}`,
    pay: async (n) => {
      const values = positionalValues(valuesOf(prefix, n));
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const [i, { text }] of POSITIONAL.entries()) {
          if (!(withoutHotRow && i === HOT_ROW)) await client.query(text, values[i]);
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    balance: async () =>
      withoutHotRow
        ? Number((await pool.query('SELECT coalesce(sum(amount_minor), 0) AS b FROM e_payments')).rows[0]?.b ?? 0)
        : Number((await pool.query('SELECT balance_minor AS b FROM e_balances')).rows[0]?.b ?? 0),
    close: () => pool.end(),
  };
}

/**
 * An optional package: from the project (it is not a dependency, so normally absent), else from the node_modules
 * directory named by KOSH_BENCH_MODULES (a scratch install outside the project). Null when neither has it.
 */
async function importOptional(name: string): Promise<any | null> {
  try {
    return await import(name);
  } catch {
    // not installed in the project
  }
  const dir = process.env['KOSH_BENCH_MODULES'];
  const pkgDir = dir === undefined ? '' : path.join(dir, name);
  if (dir === undefined || !existsSync(path.join(pkgDir, 'package.json'))) return null;
  const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const pick = (entry: unknown): string | null => {
    if (typeof entry === 'string') return entry;
    if (entry === null || typeof entry !== 'object') return null;
    const e = entry as Record<string, unknown>;
    return pick(e['node']) ?? pick(e['import']) ?? pick(e['default']) ?? pick(e['.']);
  };
  const entry = pick(pkg.exports) ?? pkg.module ?? pkg.main ?? 'index.js';
  return import(pathToFileURL(path.join(pkgDir, entry)).href);
}

async function postgresJsEngine(url: string, prefix: string, max: number): Promise<Engine | string> {
  const mod = await importOptional('postgres');
  if (mod === null) return 'skipped: the `postgres` package is not installed (not a kosh dependency)';
  const postgres = mod.default ?? mod;
  const sql = postgres(url, { max, connection: { TimeZone: 'UTC' }, onnotice: () => undefined });
  return {
    name: `PostgreSQL via postgres.js ${mod.default?.version ?? ''}(max ${max}, prepared statements)`.replace(
      '  ',
      ' ',
    ),
    pay: async (n) => {
      const values = positionalValues(valuesOf(prefix, n));
      await sql.begin(async (tx: any) => {
        for (const [i, { text }] of POSITIONAL.entries()) await tx.unsafe(text, values[i], { prepare: true });
      });
    },
    balance: async () => Number((await sql.unsafe('SELECT balance_minor AS b FROM e_balances'))[0]?.b ?? 0),
    close: () => sql.end({ timeout: 5 }),
  };
}

async function pgliteEngine(dir: string, prefix: string): Promise<Engine | string> {
  const mod = await importOptional('@electric-sql/pglite');
  if (mod === null) return 'skipped: @electric-sql/pglite is not installed (not a kosh dependency)';
  const db = await mod.PGlite.create(path.join(dir, 'pglite'));
  await db.exec(`${tables('TIMESTAMPTZ').join(';\n')};`);
  return {
    name: 'PGlite (in-process WASM PostgreSQL, data dir on disk, one backend)',
    pay: async (n) => {
      const values = positionalValues(valuesOf(prefix, n));
      await db.transaction(async (tx: any) => {
        for (const [i, { text }] of POSITIONAL.entries()) await tx.query(text, values[i]);
      });
    },
    balance: async () => Number((await db.query('SELECT balance_minor AS b FROM e_balances')).rows[0]?.b ?? 0),
    close: () => db.close(),
  };
}

async function createTables(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const sql of tables('TIMESTAMPTZ')) await client.query(sql);
  } finally {
    await client.end();
  }
}

const expectedBalance = (prefix: string, done: readonly number[]): number =>
  done.reduce((sum, n) => sum + Number(valuesOf(prefix, n).amount), 0);

interface Measured {
  readonly name: string;
  readonly figures: LoadFigures | null;
  readonly note: string;
}

/** Warm-up, then `clients` back to back; the balance must equal the sum of the payments that committed. */
async function measure(engine: Engine, prefix: string, o: EnginesOptions): Promise<Measured> {
  const done: number[] = [];
  const pay = async (n: number) => {
    await engine.pay(n);
    done.push(n);
  };
  await closedLoop(o.clients, 100, 10, (n) => pay(1e7 + n));
  const f = await closedLoop(o.clients, o.transactions, o.seconds, (n) => pay(n));
  const balance = await engine.balance();
  const ok = balance === expectedBalance(prefix, done);
  return { name: engine.name, figures: f, note: ok ? '' : `balance ${balance} ≠ sum of committed payments` };
}

// ---------------------------------------------------------------------------------------------------------------
// Processes: N children, each a pg Pool with `clients` clients, started together against one database.

interface ChildSpec {
  readonly url: string;
  readonly clients: number;
  readonly transactions: number;
  readonly seconds: number;
  readonly prefix: string;
}

interface ChildResult {
  readonly latencies: number[];
  readonly errors: number;
  readonly seconds: number;
  readonly firstError: string | null;
}

/** In a child: connect and warm up, say ready, wait for go, run, send the latencies. */
async function runChild(spec: ChildSpec): Promise<void> {
  const engine = await pgEngine(spec.url, spec.prefix, spec.clients);
  await closedLoop(spec.clients, 50, 10, (n) => engine.pay(1e7 + n));
  const send = (m: unknown) => new Promise<void>((resolve) => process.send?.(m, () => resolve()));
  await send({ ready: true });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const latencies: number[] = [];
  const f = await closedLoop(spec.clients, spec.transactions, spec.seconds, async (n) => {
    const t0 = performance.now();
    await engine.pay(n);
    latencies.push(performance.now() - t0);
  });
  await send({ latencies, errors: f.errors, seconds: f.seconds, firstError: f.firstError } satisfies ChildResult);
  await engine.close();
  process.disconnect();
}

async function processes(
  url: string,
  count: number,
  clients: number,
  o: EnginesOptions,
  prefix: string,
): Promise<LoadFigures> {
  const children: ChildProcess[] = [];
  try {
    const ready: Promise<void>[] = [];
    const results: Promise<ChildResult>[] = [];
    for (let i = 0; i < count; i++) {
      const spec: ChildSpec = {
        url,
        clients,
        transactions: Math.ceil(o.transactions / count),
        seconds: o.seconds,
        prefix: `${prefix}p${i}_`,
      };
      const child = fork(fileURLToPath(import.meta.url), ['--engines-child', JSON.stringify(spec)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      const exited = new Promise<never>((_, reject) =>
        child.once('exit', (code) => reject(new Error(`engine child exited ${code}`))),
      );
      exited.catch(() => undefined);
      const messages: unknown[] = [];
      const next = () =>
        Promise.race([
          new Promise<unknown>((resolve) => {
            const m = messages.shift();
            if (m !== undefined) resolve(m);
            else child.once('message', () => resolve(messages.shift()));
          }),
          exited,
        ]);
      child.on('message', (m) => messages.push(m));
      const first = next();
      ready.push(first.then(() => undefined));
      results.push(first.then(() => next() as Promise<ChildResult>));
    }
    await Promise.all(ready);
    for (const child of children) child.send({ go: true });
    const all = await Promise.all(results);
    const latencies = all.flatMap((r) => r.latencies);
    const errors = all.reduce((s, r) => s + r.errors, 0);
    return figures(
      latencies,
      errors,
      Math.max(...all.map((r) => r.seconds)),
      all.find((r) => r.firstError !== null)?.firstError ?? null,
    );
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  }
}

// ---------------------------------------------------------------------------------------------------------------

interface EnginesOptions {
  readonly clients: number;
  readonly transactions: number;
  readonly seconds: number;
}

/**
 * `npm run bench -- engines [--clients 16] [--transactions 5000] [--seconds 10]`: the same six-statement
 * payment-shaped transaction (order, payment, two ledger postings, one hot balance row, an idempotency row) at
 * `clients` concurrent clients on a DuckDB file, PostgreSQL through `pg` and through postgres.js, and PGlite; then
 * two processes of clients/2 each against one PostgreSQL vs one process of `clients`. postgres.js and PGlite are
 * not kosh dependencies: skipped unless importable (from the project or from KOSH_BENCH_MODULES=<node_modules dir>).
 * PostgreSQL: KOSH_BENCH_DATABASE_URL when set, else the embedded default.
 */
export async function enginesBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string', default: '16' },
      transactions: { type: 'string', default: '5000' },
      seconds: { type: 'string', default: '10' },
    },
  });
  const o: EnginesOptions = {
    clients: Number(values.clients),
    transactions: Number(values.transactions),
    seconds: Number(values.seconds),
  };
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'kosh-bench-engines-'));
  let server: BenchServer | null = null;
  const rows: Measured[] = [];
  const run = randomBytes(3).toString('hex');
  try {
    server = await startBenchServer();
    console.log(`PostgreSQL: ${server.label}; each engine: up to ${o.transactions} transactions or ${o.seconds} s`);
    const fresh = async () => {
      const database = await createBenchDatabase(server?.url ?? '', { migrate: false });
      await createTables(database.url);
      return database;
    };
    const engines: (() => Promise<{ engine: Engine | string; drop?: () => Promise<void> }>)[] = [
      async () => ({ engine: await duckDbEngine(dir, run) }),
      async () => {
        const d = await fresh();
        return { engine: await pgEngine(d.url, run, o.clients), drop: d.drop };
      },
      async () => {
        const d = await fresh();
        const engine = await postgresJsEngine(d.url, run, o.clients);
        return { engine, drop: d.drop };
      },
      async () => ({ engine: await pgliteEngine(dir, run) }),
      async () => {
        const d = await fresh();
        return { engine: await pgEngine(d.url, run, o.clients, true), drop: d.drop };
      },
    ];
    for (const start of engines) {
      const { engine, drop } = await start();
      try {
        if (typeof engine === 'string') {
          rows.push({ name: engine, figures: null, note: engine });
          console.log(engine);
          continue;
        }
        const m = await measure(engine, run, o);
        rows.push(m);
        console.log(`${m.name}: ${Math.round(m.figures?.perSecond ?? 0)} tx/s ${m.note}`);
        await engine.close();
      } finally {
        await drop?.();
      }
    }
    for (const [count, clients] of [
      [1, o.clients],
      [2, Math.ceil(o.clients / 2)],
    ] as const) {
      const d = await fresh();
      try {
        const f = await processes(d.url, count, clients, o, run);
        const name = `PostgreSQL via pg, ${count} process${count > 1 ? 'es' : ''} × ${clients} clients (child processes)`;
        rows.push({ name, figures: f, note: '' });
        console.log(`${name}: ${Math.round(f.perSecond)} tx/s`);
      } finally {
        await d.drop();
      }
    }
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const base =
    rows.find((r) => r.figures !== null && r.name.startsWith('PostgreSQL via pg ('))?.figures?.perSecond ?? 0;
  console.log(`\n${o.clients} clients, the six-statement payment transaction:`);
  console.log('| engine | transactions | tx/s | p50 ms | p99 ms | errors | ratio to pg Pool |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const f = r.figures;
    if (f === null) {
      console.log(`| ${r.name} | — | — | — | — | — | — |`);
      continue;
    }
    console.log(
      `| ${r.name} | ${f.done} | ${Math.round(f.perSecond)} | ${f.p50Ms.toFixed(1)} | ${f.p99Ms.toFixed(1)} | ${f.errors} | ${base === 0 ? '—' : (f.perSecond / base).toFixed(2)} |${r.note === '' ? '' : ` ${r.note}`}`,
    );
  }
  const firstError = rows.find((r) => r.figures?.firstError != null)?.figures?.firstError;
  if (firstError !== undefined && firstError !== null) console.log(`first error: ${firstError}`);
}

if (process.argv[2] === '--engines-child') {
  await runChild(JSON.parse(process.argv[3] ?? '{}') as ChildSpec);
}
