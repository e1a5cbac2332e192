import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type Db, openDb, type Params, type Tx, toPositional } from '../platform/db.js';
import { createLog } from '../platform/log.js';
import { startBenchApp } from './bench-app.js';
import {
  type BenchServer,
  createBenchDatabase,
  externalBenchServer,
  startEmbeddedBenchServer,
} from './bench-database.js';
import { closedLoop, type LoadFigures, openLoop } from './load-loops.js';
import { workersBench } from './workers.js';

/** The parent's browser the platform relays with a UPI payment: Razorpay takes a UPI collect only with it. */
const PAYER = { ip: '117.217.74.98', referer: 'https://meals.example.in/pay', user_agent: 'Mozilla/5.0 (kosh bench)' };

/** kosh's pool size (platform/db.ts default), used for the bare replay too. */
const POOL_SIZE = 16;

// ---------------------------------------------------------------------------------------------------------------
// Recording: every statement kosh sends for one order + payment, with its parameters and transaction.

interface Step {
  /** The transaction it ran in (a number per BEGIN … COMMIT), or null for autocommit. */
  readonly tx: number | null;
  readonly isolation: string | undefined;
  readonly method: 'all' | 'one' | 'run';
  readonly sql: string;
  readonly params: Params | undefined;
  /** Rows returned (all/one) or changed (run): the replay is checked against it. */
  readonly rows: number;
}

interface RecordingDb {
  readonly db: Db;
  start(): void;
  stop(): Step[];
}

/** A `Db` that passes everything through and, between `start` and `stop`, writes down every statement. */
function recordingDb(inner: Db): RecordingDb {
  let steps: Step[] | null = null;
  let nextTx = 0;
  const sqlOf = (target: Pick<Tx, 'all' | 'one' | 'run'>, tx: number | null, isolation: string | undefined) => ({
    all: async <T>(sql: string, params?: Params): Promise<T[]> => {
      const rows = await target.all<T>(sql, params);
      steps?.push({ tx, isolation, method: 'all', sql, params, rows: rows.length });
      return rows;
    },
    one: async <T>(sql: string, params?: Params): Promise<T | undefined> => {
      const row = await target.one<T>(sql, params);
      steps?.push({ tx, isolation, method: 'one', sql, params, rows: row === undefined ? 0 : 1 });
      return row;
    },
    run: async (sql: string, params?: Params): Promise<number> => {
      const n = await target.run(sql, params);
      steps?.push({ tx, isolation, method: 'run', sql, params, rows: n });
      return n;
    },
  });
  const db: Db = {
    ...sqlOf(inner, null, undefined),
    location: inner.location,
    ping: () => inner.ping(),
    close: () => inner.close(),
    transaction: (work, options) =>
      inner.transaction((tx) => {
        const id = nextTx++;
        const recorded: Tx = {
          ...sqlOf(tx, id, options?.isolation),
          copyIn: (table, columns, rows) => {
            if (steps !== null) throw new Error(`the recording cannot replay COPY into ${table}`);
            return tx.copyIn(table, columns, rows);
          },
          copyOut: (copySql, into) => tx.copyOut(copySql, into),
        };
        return work(recorded);
      }, options),
  };
  return {
    db,
    start: () => {
      steps = [];
    },
    stop: () => {
      const out = steps ?? [];
      steps = null;
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Replay: the recorded statements through a bare `pg` pool, with fresh ids.

const sameValue = (a: unknown, b: unknown): boolean =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : JSON.stringify(a) === JSON.stringify(b);

/** A kosh or gateway id inside JSON text (`pay_8fK2…`: a prefix and 14 base62 characters). */
const ID_TOKEN = /\b[a-z]+_[A-Za-z0-9]{14}\b/g;

/** Strings that differ between two recorded payments (ids, keys, gateway ids): each replay gets its own. */
function perPaymentTokens(a: Step[], b: Step[]): string[] {
  if (a.length !== b.length || a.some((s, i) => s.sql !== b[i]?.sql)) {
    const list = (x: Step[]) => x.map((s) => `  ${s.tx === null ? '-' : 'T'} ${oneLine(s.sql)}`).join('\n');
    throw new Error(`two payments issued different statements:\n${list(a)}\nvs\n${list(b)}`);
  }
  // Every string a recording carries: whole values, and the ids inside JSON text (stored payloads, responses).
  const strings = (steps: Step[]): Set<string> => {
    const out = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === 'string') {
        // JSON text stays JSON: only the ids inside it are rewritten, never the whole.
        if (!/^\s*[[{]/.test(value)) out.add(value);
        for (const m of value.matchAll(ID_TOKEN)) out.add(m[0]);
      } else if (Array.isArray(value)) value.forEach(collect);
      else if (value !== null && typeof value === 'object' && !(value instanceof Date)) collect(JSON.stringify(value));
    };
    for (const step of steps) Object.values(step.params ?? {}).forEach(collect);
    return out;
  };
  // Per payment = seen in one payment and nowhere in the other (the customer's id, say, is in both).
  const other = strings(b);
  const tokens = [...strings(a)].filter((t) => !other.has(t));
  return tokens.filter((t) => t.length >= 4).sort((x, y) => y.length - x.length);
}

interface Statement {
  readonly tx: number | null;
  readonly isolation: string | undefined;
  /** Whether this is the transaction's last statement (COMMIT after it). */
  readonly last: boolean;
  readonly method: Step['method'];
  readonly text: string;
  readonly names: readonly string[];
  readonly params: Params;
  readonly rows: number;
}

interface Replay {
  readonly statements: readonly Statement[];
  readonly transactions: number;
  /** One payment's statements with fresh ids and times; `n` makes them unique. */
  values(statement: Statement, n: number, shiftMs: number): unknown[];
}

function replayOf(a: Step[], b: Step[]): Replay {
  const tokens = perPaymentTokens(a, b);
  const pattern =
    tokens.length === 0 ? null : new RegExp(tokens.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const lastOf = new Map<number, number>();
  a.forEach((s, i) => {
    if (s.tx !== null) lastOf.set(s.tx, i);
  });
  const statements = a.map((s, i): Statement => {
    const { text, names } = toPositional(s.sql);
    return {
      tx: s.tx,
      isolation: s.isolation,
      last: s.tx !== null && lastOf.get(s.tx) === i,
      method: s.method,
      text,
      names,
      params: s.params ?? {},
      rows: s.rows,
    };
  });
  const varying = new Set<string>();
  a.forEach((s, i) => {
    for (const [name, value] of Object.entries(s.params ?? {})) {
      if (value instanceof Date && !sameValue(value, b[i]?.params?.[name])) varying.add(`${i}:${name}`);
    }
  });
  const indexOf = new Map<Statement, number>(statements.map((s, i) => [s, i]));
  const suffix = `_r${randomBytes(3).toString('hex')}`;
  const fresh = (text: string, n: number) =>
    pattern === null ? text : text.replace(pattern, (m) => `${m}${suffix}${n}`);
  const convert = (value: unknown, n: number): unknown => {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return fresh(value, n);
    if (value instanceof Date) return value;
    if (typeof value === 'bigint') return value.toString();
    if (Array.isArray(value)) return value.map((v) => convert(v, n));
    if (typeof value === 'object') return fresh(JSON.stringify(value), n);
    return value;
  };
  return {
    statements,
    transactions: new Set(a.filter((s) => s.tx !== null).map((s) => s.tx)).size,
    values: (statement, n, shiftMs) => {
      const i = indexOf.get(statement) ?? -1;
      return statement.names.map((name) => {
        const value = statement.params[name];
        if (value instanceof Date && varying.has(`${i}:${name}`)) return new Date(value.getTime() + shiftMs);
        return convert(value, n);
      });
    },
  };
}

/** A bare pool, configured like kosh's (size, UTC sessions), nothing else; `durable: false` = no flush at commit. */
function barePool(url: string, durable = true): pg.Pool {
  const options = durable ? '-c TimeZone=UTC' : '-c TimeZone=UTC -c synchronous_commit=off';
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, options });
  pool.on('error', () => undefined);
  return pool;
}

/** Runs one payment's statements in the recorded order and transactions; returns those whose row count differed. */
async function replayOne(pool: pg.Pool, replay: Replay, n: number, shiftMs: number): Promise<string[]> {
  const open = new Map<number, pg.PoolClient>();
  const mismatches: string[] = [];
  try {
    for (const s of replay.statements) {
      const values = replay.values(s, n, shiftMs);
      let r: pg.QueryResult;
      if (s.tx === null) {
        r = await pool.query(s.text, values);
      } else {
        let client = open.get(s.tx);
        if (client === undefined) {
          client = await pool.connect();
          open.set(s.tx, client);
          await client.query(s.isolation === undefined ? 'BEGIN' : `BEGIN ISOLATION LEVEL ${s.isolation}`);
        }
        r = await client.query(s.text, values);
        if (s.last) {
          await client.query('COMMIT');
          client.release();
          open.delete(s.tx);
        }
      }
      // Counted as kosh's Db counts: rows changed for `run`, rows returned for `all`, found or not for `one`.
      const rows =
        s.method === 'run' ? (r.rowCount ?? 0) : s.method === 'all' ? r.rows.length : Math.min(1, r.rows.length);
      if (rows !== s.rows) mismatches.push(`${oneLine(s.text)}: ${rows} rows, recorded ${s.rows}`);
    }
  } finally {
    for (const client of open.values()) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
  return mismatches;
}

// ---------------------------------------------------------------------------------------------------------------
// One server: kosh over HTTP and the bare replay, same database, same run.

export interface PaymentsBenchOptions {
  readonly payments: number;
  readonly seconds: number;
  readonly clients: readonly number[];
  readonly rate: number;
  readonly rateSeconds: number;
  readonly idempotencyKeys: boolean;
  /** Also replay with synchronous_commit=off at the first client count: what the commit flushes cost. */
  readonly diagnose: boolean;
}

export interface ServerFigures {
  readonly label: string;
  readonly statements: number;
  readonly transactions: number;
  /** Statements outside any transaction. */
  readonly autocommit: number;
  readonly replayMismatches: readonly string[];
  readonly api: ReadonlyMap<number, LoadFigures>;
  readonly bare: ReadonlyMap<number, LoadFigures>;
  readonly apiAtRate: LoadFigures;
  readonly bareAtRate: LoadFigures;
  /** The bare replay with synchronous_commit=off (not durable), when diagnosing. */
  readonly bareNoFlush: LoadFigures | null;
  readonly sql: readonly string[];
}

interface KoshUnderTest {
  readonly db: Db;
  readonly recording: RecordingDb;
  pay(n: number): Promise<void>;
  close(): Promise<void>;
}

async function startKosh(databaseUrl: string, idempotencyKeys: boolean): Promise<KoshUnderTest> {
  const log = createLog({ level: 'silent' });
  const inner = await openDb(databaseUrl);
  const recording = recordingDb(inner);
  const db = recording.db;
  const { url, key, close } = await startBenchApp(db, log);
  const run = randomBytes(3).toString('hex');
  const post = async (
    path: string,
    body: unknown,
    idempotencyKey?: string,
  ): Promise<{ id: string; status?: string }> => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
      },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; status?: string };
  };
  const school = await post('/v1/schools', { name: 'Bench School', city: 'Pune', state_code: 'MH' });
  const customer = await post('/v1/customers', {
    school_id: school.id,
    name: 'Bench Parent',
    email: 'bench@example.in',
    phone: '+919800000000',
    state_code: 'MH',
  });
  return {
    db,
    recording,
    pay: async (n) => {
      const ik = idempotencyKeys ? `bench-${run}-${n}` : undefined;
      const order = await post(
        '/v1/orders',
        { customer_id: customer.id, amount: 50_000 },
        ik === undefined ? undefined : `${ik}-order`,
      );
      const payment = await post(
        '/v1/payments',
        { order_id: order.id, upi: { flow: 'intent' }, ...PAYER },
        ik === undefined ? undefined : `${ik}-payment`,
      );
      // A UPI intent: sent, awaiting the parent's app (the simulator's /v1/sim/upi-intents/:id/pay completes it).
      if (payment.status !== 'created') throw new Error(`payment ended ${payment.status}`);
    },
    close: async () => {
      await close();
      await inner.close();
    },
  };
}

async function benchServer(server: BenchServer, options: PaymentsBenchOptions): Promise<ServerFigures> {
  const database = await createBenchDatabase(server.url);
  const kosh = await startKosh(database.url, options.idempotencyKeys);
  const pool = barePool(database.url);
  try {
    // Warm-up: JIT, connections, plans; not measured.
    await closedLoop(4, 100, 10, (n) => kosh.pay(1_000_000 + n));

    // Payments recorded one after the other until two in a row issued the same statements (now and then one
    // carries a statement the other does not, e.g. a throttled bookkeeping write): what differs between them is
    // per payment.
    const recorded: Step[][] = [];
    const same = (x: Step[] | undefined, y: Step[] | undefined) =>
      x !== undefined && y !== undefined && x.length === y.length && x.every((s, i) => s.sql === y[i]?.sql);
    while (recorded.length < 2 || !same(recorded.at(-2), recorded.at(-1))) {
      if (recorded.length === 8) throw new Error('no two recorded payments issued the same statements');
      kosh.recording.start();
      await kosh.pay(2_000_000 + recorded.length);
      recorded.push(kosh.recording.stop());
    }
    const a = recorded.at(-2) as Step[];
    const b = recorded.at(-1) as Step[];
    const replay = replayOf(a, b);
    const recordedAt = Date.now();
    // Transactions numbered from the recording's first (its first statement may be autocommit).
    const firstTx = Math.min(...a.flatMap((s) => (s.tx === null ? [] : [s.tx])));
    let replayed = 0;
    const bare = async (): Promise<void> => {
      const n = replayed++;
      const mismatches = await replayOne(pool, replay, n, Date.now() - recordedAt);
      if (mismatches.length > 0) throw new Error(`replay ${n}: ${mismatches.join('; ')}`);
    };
    // The replay must do what kosh did: the same rows found and changed.
    const check = await replayOne(pool, replay, replayed++, 0);
    for (let i = 0; i < 20; i++) await bare();

    const api = new Map<number, LoadFigures>();
    const bareFigures = new Map<number, LoadFigures>();
    for (const clients of options.clients) {
      api.set(
        clients,
        await closedLoop(clients, options.payments, options.seconds, (n) => kosh.pay(n + clients * 1e6)),
      );
      bareFigures.set(clients, await closedLoop(clients, options.payments, options.seconds, () => bare()));
    }
    let bareNoFlush: LoadFigures | null = null;
    if (options.diagnose) {
      const noFlush = barePool(database.url, false);
      try {
        bareNoFlush = await closedLoop(options.clients[0] ?? 16, options.payments, options.seconds, async () => {
          const n = replayed++;
          const mismatches = await replayOne(noFlush, replay, n, Date.now() - recordedAt);
          if (mismatches.length > 0) throw new Error(`replay ${n}: ${mismatches.join('; ')}`);
        });
      } finally {
        await noFlush.end();
      }
    }
    const apiAtRate = await openLoop(options.rate, options.rateSeconds, (n) => kosh.pay(9e6 + n));
    const bareAtRate = await openLoop(options.rate, options.rateSeconds, () => bare());
    return {
      label: server.label,
      statements: replay.statements.length,
      transactions: replay.transactions,
      autocommit: replay.statements.filter((st) => st.tx === null).length,
      replayMismatches: check,
      api,
      bare: bareFigures,
      apiAtRate,
      bareAtRate,
      bareNoFlush,
      sql: a.map((s) => `${s.tx === null ? '   ' : `T${s.tx - firstTx} `.padEnd(4)}${oneLine(s.sql)}`),
    };
  } finally {
    await pool.end();
    await kosh.close();
    await database.drop();
  }
}

/** Round trips of one order + payment: each statement, plus BEGIN and COMMIT of each transaction. */
const roundTrips = (r: ServerFigures): number => r.statements + 2 * r.transactions;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? Number.NaN) + (s[mid] ?? Number.NaN)) / 2;
};

/** Medians over runs of the same server, per-run figures in brackets. */
function reportMedians(runs: readonly ServerFigures[], o: PaymentsBenchOptions, loads: readonly string[]): void {
  const first = runs[0];
  if (first === undefined) return;
  const f0 = (x: number) => Math.round(x).toString();
  const f2 = (x: number) => x.toFixed(2);
  const each = (xs: readonly number[], f: (x: number) => string) => `${f(median(xs))} (${xs.map(f).join(' / ')})`;
  console.log(`
### ${first.label}: median of ${runs.length} runs (load average 1/5/15 min at each start: ${loads.join('; ')})`);
  console.log(
    `one order + payment = ${first.statements} statements, ${first.transactions} transactions, ${roundTrips(first)} round trips`,
  );
  console.log(
    '| path | clients | payments/s | p50 ms | p99 ms | ratio to bare replay |\n| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const c of o.clients) {
    const api = runs.map((r) => r.api.get(c)).filter((x): x is LoadFigures => x !== undefined);
    const bare = runs.map((r) => r.bare.get(c)).filter((x): x is LoadFigures => x !== undefined);
    if (api.length !== runs.length || bare.length !== runs.length) continue;
    const ratios = api.map((a, i) => a.perSecond / (bare[i]?.perSecond ?? Number.NaN));
    console.log(
      `| bare pg replay | ${c} | ${each(
        bare.map((x) => x.perSecond),
        f0,
      )} | ${f0(median(bare.map((x) => x.p50Ms)))} | ${f0(median(bare.map((x) => x.p99Ms)))} | 1.00 |`,
    );
    console.log(
      `| kosh HTTP API | ${c} | ${each(
        api.map((x) => x.perSecond),
        f0,
      )} | ${f0(median(api.map((x) => x.p50Ms)))} | ${f0(median(api.map((x) => x.p99Ms)))} | ${each(ratios, f2)} |`,
    );
  }
  for (const [name, xs] of [
    ['bare pg replay', runs.map((r) => r.bareAtRate)],
    ['kosh HTTP API', runs.map((r) => r.apiAtRate)],
  ] as const) {
    console.log(
      `open loop ${o.rate}/s, ${name}: achieved ${each(
        xs.map((x) => x.perSecond),
        f0,
      )}/s, p50 ${f0(median(xs.map((x) => x.p50Ms)))} ms, p99 ${f0(median(xs.map((x) => x.p99Ms)))} ms, shed ${each(
        xs.map((x) => x.shed),
        f0,
      )}`,
    );
  }
}

const oneLine = (sql: string): string => {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 110 ? `${flat.slice(0, 107)}…` : flat;
};

// ---------------------------------------------------------------------------------------------------------------

function report(r: ServerFigures, o: PaymentsBenchOptions): void {
  const f1 = (x: number) => x.toFixed(1);
  console.log(`\n### ${r.label}`);
  console.log(
    `one order + payment = ${r.statements} statements in ${r.transactions} transactions, ${r.statements - r.autocommit} in transactions + ${r.autocommit} autocommit = ${roundTrips(r)} round trips counting BEGIN/COMMIT (replay check: ${r.replayMismatches.length === 0 ? 'same rows found and changed' : `differs in ${r.replayMismatches.join('; ')}`})`,
  );
  console.log(
    '| path | clients | payments | payments/s | p50 ms | p99 ms | errors | ratio to bare replay |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const c of o.clients) {
    const api = r.api.get(c);
    const bare = r.bare.get(c);
    if (api === undefined || bare === undefined) continue;
    console.log(
      `| bare pg replay of the same SQL | ${c} | ${bare.done} | ${Math.round(bare.perSecond)} | ${f1(bare.p50Ms)} | ${f1(bare.p99Ms)} | ${bare.errors} | 1.00 |`,
    );
    console.log(
      `| kosh HTTP API (order + payment, SDK → simulator) | ${c} | ${api.done} | ${Math.round(api.perSecond)} | ${f1(api.p50Ms)} | ${f1(api.p99Ms)} | ${api.errors} | ${(api.perSecond / bare.perSecond).toFixed(2)} |`,
    );
  }
  if (r.bareNoFlush !== null) {
    const x = r.bareNoFlush;
    console.log(
      `| diagnostic: bare replay, synchronous_commit=off (no WAL flush at commit, not durable) | ${o.clients[0]} | ${x.done} | ${Math.round(x.perSecond)} | ${f1(x.p50Ms)} | ${f1(x.p99Ms)} | ${x.errors} | — |`,
    );
  }
  console.log(
    `\nopen loop, ${o.rate} payments/s for ${o.rateSeconds} s (latency from each payment's due time; arrivals beyond 200 in flight shed):\n| path | achieved/s | p50 ms | p99 ms | max ms | errors | shed |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
  );
  for (const [name, x] of [
    ['bare pg replay', r.bareAtRate],
    ['kosh HTTP API', r.apiAtRate],
  ] as const) {
    console.log(
      `| ${name} | ${Math.round(x.perSecond)} | ${f1(x.p50Ms)} | ${f1(x.p99Ms)} | ${f1(x.maxMs)} | ${x.errors} | ${x.shed} |`,
    );
  }
  const errors = [...r.api.values(), ...r.bare.values(), r.apiAtRate, r.bareAtRate].flatMap((x) =>
    x.firstError === null ? [] : [x.firstError],
  );
  if (errors.length > 0) console.log(`first error: ${errors[0]}`);
  const at16 = r.api.get(16);
  const bare16 = r.bare.get(16);
  if (at16 !== undefined && bare16 !== undefined) {
    const goal = (ok: boolean) => (ok ? 'met' : 'MISSED');
    console.log(
      `\ngoals: ≥ 300 payments/s at 16 clients: ${goal(at16.perSecond >= 300)} (${Math.round(at16.perSecond)}); ≥ 0.5 × bare replay: ${goal(at16.perSecond >= 0.5 * bare16.perSecond)} (${(at16.perSecond / bare16.perSecond).toFixed(2)}); p99 ≤ 50 ms at ${o.rate}/s: ${goal(r.apiAtRate.p99Ms <= 50 && r.apiAtRate.shed === 0)} (${f1(r.apiAtRate.p99Ms)} ms${r.apiAtRate.shed > 0 ? `, ${r.apiAtRate.shed} arrivals shed: the rate was not sustained` : ''})`,
    );
  }
}

/**
 * `npm run bench -- payments [--payments 3000] [--seconds 10] [--clients 16,64] [--rate 100] [--rate-seconds 10]
 * [--no-idempotency-keys] [--diagnose] [--sql] [--runs 1] [--workers 1,2,4]` (--workers: bench/workers.ts) (several runs: each reported, then their medians): payments through kosh's HTTP API (an order, then a UPI payment auto-captured
 * through the razorpay SDK against the simulator) against a bare `pg` replay of the very statements kosh issued for
 * one such payment (recorded through a proxy `Db`, replayed with fresh ids, no HTTP, no kosh code), on the embedded
 * PostgreSQL and, when KOSH_BENCH_DATABASE_URL is set, on that server too.
 */
export async function paymentsBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      payments: { type: 'string', default: '3000' },
      seconds: { type: 'string', default: '10' },
      clients: { type: 'string', default: '16,64' },
      rate: { type: 'string', default: '100' },
      'rate-seconds': { type: 'string', default: '10' },
      'no-idempotency-keys': { type: 'boolean', default: false },
      diagnose: { type: 'boolean', default: false },
      sql: { type: 'boolean', default: false },
      runs: { type: 'string', default: '1' },
      workers: { type: 'string' },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);
  if (values.workers !== undefined) {
    // Through `kosh serve --workers N` processes instead of the in-process app (bench/workers.ts).
    await workersBench({
      workers: values.workers.split(',').map(Number),
      clients: Number(values.clients.split(',')[0]),
      seconds: Number(values.seconds),
      runs,
    });
    return;
  }
  const options: PaymentsBenchOptions = {
    payments: Number(values.payments),
    seconds: Number(values.seconds),
    clients: values.clients.split(',').map(Number),
    rate: Number(values.rate),
    rateSeconds: Number(values['rate-seconds']),
    idempotencyKeys: !values['no-idempotency-keys'],
    diagnose: values.diagnose,
  };
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `each phase: up to ${options.payments} payments or ${options.seconds} s; Idempotency-Key on both POSTs: ${options.idempotencyKeys ? 'yes' : 'no'}`,
  );
  const servers: (() => Promise<BenchServer | null>)[] = [startEmbeddedBenchServer, externalBenchServer];
  for (const start of servers) {
    const server = await start();
    if (server === null) continue;
    try {
      const figures: ServerFigures[] = [];
      const loads: string[] = [];
      for (let run = 1; run <= runs; run++) {
        const load = os
          .loadavg()
          .map((x) => x.toFixed(1))
          .join(' ');
        loads.push(load);
        if (runs > 1) console.log(`\nrun ${run} of ${runs}, ${new Date().toISOString()}, load average ${load}`);
        const r = await benchServer(server, options);
        report(r, options);
        figures.push(r);
      }
      if (runs > 1) reportMedians(figures, options, loads);
      const r = figures[0];
      if (values.sql && r !== undefined) console.log(`\nstatements of one order + payment:\n${r.sql.join('\n')}`);
    } finally {
      await server.stop();
    }
  }
}
