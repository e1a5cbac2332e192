import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBenchDatabase, startBenchServer } from './bench-database.js';
import { billingBench } from './billing.js';
import { enginesBench } from './engines.js';
import { feedBench } from './feed.js';
import { benchApiIngest } from './ingest-api.js';
import { benchBulkIngest } from './ingest-bulk.js';
import { invoicesBench } from './invoices.js';
import { lakeBenchReport, runLakeBench } from './lake.js';
import { benchOpsReconcile } from './ops-reconcile.js';
import { benchOpsRetries } from './ops-retries.js';
import { paymentsBench } from './payments.js';
import { schoolYearBench } from './school-year.js';
import { benchScore, printScoreBench } from './score.js';
import { uploadBench } from './upload.js';

/** `npm run bench -- ingest [--payments N] [--api-payments N] [--clients N] [--runs N]` */
async function ingest(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      payments: { type: 'string', default: '1000000' },
      'api-payments': { type: 'string', default: '1000' },
      clients: { type: 'string', default: '16' },
      runs: { type: 'string', default: '3' },
    },
  });
  const runs = Number(values.runs);
  const copy: number[] = [];
  const bulk: number[] = [];
  const api: number[] = [];
  const p50: number[] = [];
  const p99: number[] = [];
  const server = await startBenchServer();
  console.log(`database: ${server.label}`);
  try {
    for (let run = 1; run <= runs; run++) {
      const b = await benchBulkIngest({ payments: Number(values.payments), serverUrl: server.url });
      copy.push(b.rawCopyRowsPerSec);
      bulk.push(b.bulkPaymentsPerSec);
      const database = await createBenchDatabase(server.url);
      try {
        const a = await benchApiIngest({
          payments: Number(values['api-payments']),
          clients: Number(values.clients),
          databaseUrl: database.url,
        });
        api.push(a.paymentsPerSec);
        p50.push(a.p50Ms);
        p99.push(a.p99Ms);
        console.log(
          `run ${run}: raw COPY ${Math.round(b.rawCopyRowsPerSec)} rows/s | bulk ${Math.round(b.bulkPaymentsPerSec)} payments/s | api ${a.paymentsPerSec.toFixed(0)} payments/s (p50 ${a.p50Ms.toFixed(1)} ms, p99 ${a.p99Ms.toFixed(1)} ms)`,
        );
      } finally {
        await database.drop();
      }
    }
  } finally {
    await server.stop();
  }
  const base = median(copy);
  console.log(
    `\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  console.log(
    `median of ${runs} runs (baseline = raw COPY FROM STDIN into a bare payments-shaped table, same run, same server):`,
  );
  console.log(`| path | per second | ratio to raw COPY |`);
  console.log(`| --- | ---: | ---: |`);
  console.log(`| raw PostgreSQL COPY (rows) | ${Math.round(base).toLocaleString('en')} | 1.000 |`);
  console.log(
    `| kosh bulk import (payments, with orders + ledger) | ${Math.round(median(bulk)).toLocaleString('en')} | ${(median(bulk) / base).toFixed(3)} |`,
  );
  console.log(
    `| kosh HTTP API, ${values.clients} clients (order + payment + gateway + ledger) | ${Math.round(median(api)).toLocaleString('en')} | ${(median(api) / base).toFixed(5)} |`,
  );
  console.log(`API latency per order+payment: p50 ${median(p50).toFixed(1)} ms, p99 ${median(p99).toFixed(1)} ms`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** `--lines N` (default 1,000,000) `--runs N`: DuckDB read_csv / PostgreSQL COPY of a settlement report vs kosh's reconciliation. */
async function opsReconcile(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: { lines: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'kosh-bench-ops-'));
  const server = await startBenchServer();
  console.log(`database: ${server.label}`);
  const database = await createBenchDatabase(server.url);
  try {
    const r = await benchOpsReconcile({
      lines: Number(values.lines),
      runs: Number(values.runs),
      dir,
      databaseUrl: database.url,
    });
    const base = median(r.readCsvSeconds);
    const copy = median(r.copyCsvSeconds);
    const kosh = median(r.reconcileSeconds);
    console.log(`\nmedian of ${values.runs} runs, ${r.lines.toLocaleString('en')}-line settlement report:`);
    console.log('| path | seconds | lines/s | time ratio to read_csv |');
    console.log('| --- | ---: | ---: | ---: |');
    console.log(
      `| DuckDB read_csv into an in-memory table (baseline) | ${base.toFixed(2)} | ${Math.round(r.lines / base).toLocaleString('en')} | 1.0 |`,
    );
    console.log(
      `| PostgreSQL COPY … FROM STDIN (FORMAT csv) into a text table | ${copy.toFixed(2)} | ${Math.round(r.lines / copy).toLocaleString('en')} | ${(copy / base).toFixed(1)} |`,
    );
    console.log(
      `| kosh reconciliation (validate, match, items, adjustments) | ${kosh.toFixed(2)} | ${Math.round(r.lines / kosh).toLocaleString('en')} | ${(kosh / base).toFixed(1)} |`,
    );
  } finally {
    await database.drop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `--retries N` (default 1,000) `--runs N`: draining the retry queue against the simulator vs the bare gateway calls. */
async function opsRetries(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: { retries: { type: 'string', default: '1000' }, runs: { type: 'string', default: '3' } },
  });
  const drained: number[] = [];
  const gateway: number[] = [];
  const server = await startBenchServer();
  console.log(`database: ${server.label}`);
  try {
    for (let run = 1; run <= Number(values.runs); run++) {
      const database = await createBenchDatabase(server.url);
      try {
        const r = await benchOpsRetries({ items: Number(values.retries), databaseUrl: database.url });
        drained.push(r.items / r.drainSeconds);
        gateway.push(r.items / r.gatewaySeconds);
        console.log(
          `run ${run}: drained ${Math.round(r.items / r.drainSeconds)} retries/s | bare gateway ${Math.round(r.items / r.gatewaySeconds)} charges/s`,
        );
      } finally {
        await database.drop();
      }
    }
  } finally {
    await server.stop();
  }
  const base = median(gateway);
  console.log(`\nmedian of ${values.runs} runs, ${values.retries} due retries, one client, simulator on loopback:`);
  console.log('| path | per second | ratio to bare gateway |');
  console.log('| --- | ---: | ---: |');
  console.log(`| bare gateway charge through the SDK adapter (baseline) | ${Math.round(base)} | 1.00 |`);
  console.log(
    `| kosh drainRetries (rules, charge, payment, ledger, retry and installment state) | ${median(drained).toFixed(1)} | ${(median(drained) / base).toFixed(3)} |`,
  );
}

/** The operations benchmarks, run in order; `--only NAME` picks one. */
const OPS: { readonly name: string; readonly run: (argv: string[]) => Promise<void> }[] = [
  { name: 'reconcile', run: opsReconcile },
  { name: 'retries', run: opsRetries },
];

/** `npm run bench -- ops [--only NAME] [--lines N] [--runs N] …` */
async function ops(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, strict: false, options: { only: { type: 'string' } } });
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  for (const bench of OPS) {
    if (values.only !== undefined && values.only !== bench.name) continue;
    console.log(`\n## ops: ${bench.name}`);
    await bench.run(argv);
  }
}

/** `npm run bench -- lake [--payments N] [--days N] [--runs N]`: kosh's lake export vs a bare DuckDB COPY. */
async function lake(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: {
      payments: { type: 'string', default: '10000000' },
      days: { type: 'string', default: '100' },
      runs: { type: 'string', default: '1' },
    },
  });
  const result = await runLakeBench({
    payments: Number(values.payments),
    days: Number(values.days),
    runs: Number(values.runs),
  });
  console.log(`\n${lakeBenchReport(result)}`);
}

/** `npm run bench -- score [--payments N] [--seconds N] [--connections N] [--rate N] [--rate-seconds N] [--cpu-prof FILE]` */
async function score(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: {
      payments: { type: 'string', default: '20000' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
      rate: { type: 'string', default: '1000' },
      'rate-seconds': { type: 'string', default: '10' },
      'cpu-prof': { type: 'string' },
    },
  });
  const cpuProf = values['cpu-prof'];
  const options = {
    payments: Number(values.payments),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    rate: Number(values.rate),
    rateSeconds: Number(values['rate-seconds']),
    cpuProf: typeof cpuProf === 'string' ? path.resolve(cpuProf) : undefined,
  };
  printScoreBench(await benchScore(options), options);
}

const [suite, ...rest] = process.argv.slice(2);
switch (suite) {
  case 'ingest':
    await ingest(rest);
    break;
  case 'ops':
    await ops(rest);
    break;
  case 'lake':
    await lake(rest);
    break;
  case 'score':
    await score(rest);
    break;
  case 'billing':
    await billingBench(rest);
    break;
  case 'invoices':
    await invoicesBench(rest);
    break;
  case 'payments':
    await paymentsBench(rest);
    break;
  case 'engines':
    await enginesBench(rest);
    break;
  case 'feed':
    await feedBench(rest);
    break;
  case 'upload':
    await uploadBench(rest);
    break;
  case 'school-year':
    await schoolYearBench(rest);
    break;
  default:
    console.error(
      'usage: npm run bench -- ingest [--payments N] [--api-payments N] [--clients N] [--runs N]\n' +
        '       npm run bench -- ops [--only reconcile|retries] [--lines N] [--retries N] [--runs N]\n' +
        '       npm run bench -- lake [--payments N] [--days N] [--runs N]\n' +
        '       npm run bench -- score [--payments N] [--seconds N] [--connections N] [--rate N] [--rate-seconds N] [--cpu-prof FILE]\n' +
        '       npm run bench -- billing [--subs N] [--budget S] [--own-subs N] [--concurrency N] [--chunk N] [--raw N] [--latency-ms N] [--latency-subs N] [--rps N] [--only fast,own,slow] [--sql-profile FILE] [--cpu-prof FILE]\n' +
        '       npm run bench -- invoices [--customers N] [--pdf-seconds N] [--runs N]\n' +
        '       npm run bench -- payments [--payments N] [--seconds N] [--clients 16,64] [--rate N] [--rate-seconds N] [--no-idempotency-keys] [--diagnose] [--sql]\n' +
        '       npm run bench -- feed [--rate 100] [--seconds 60] [--interval-ms 10000] [--runs 1]\n' +
        '       npm run bench -- upload [--mb 1024] [--junk-mb 250]\n' +
        '       npm run bench -- school-year [--subs 200] [--seed 16] [--pdfs]\n' +
        '       npm run bench -- engines [--clients N] [--transactions N] [--seconds N]   (KOSH_BENCH_MODULES=<node_modules> for postgres.js, PGlite)',
    );
    process.exitCode = 1;
}
