import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { createBenchDatabase, startBenchServer } from './bench-database.js';
import { closedLoop, type LoadFigures } from './load-loops.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const ADMIN_KEY = 'kosh_bench_admin_key_workers_00001';
/** The parent's browser the platform relays with a UPI payment (as bench/payments.ts). */
const PAYER = { ip: '117.217.74.98', referer: 'https://meals.example.in/pay', user_agent: 'Mozilla/5.0 (kosh bench)' };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/** `kosh serve --workers N` as a child on a fresh bench database, with its built-in simulator; its URL and a stop. */
async function serveWorkers(serverUrl: string, workers: number) {
  const database = await createBenchDatabase(serverUrl, { migrate: false });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kosh-bench-workers-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bin/kosh.ts'), 'serve', '--workers', String(workers)],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        KOSH_DATA_DIR: dataDir,
        KOSH_DATABASE_URL: database.url,
        PORT: '0',
        HOST: '127.0.0.1',
        KOSH_DEMO: '0',
        KOSH_ADMIN_KEY: ADMIN_KEY,
        KOSH_FRAUD_SCORING: 'false',
        KOSH_RATE_LIMIT_PER_MINUTE: '10000000',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The banner goes to stderr, log lines to stdout.
  let out = '';
  const collect = (c: Buffer) => {
    out += c.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const started = Date.now();
  let url: string | undefined;
  while (url === undefined) {
    if (child.exitCode !== null) throw new Error(`kosh serve exited ${child.exitCode}: ${out}`);
    url = /kosh is serving on (http:\/\/\S+)/.exec(out)?.[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    readySeconds: (Date.now() - started) / 1000,
    stop: async () => {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function payThrough(url: string): Promise<(n: number) => Promise<void>> {
  const post = async (route: string, body: unknown, key?: string): Promise<{ id: string; status?: string }> => {
    const res = await fetch(`${url}${route}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${route}: ${res.status} ${await res.text()}`);
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
  const run = Math.random().toString(36).slice(2, 8);
  return async (n) => {
    const order = await post('/v1/orders', { customer_id: customer.id, amount: 50_000 }, `w-${run}-${n}-order`);
    const payment = await post(
      '/v1/payments',
      { order_id: order.id, upi: { flow: 'intent' }, ...PAYER },
      `w-${run}-${n}-pay`,
    );
    // A UPI intent: sent, awaiting the parent's app (the simulator's /v1/sim/upi-intents/:id/pay completes it).
    if (payment.status !== 'created') throw new Error(`payment ended ${payment.status}`);
  };
}

/**
 * `npm run bench -- payments --workers 1,2,4 [--clients 32] [--seconds 10] [--runs 3]`: payments (an order, then a
 * UPI payment, each with an Idempotency-Key) through `kosh serve --workers N` over HTTP, a closed loop of C clients,
 * on the bench PostgreSQL (KOSH_BENCH_DATABASE_URL, else embedded). Medians of the runs, with the load averages.
 */
export async function workersBench(options: {
  workers: number[];
  clients: number;
  seconds: number;
  runs: number;
}): Promise<void> {
  const load = () =>
    os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
  console.log(
    `machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'cpu'}), node ${process.version}, load average ${load()}`,
  );
  const server = await startBenchServer();
  const rows: string[] = [];
  try {
    for (const workers of options.workers) {
      const runs: { f: LoadFigures; ready: number; load: string }[] = [];
      for (let run = 1; run <= options.runs; run++) {
        const kosh = await serveWorkers(server.url, workers);
        try {
          const pay = await payThrough(kosh.url);
          await closedLoop(4, 40, 5, pay); // warm-up: JIT, pools, every worker's first requests
          const before = load();
          const f = await closedLoop(options.clients, Number.MAX_SAFE_INTEGER, options.seconds, pay);
          runs.push({ f, ready: kosh.readySeconds, load: before });
          console.log(
            `workers ${workers} run ${run}: ${f.perSecond.toFixed(0)} payments/s, p50 ${f.p50Ms.toFixed(1)} ms, p99 ${f.p99Ms.toFixed(1)} ms, errors ${f.errors}, ready in ${kosh.readySeconds.toFixed(1)} s, load ${before}${f.firstError === null ? '' : `, first error ${f.firstError}`}`,
          );
        } finally {
          await kosh.stop();
        }
      }
      rows.push(
        `| ${workers} | ${options.clients} | ${median(runs.map((r) => r.f.perSecond)).toFixed(0)} | ${median(runs.map((r) => r.f.p50Ms)).toFixed(1)} | ${median(runs.map((r) => r.f.p99Ms)).toFixed(1)} | ${runs.reduce((s, r) => s + r.f.errors, 0)} | ${median(runs.map((r) => r.ready)).toFixed(1)} | ${runs.map((r) => r.load.split(' ')[0]).join(', ')} |`,
      );
    }
  } finally {
    await server.stop();
  }
  console.log(
    `\n${server.label}, ${options.seconds} s per run, median of ${options.runs}:\n| workers | clients | payments/s | p50 ms | p99 ms | errors | ready s | load (1 min) per run |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n${rows.join('\n')}`,
  );
}
