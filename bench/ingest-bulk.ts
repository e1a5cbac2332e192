import { performance } from 'node:perf_hooks';
import { seedDemoData } from '../data/seed.js';
import { appendRows, type Columns } from '../platform/bulk.js';
import { fixedClock } from '../platform/clock.js';
import { openDb } from '../platform/db.js';
import { createBenchDatabase } from './bench-database.js';

export interface BulkIngestResult {
  readonly payments: number;
  /** Raw `COPY … FROM STDIN` (appendRows) into a bare table shaped like `payments` (no keys, no ledger): the baseline. */
  readonly rawCopyRowsPerSec: number;
  /** kosh's bulk path: generated demo data through importPayments, with orders, parties and the ledger. */
  readonly bulkPaymentsPerSec: number;
  readonly bulkSeconds: number;
}

const PAYMENT_COLUMNS: Columns = {
  id: 'varchar',
  order_id: 'varchar',
  customer_id: 'varchar',
  school_id: 'varchar',
  payment_method_id: 'varchar',
  method: 'varchar',
  amount_minor: 'bigint',
  currency: 'varchar',
  status: 'varchar',
  capture_mode: 'varchar',
  captured_minor: 'bigint',
  refunded_minor: 'bigint',
  fee_minor: 'bigint',
  tax_minor: 'bigint',
  gateway_payment_id: 'varchar',
  error_code: 'varchar',
  error_reason: 'varchar',
  error_description: 'varchar',
  device_id: 'varchar',
  ip: 'varchar',
  fraud_label: 'varchar',
  created_at: 'timestamp',
  authorized_at: 'timestamp',
  captured_at: 'timestamp',
  failed_at: 'timestamp',
  updated_at: 'timestamp',
};

/** A bare table with the columns and types of `payments`, and no key, index or constraint. */
const CREATE_BARE_PAYMENTS = `CREATE TABLE bare_payments (
  id VARCHAR, order_id VARCHAR, customer_id VARCHAR, school_id VARCHAR, payment_method_id VARCHAR, method VARCHAR,
  amount_minor BIGINT, currency VARCHAR, status VARCHAR, capture_mode VARCHAR, captured_minor BIGINT,
  refunded_minor BIGINT, fee_minor BIGINT, tax_minor BIGINT, gateway_payment_id VARCHAR, error_code VARCHAR,
  error_reason VARCHAR, error_description VARCHAR, device_id VARCHAR, ip VARCHAR, fraud_label VARCHAR,
  created_at TIMESTAMPTZ, authorized_at TIMESTAMPTZ, captured_at TIMESTAMPTZ, failed_at TIMESTAMPTZ,
  updated_at TIMESTAMPTZ)`;

/**
 * Measures the raw COPY baseline and the kosh bulk path in the same run, each in its own database on `serverUrl`.
 */
export async function benchBulkIngest(options: { payments: number; serverUrl: string }): Promise<BulkIngestResult> {
  const rawDatabase = await createBenchDatabase(options.serverUrl, { migrate: false });
  const raw = await openDb(rawDatabase.url);
  await raw.run(CREATE_BARE_PAYMENTS);
  const at = new Date('2026-06-01T10:00:00Z');
  const t0 = performance.now();
  await raw.transaction(async (tx) => {
    function* rows() {
      for (let i = 0; i < options.payments; i++) {
        yield [
          `pay_${i}`,
          `ord_${i}`,
          'cus_1',
          'sch_1',
          'pm_1',
          'upi',
          50_000 + (i % 100),
          'INR',
          'captured',
          'auto',
          50_000,
          0,
          1180,
          180,
          `pay_g${i}`,
          null,
          null,
          null,
          'dev_1',
          '49.1.2.3',
          null,
          at,
          at,
          at,
          null,
          at,
        ];
      }
    }
    await appendRows(tx, 'bare_payments', PAYMENT_COLUMNS, rows());
  });
  const copySeconds = (performance.now() - t0) / 1000;
  await raw.close();
  await rawDatabase.drop();

  const clock = fixedClock(new Date('2026-11-28T00:00:00Z'));
  const database = await createBenchDatabase(options.serverUrl, { clock });
  const db = await openDb(database.url);
  try {
    const summary = await seedDemoData({ db, clock }, { seed: 42, payments: options.payments });
    return {
      payments: options.payments,
      rawCopyRowsPerSec: options.payments / copySeconds,
      bulkPaymentsPerSec: summary.payments / summary.seconds,
      bulkSeconds: summary.seconds,
    };
  } finally {
    await db.close();
    await database.drop();
  }
}
