import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { razorpayFee } from '../payments-core/gateway/fees.js';
import { importPayments } from '../payments-core/payments/import-payments.js';
import type { ImportBatch, ImportOrder, ImportPayment, ImportRefund } from '../payments-core/payments/import-types.js';
import { reconcileSettlementReport } from '../payments-core/reconciliation/reconcile-settlement-report.js';
import { fixedClock } from '../platform/clock.js';
import { type Db, openDb } from '../platform/db.js';
import { openDuckDb } from '../platform/duckdb.js';

export interface ReconcileBenchResult {
  readonly lines: number;
  /** DuckDB (in memory) reading the same CSV into a table (read_csv, types detected): the baseline. */
  readonly readCsvSeconds: number[];
  /** PostgreSQL loading the same CSV into a bare all-text table with `COPY … FROM STDIN (FORMAT csv)`. */
  readonly copyCsvSeconds: number[];
  /** kosh's reconciliation: load + validate + match + items + adjustments + run, one transaction. */
  readonly reconcileSeconds: number[];
  readonly summary: Readonly<Record<string, number>>;
}

const DAY_START = Date.parse('2026-11-27T18:30:00Z'); // 2026-11-28 00:00 IST
const HEADER =
  'entity_id,type,debit,credit,amount,currency,fee,tax,on_hold,settled,created_at,settled_at,settlement_id,settlement_utr,order_id,order_receipt,method\n';

/**
 * kosh rows through the bulk path (captured payments spread over one IST day, a refund on every 100th) and
 * a Settlement Recon CSV for them with injected discrepancies: every 200th fee +40 paise (auto-adjusted),
 * every 1000th fee +500 (open), every 1000th (offset) amount +100, every 1000th (offset) dropped, plus
 * 0.1 % unknown entities. Returns the number of CSV lines.
 */
async function prepare(db: Db, file: string, lines: number): Promise<number> {
  const payments = Math.round(lines / 1.01);
  const batch = 200_000;
  const at = (i: number) => new Date(DAY_START + Math.floor((i * 86_000_000) / payments));
  for (let from = 0; from < payments; from += batch) {
    const orders: ImportOrder[] = [];
    const pays: ImportPayment[] = [];
    const refunds: ImportRefund[] = [];
    for (let i = from; i < Math.min(from + batch, payments); i++) {
      const amount = 10_000 + (i % 500) * 100;
      const { fee, tax } = razorpayFee(amount);
      orders.push({
        id: `ord_B${i}`,
        customerId: 'cus_B',
        schoolId: 'sch_B',
        amount,
        currency: 'INR',
        status: 'paid',
        description: null,
        gatewayOrderId: `order_GB${i}`,
        createdAt: at(i),
      });
      pays.push({
        id: `pay_B${i}`,
        orderId: `ord_B${i}`,
        customerId: 'cus_B',
        schoolId: 'sch_B',
        paymentMethodId: null,
        method: 'upi',
        amount,
        currency: 'INR',
        status: 'captured',
        fee,
        tax,
        gatewayPaymentId: `pay_GB${i}`,
        errorCode: null,
        errorReason: null,
        errorDescription: null,
        deviceId: null,
        ip: null,
        fraudLabel: null,
        createdAt: at(i),
      });
      if (i % 100 === 0) {
        refunds.push({
          id: `rfd_B${i}`,
          paymentId: `pay_B${i}`,
          amount: 1_000,
          status: 'processed',
          reason: null,
          gatewayRefundId: `rfnd_GB${i}`,
          createdAt: at(i),
          settledAt: at(i),
        });
      }
    }
    const parties: Partial<ImportBatch> =
      from === 0
        ? {
            schools: [{ id: 'sch_B', name: 'Bench', city: 'Pune', stateCode: 'MH', gstin: null, createdAt: at(0) }],
            customers: [
              {
                id: 'cus_B',
                schoolId: 'sch_B',
                name: 'B',
                email: 'b@x.in',
                phone: '+919800000000',
                stateCode: 'MH',
                createdAt: at(0),
              },
            ],
          }
        : {};
    await importPayments({ db }, { ...parties, orders, payments: pays, refunds });
  }

  const fd = openSync(file, 'w');
  let written = 0;
  let chunk = HEADER;
  const flush = () => {
    writeSync(fd, chunk);
    chunk = '';
  };
  const row = (id: string, type: string, amount: number, fee: number, tax: number, t: number, order: string) => {
    const s = Math.floor(t / 1000);
    const debit = type === 'refund' ? amount : 0;
    const credit = type === 'refund' ? 0 : amount - fee;
    chunk += `${id},${type},${debit},${credit},${amount},INR,${fee},${tax},false,true,${s},${s + 86_400},setl_B1,UTRB1,${order},,upi\n`;
    written++;
    if (chunk.length > 1 << 20) flush();
  };
  for (let i = 0; i < payments; i++) {
    if (i % 1000 === 500) continue; // dropped: missing at the gateway
    const amount = 10_000 + (i % 500) * 100;
    const { fee, tax } = razorpayFee(amount);
    const feeDelta = i % 1000 === 0 ? 500 : i % 200 === 0 ? 40 : 0;
    const amountDelta = i % 1000 === 250 ? 100 : 0;
    const t = at(i).getTime();
    row(`pay_GB${i}`, 'payment', amount + amountDelta, fee + feeDelta, tax, t, `order_GB${i}`);
    if (i % 100 === 0) row(`rfnd_GB${i}`, 'refund', 1_000, 0, 0, t, `order_GB${i}`);
    if (i % 1000 === 750) row(`pay_GX${i}`, 'payment', 5_000, 118, 18, t, `order_GX${i}`);
  }
  flush();
  closeSync(fd);
  return written;
}

/** Removes one run's items and adjustment entries, so every timed run does the same work. */
async function forget(db: Db, runId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run(
      'DELETE FROM journal_lines WHERE entry_id IN (SELECT journal_entry_id FROM reconciliation_items WHERE run_id = $id)',
      { id: runId },
    );
    await tx.run(
      "DELETE FROM journal_entries WHERE kind = 'adjustment' AND ref_id IN (SELECT id FROM reconciliation_items WHERE run_id = $id)",
      { id: runId },
    );
    await tx.run('DELETE FROM reconciliation_items WHERE run_id = $id', { id: runId });
    await tx.run('DELETE FROM reconciliation_runs WHERE id = $id', { id: runId });
  });
}

/** The report's columns as text, no keys: where the PostgreSQL baseline COPYs the CSV. */
const CREATE_BASELINE = `CREATE TABLE baseline_report (${HEADER.trim()
  .split(',')
  .map((c) => `${c} VARCHAR`)
  .join(', ')})`;

/** PostgreSQL's bare CSV load: the file streamed through `COPY … FROM STDIN (FORMAT csv, HEADER)` into a text table. */
async function copyCsv(url: string, file: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(CREATE_BASELINE);
    await pipeline(
      createReadStream(file),
      client.query(copyFrom('COPY baseline_report FROM STDIN (FORMAT csv, HEADER true)')),
    );
    await client.query('ROLLBACK');
  } finally {
    await client.end();
  }
}

/** Times DuckDB's and PostgreSQL's raw loads of a settlement report and kosh's full reconciliation of it. */
export async function benchOpsReconcile(options: {
  lines: number;
  runs: number;
  dir: string;
  /** A migrated, empty database (bench/bench-database.ts). */
  databaseUrl: string;
}): Promise<ReconcileBenchResult> {
  const db = await openDb(options.databaseUrl);
  const clock = fixedClock(new Date('2026-11-29T03:00:00Z'));
  const file = path.join(options.dir, 'settlement-recon.csv');
  const t0 = performance.now();
  const lines = await prepare(db, file, options.lines);
  await db.run('VACUUM ANALYZE');
  console.log(
    `prepared ${lines.toLocaleString('en')} report lines and kosh rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const readCsvSeconds: number[] = [];
  const copyCsvSeconds: number[] = [];
  const reconcileSeconds: number[] = [];
  let summary: Record<string, number> = {};
  for (let run = 1; run <= options.runs; run++) {
    const duck = await openDuckDb(':memory:');
    const r0 = performance.now();
    await duck.run('CREATE TABLE baseline AS SELECT * FROM read_csv($path, header = true)', { path: file });
    readCsvSeconds.push((performance.now() - r0) / 1000);
    await duck.close();

    const c0 = performance.now();
    await copyCsv(options.databaseUrl, file);
    copyCsvSeconds.push((performance.now() - c0) / 1000);

    const k0 = performance.now();
    const result = await reconcileSettlementReport(
      { db, clock },
      {
        source: 'upload',
        report: { path: file },
        windowStart: new Date(DAY_START),
        windowEnd: new Date(DAY_START + 86_400_000 - 1),
      },
    );
    reconcileSeconds.push((performance.now() - k0) / 1000);
    summary = Object.fromEntries(
      result.summary.map((s) => [
        `${s.status}${s.auto_adjusted > 0 ? `(${s.auto_adjusted} auto-adjusted)` : ''}`,
        s.items,
      ]),
    );
    console.log(
      `run ${run}: DuckDB read_csv ${readCsvSeconds.at(-1)?.toFixed(2)} s | PostgreSQL COPY csv ${copyCsvSeconds.at(-1)?.toFixed(2)} s | kosh reconcile ${reconcileSeconds.at(-1)?.toFixed(2)} s | ${JSON.stringify(summary)}`,
    );
    await forget(db, result.id);
    await db.run('VACUUM ANALYZE');
  }
  await db.close();
  return { lines, readCsvSeconds, copyCsvSeconds, reconcileSeconds, summary };
}
