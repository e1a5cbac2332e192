import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { seedSubscriptions } from '../data/seed-subscriptions.js';
import { runBilling } from '../payments-core/billing/run-billing.js';
import type { CreateOrderInput, CreatePaymentInput, PaymentGateway } from '../payments-core/gateway/port.js';
import { rateLimitedGateway } from '../payments-core/gateway/rate-limited-gateway.js';
import { createRazorpayGateway } from '../payments-core/gateway/razorpay-gateway.js';
import { type RazorpaySimulator, startRazorpaySimulator } from '../payments-core/gateway/simulator/server.js';
import { fixedClock } from '../platform/clock.js';
import { openDb } from '../platform/db.js';
import { inParallel } from '../platform/in-parallel.js';
import { createLog } from '../platform/log.js';
import { KEY_ID, KEY_SECRET, SUCCESS_CARD, simCardToken, simCustomer } from '../tests/support/simulator-fixtures.js';
import { createBenchDatabase, startBenchServer } from './bench-database.js';
import { startCpuProfile } from './cpu-profile.js';
import { profiledDb } from './sql-profile.js';

const START = new Date('2026-10-31T19:00:00Z'); // 1 Nov 2026 00:30 IST
const AFTER_END = new Date('2026-11-30T19:00:00Z'); // period 0 ended at 1 Dec 00:00 IST

interface Phase {
  readonly seeded: number;
  readonly subs: number;
  readonly billedPerSec: number;
  readonly seconds: number;
  readonly rawGatewayPerSec: number;
  readonly rawInsertPerSec: number;
  readonly paid: number;
  readonly capturedAtGateway: number;
}

/** A Razorpay customer at the simulator and a card saved for it (every seeded parent maps to that customer). */
async function token(sim: RazorpaySimulator): Promise<{ token: string; customerId: string }> {
  const customerId = await simCustomer(sim, 'Bench parents', 'bench@example.in');
  const { id } = await simCardToken(sim, customerId, SUCCESS_CARD, { name: 'Bench' });
  return { token: id, customerId };
}

/**
 * A gateway answering in-process with no HTTP: isolates kosh's own cost (records, invoices, claims, stores,
 * ledger, periods) from the simulator's and the SDK's. A benchmark device, never used by a test.
 */
function inProcessGateway(): PaymentGateway {
  let n = 0;
  const orders = new Map<string, string>();
  return {
    createOrder: async (i: CreateOrderInput) => {
      const id = `order_b${n++}`;
      orders.set(i.receipt, id);
      return { id, amount: i.amount, currency: i.currency, receipt: i.receipt, status: 'created' };
    },
    findOrderByReceipt: async (receipt: string) => {
      const id = orders.get(receipt);
      return id === undefined ? null : { id, amount: 0, currency: 'INR', receipt, status: 'created' };
    },
    createPayment: async (i: CreatePaymentInput) => ({
      id: `pay_b${n++}`,
      orderId: i.orderId,
      amount: i.amount,
      currency: i.currency,
      status: 'captured',
      method: 'card',
      captured: true,
      fee: Math.round(i.amount * 0.02),
      tax: Math.round(i.amount * 0.0036),
      errorCode: null,
      errorReason: null,
      errorDescription: null,
      notes: { kosh_id: i.idempotencyKey },
    }),
    findPayment: async () => null,
  } as unknown as PaymentGateway;
}

/** The gateway work of one renewal, bare: an order and an auto-captured recurring payment through the same adapter. */
async function rawCharges(
  gateway: PaymentGateway,
  tok: { token: string; customerId: string },
  n: number,
  concurrency: number,
): Promise<number> {
  const items = Array.from({ length: n }, (_, i) => `raw_${i}`);
  const t0 = performance.now();
  await inParallel(items, concurrency, async (key) => {
    const order = await gateway.createOrder({ amount: 250_000, currency: 'INR', receipt: key });
    await gateway.createPayment({
      orderId: order.id,
      amount: 250_000,
      currency: 'INR',
      idempotencyKey: key,
      email: 'raw@example.in',
      contact: '+919800000000',
      instrument: { kind: 'token', token: tok.token, customerId: tok.customerId },
      capture: 'auto',
    });
  });
  return n / ((performance.now() - t0) / 1000);
}

async function phase(options: {
  subs: number;
  rawSample: number;
  latencyMs: number;
  rps: number | null;
  concurrency: number;
  chunkSize: number;
  /** Chunks in flight (the run's `chunkConcurrency`); undefined = kosh's default. */
  chunkConcurrency?: number | undefined;
  budgetSeconds: number;
  serverUrl: string;
  inProcess?: boolean;
  /** Files for a per-statement timing table and a V8 CPU profile of the billing run alone (bench devices). */
  sqlProfile?: string | undefined;
  cpuProfile?: string | undefined;
}): Promise<Phase> {
  const clock = fixedClock(START);
  const database = await createBenchDatabase(options.serverUrl, { clock });
  const db = await openDb(database.url);
  const sim = await startRazorpaySimulator({
    keyId: KEY_ID,
    keySecret: KEY_SECRET,
    latencyMs: options.latencyMs,
    seed: 5,
  });
  try {
    const tok = await token(sim);
    await seedSubscriptions(db, {
      count: options.subs,
      token: tok.token,
      gatewayCustomerId: tok.customerId,
      startAt: START,
    });
    const base =
      options.inProcess === true
        ? inProcessGateway()
        : createRazorpayGateway({ keyId: KEY_ID, keySecret: KEY_SECRET, apiUrl: sim.url });
    const gateway = options.rps === null ? base : rateLimitedGateway(base, options.rps);

    // Baseline 1: the same gateway calls, same SDK, concurrency and rate limit, with no kosh bookkeeping.
    const rawGatewayPerSec = await rawCharges(gateway, tok, options.rawSample, options.concurrency);
    // Baseline 2: one INSERT … SELECT of as many record-shaped rows into a bare table (what the database does at best).
    await db.run(
      "CREATE TABLE bench_raw AS SELECT id, customer_id, school_id, period_index, current_period_start, current_period_end, unit_amount_minor * quantity AS amount_minor, currency, 'pending' AS status FROM subscriptions LIMIT 0",
    );
    const i0 = performance.now();
    await db.transaction((tx) =>
      tx.run(
        "INSERT INTO bench_raw SELECT id, customer_id, school_id, period_index, current_period_start, current_period_end, unit_amount_minor * quantity, currency, 'pending' FROM subscriptions",
      ),
    );
    const rawInsertPerSec = options.subs / ((performance.now() - i0) / 1000);

    clock.set(AFTER_END);
    const log = createLog({ level: 'silent' });
    const profiled = options.sqlProfile === undefined ? null : profiledDb(db);
    const cpu = options.cpuProfile === undefined ? null : await startCpuProfile();
    const t0 = performance.now();
    const summary = await runBilling(
      {
        db: profiled?.db ?? db,
        clock,
        gateway: base,
        log,
        billing: {
          chunkSize: options.chunkSize,
          concurrency: options.concurrency,
          gatewayRatePerSecond: options.rps,
          timeBudgetMs: options.budgetSeconds * 1000,
          ...(options.chunkConcurrency === undefined ? {} : { chunkConcurrency: options.chunkConcurrency }),
        },
      },
      { now: AFTER_END },
    );
    const seconds = (performance.now() - t0) / 1000;
    if (cpu !== null && options.cpuProfile !== undefined) {
      console.log(await cpu.stop(options.cpuProfile));
    }
    if (profiled !== null && options.sqlProfile !== undefined) {
      const table = profiled.report(40);
      writeFileSync(options.sqlProfile, `${options.subs} subscriptions, ${seconds.toFixed(1)} s\n\n${table}\n`);
      console.log(table);
    }
    const captured =
      options.inProcess === true
        ? summary.paid
        : sim.payments().filter((p) => p.status === 'captured' && p.kosh_id?.startsWith('bill_')).length;
    const keys = new Set(sim.payments().map((p) => p.kosh_id));
    if (summary.paid !== captured || keys.size !== sim.payments().length || summary.paid === 0) {
      throw new Error(`billed ${summary.paid}, captured at the gateway ${captured}: not once each`);
    }
    return {
      seeded: options.subs,
      subs: summary.paid,
      billedPerSec: summary.paid / seconds,
      seconds,
      rawGatewayPerSec,
      rawInsertPerSec,
      paid: summary.paid,
      capturedAtGateway: captured,
    };
  } finally {
    await sim.close();
    await db.close();
    await database.drop();
  }
}

/**
 * `npm run bench -- billing [--subs 100000] [--concurrency 32] [--chunk 500] [--raw 5000] [--only fast,own,slow]
 *   [--latency-ms 150] [--latency-subs 2000] [--rps 200]`: a billing run over `subs` due subscriptions
 * against the simulator with zero latency, then over `latency-subs` with the simulator's latency and a
 * client-side rate limit; each against baselines measured in the same run. Figures to /tmp/results-billing.md.
 */
export async function billingBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      subs: { type: 'string', default: '100000' },
      concurrency: { type: 'string', default: '32' },
      chunk: { type: 'string', default: '500' },
      raw: { type: 'string', default: '5000' },
      'latency-ms': { type: 'string', default: '150' },
      'latency-subs': { type: 'string', default: '2000' },
      rps: { type: 'string', default: '200' },
      out: { type: 'string', default: '/tmp/results-billing.md' },
      budget: { type: 'string', default: '150' },
      'own-subs': { type: 'string', default: '30000' },
      /** Scenarios to run, comma-separated: fast (simulator, zero latency), own (in-process gateway), slow. */
      only: { type: 'string', default: 'fast,own,slow' },
      'chunk-concurrency': { type: 'string' },
      'sql-profile': { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
  });
  const only = new Set(values.only.split(','));
  const profile = {
    sqlProfile: values['sql-profile'],
    cpuProfile: values['cpu-prof'],
    chunkConcurrency: values['chunk-concurrency'] === undefined ? undefined : Number(values['chunk-concurrency']),
  };
  const server = await startBenchServer();
  const concurrency = Number(values.concurrency);
  const chunkSize = Number(values.chunk);
  try {
    const fast = !only.has('fast')
      ? null
      : await phase({
          subs: Number(values.subs),
          rawSample: Number(values.raw),
          latencyMs: 0,
          rps: null,
          concurrency,
          chunkSize,
          budgetSeconds: Number(values.budget),
          serverUrl: server.url,
          ...profile,
        });
    if (fast !== null) {
      console.log(
        `zero latency: ${fast.subs} billed in ${fast.seconds.toFixed(1)} s = ${fast.billedPerSec.toFixed(0)}/s`,
      );
    }
    const latencyMs = Number(values['latency-ms']);
    const rps = Number(values.rps);
    const own = !only.has('own')
      ? null
      : await phase({
          subs: Number(values['own-subs']),
          rawSample: 2000,
          latencyMs: 0,
          rps: null,
          concurrency,
          chunkSize,
          budgetSeconds: 60,
          serverUrl: server.url,
          inProcess: true,
          ...profile,
        });
    if (own !== null) {
      console.log(
        `in-process gateway: ${own.subs} billed in ${own.seconds.toFixed(1)} s = ${own.billedPerSec.toFixed(0)}/s`,
      );
    }
    const slow = !only.has('slow')
      ? null
      : await phase({
          subs: Number(values['latency-subs']),
          rawSample: Math.min(Number(values.raw), Math.max(200, Math.floor(Number(values['latency-subs']) / 4))),
          latencyMs,
          rps,
          concurrency: Math.max(concurrency, 64),
          chunkSize,
          budgetSeconds: 60,
          serverUrl: server.url,
        });
    if (slow !== null) {
      console.log(
        `latency ${latencyMs} ms, ${rps} req/s: ${slow.subs} billed in ${slow.seconds.toFixed(1)} s = ${slow.billedPerSec.toFixed(1)}/s`,
      );
    }
    const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`;
    const row = (name: string, p: Phase | null) =>
      p === null
        ? `| ${name} | not run (--only) | | | | | | |`
        : `| ${name} | ${p.subs.toLocaleString('en')} of ${p.seeded.toLocaleString('en')} due | ${p.seconds.toFixed(1)} | ${p.billedPerSec.toFixed(0)} | ${p.rawGatewayPerSec.toFixed(0)} | ${(p.billedPerSec / p.rawGatewayPerSec).toFixed(2)} | ${Math.round(p.rawInsertPerSec).toLocaleString('en')} | ${(p.billedPerSec / p.rawInsertPerSec).toFixed(4)} |`;
    const report = [
      '# Billing run benchmark',
      '',
      `Command: \`npm run bench -- billing ${argv.join(' ')}\` · machine: ${machine} (shared with other work: figures are one run, noisy) · database: ${server.label}.`,
      `Chunk ${chunkSize}, gateway concurrency ${concurrency} (64 with latency). Every run is checked: each billed subscription paid once and captured once at the simulator. A run stops starting chunks after its time budget (${values.budget} s, 60 s with latency); the rest would stay due for the next hourly run.`,
      'Baselines in the same run: **raw gateway** = an order plus an auto-captured recurring payment through the same SDK adapter,',
      'concurrency and rate limit, no kosh bookkeeping (per second); **raw insert** = one INSERT … SELECT of the same number of',
      'record-shaped rows into a bare PostgreSQL table (rows per second).',
      '',
      '| scenario | billed (within the time budget) | seconds | billed / s | raw gateway / s | ratio | raw insert rows / s | ratio |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      row('simulator, zero latency', fast),
      row(`simulator ${latencyMs} ms latency, ${rps} calls/s client limit`, slow),
      row('in-process gateway (no HTTP): kosh bookkeeping alone', own),
      '',
      `Goal ≥ 500 billed/s at zero latency: ${fast === null ? 'not run' : fast.billedPerSec >= 500 ? 'met' : 'not met'} (${fast?.billedPerSec.toFixed(0) ?? '–'}/s through the simulator; kosh's own part alone ${own?.billedPerSec.toFixed(0) ?? '–'}/s, goal ≥ 1,000).`,
      'The in-process row\'s "raw gateway" column is the same stub called bare, so its ratio is kosh\'s overhead over nothing.',
      `With latency the client limit paces gateway port calls: 2 per renewal (the order, and the payment, which the SDK adapter makes as 3 HTTP requests: create, fetch, capture), so ${rps} calls/s cap it at ${(rps / 2).toFixed(0)} renewals/s.`,
      '',
    ].join('\n');
    writeFileSync(values.out, report);
    console.log(`\n${report}`);
  } finally {
    await server.stop();
  }
}
