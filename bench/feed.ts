import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FEED_START, type FeedPosition, readPaymentChanges } from '../payments-core/payments/read-payment-changes.js';
import { appendPaymentChanges } from '../pipelines/lake/append-payment-changes.js';
import { livePaymentsSql } from '../pipelines/lake/live-payments.js';
import { systemClock } from '../platform/clock.js';
import { openDb } from '../platform/db.js';
import { openDuckDb } from '../platform/duckdb.js';
import { localObjectStore } from '../platform/objects.js';
import { createBenchDatabase, startBenchServer } from './bench-database.js';

const INSERT_ORDER = `
INSERT INTO orders (id, customer_id, school_id, amount_minor, currency, status, created_at, updated_at)
VALUES ($id, $customer_id, 'sch_1', 42000, 'INR', 'attempted', $at, $at)`;
const INSERT_PAYMENT = `
INSERT INTO payments (id, order_id, customer_id, school_id, method, amount_minor, currency, status, capture_mode,
  created_at, updated_at)
VALUES ($id, $order_id, $customer_id, 'sch_1', 'upi', 42000, 'INR', 'created', 'auto', $at, $at)`;
const CAPTURE = `
UPDATE payments SET status = 'captured', captured_minor = amount_minor, captured_at = $at, updated_at = $at
WHERE id = $id`;

const WRITERS = 8;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number);
};
const median = (xs: number[]): number => pct(xs, 50);

/**
 * `npm run bench -- feed [--rate 100] [--seconds 60] [--interval-ms 10000] [--runs 1]`: payments are created and
 * captured at `rate` a second (each: one transaction for the order and payment, then the capture); the lake appender
 * ticks every `interval-ms` and after each tick DuckDB queries the lake (livePaymentsSql): a payment's lake
 * freshness is from its commit to the first query that returns it. The online features' reader polls the feed every
 * 200 ms: its freshness is from commit to the read that returns the payment. Wall clock throughout.
 */
export async function feedBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: {
      rate: { type: 'string', default: '100' },
      seconds: { type: 'string', default: '60' },
      'interval-ms': { type: 'string', default: '10000' },
      runs: { type: 'string', default: '1' },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const intervalMs = Number(values['interval-ms']);
  const server = await startBenchServer();
  console.log(`database: ${server.label}; ${os.cpus().length} cores; load ${os.loadavg().map((x) => x.toFixed(1))}`);
  try {
    for (let run = 1; run <= Number(values.runs); run++) {
      const database = await createBenchDatabase(server.url);
      const db = await openDb(database.url);
      const root = mkdtempSync(path.join(tmpdir(), 'kosh-bench-feed-'));
      const objects = localObjectStore(root);
      const duck = await openDuckDb(':memory:');
      const committed = new Map<string, number>();
      const lake: number[] = [];
      const features: number[] = [];
      const ticks: number[] = [];
      let made = 0;
      let producing = true;
      try {
        // Producer: eight writers share the schedule, so a slow commit does not slow the rate.
        const t0 = performance.now();
        const writer = async (w: number) => {
          for (let i = w; producing; i += WRITERS) {
            const due = t0 + (i * 1000) / rate;
            const wait = due - performance.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            if (!producing) return;
            const id = `pay_${i}`;
            const at = new Date();
            await db.transaction(async (tx) => {
              await tx.run(INSERT_ORDER, { id: `ord_${i}`, customer_id: `cus_${i % 500}`, at });
              await tx.run(INSERT_PAYMENT, { id, order_id: `ord_${i}`, customer_id: `cus_${i % 500}`, at });
            });
            committed.set(id, performance.now());
            await db.run(CAPTURE, { id, at: new Date() });
            made++;
          }
        };
        const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
        // The online features' reader: every 200 ms.
        let at: FeedPosition = FEED_START;
        const seenByFeed = new Set<string>();
        let reading = false;
        const featureTimer = setInterval(async () => {
          if (reading) return;
          reading = true;
          const changes = await readPaymentChanges({ db }, { after: at, limit: 10_000 });
          const now = performance.now();
          for (const c of changes) {
            at = { xid: c.xid, seq: c.seq };
            const t = committed.get(c.id);
            if (c.op === 'insert' && t !== undefined && !seenByFeed.has(c.id)) {
              seenByFeed.add(c.id);
              features.push(now - t);
            }
          }
          reading = false;
        }, 200);
        // The appender and the analyst's query.
        const inLake = new Set<string>();
        const tick = async () => {
          const s = performance.now();
          await appendPaymentChanges({ db, objects, clock: systemClock });
          ticks.push(performance.now() - s);
          const sql = livePaymentsSql(root);
          if (sql === null) return;
          const rows = await duck.all<{ id: string }>(`SELECT id FROM (${sql})`);
          const now = performance.now();
          for (const r of rows) {
            const t = committed.get(r.id);
            if (t !== undefined && !inLake.has(r.id)) {
              inLake.add(r.id);
              lake.push(now - t);
            }
          }
        };
        const end = t0 + seconds * 1000;
        // Ticks on a fixed schedule, as `kosh serve`'s setInterval (a slow tick delays only itself).
        for (let k = 1; performance.now() < end; k++) {
          const wait = t0 + k * intervalMs - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          await tick();
        }
        producing = false;
        await Promise.all(writers);
        const producedSeconds = (performance.now() - t0) / 1000;
        await new Promise((r) => setTimeout(r, intervalMs));
        await tick();
        clearInterval(featureTimer);
        const s = (xs: number[]) => `p50 ${(median(xs) / 1000).toFixed(2)} s, p99 ${(pct(xs, 99) / 1000).toFixed(2)} s`;
        console.log(
          `run ${run}: ${made} payments in ${producedSeconds.toFixed(0)} s (${(made / producedSeconds).toFixed(0)}/s) | ` +
            `lake (appender every ${intervalMs / 1000} s) ${s(lake)} over ${lake.length} | ` +
            `features feed (200 ms) ${s(features)} over ${features.length} | ` +
            `appender tick p50 ${median(ticks).toFixed(0)} ms, max ${Math.max(...ticks).toFixed(0)} ms | ` +
            `load ${os.loadavg().map((x) => x.toFixed(1))}`,
        );
      } finally {
        producing = false;
        await duck.close();
        await db.close();
        await database.drop();
        rmSync(root, { recursive: true, force: true });
      }
    }
  } finally {
    await server.stop();
  }
}
