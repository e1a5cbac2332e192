import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { seedDemoData } from '../data/seed.js';
import { appendRows, type ColumnKind } from '../platform/bulk.js';
import { fixedClock } from '../platform/clock.js';
import { openDb } from '../platform/db.js';
import { migrate } from '../platform/migrate.js';

export interface BulkIngestResult {
  readonly payments: number;
  /** Raw DuckDB Appender into a bare table shaped like `payments` (no keys, no ledger): the baseline. */
  readonly appenderRowsPerSec: number;
  /** kosh's bulk path: generated demo data through importPayments, with orders, parties and the ledger. */
  readonly bulkPaymentsPerSec: number;
  readonly bulkSeconds: number;
}

const PAYMENT_KINDS: ColumnKind[] = [
  'varchar',
  'varchar',
  'varchar',
  'varchar',
  'varchar',
  'varchar',
  'bigint',
  'varchar',
  'varchar',
  'varchar',
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'varchar',
  'varchar',
  'varchar',
  'varchar',
  'varchar',
  'varchar',
  'varchar',
  'timestamp',
  'timestamp',
  'timestamp',
  'timestamp',
  'timestamp',
];

/** Measures the raw Appender baseline and the kosh bulk path in the same run, on files in `dir`. */
export async function benchBulkIngest(options: { payments: number; dir: string }): Promise<BulkIngestResult> {
  const raw = await openDb(path.join(options.dir, 'raw.duckdb'));
  await raw.run(`CREATE TABLE bare_payments AS SELECT * FROM (VALUES (
    ''::VARCHAR, ''::VARCHAR, ''::VARCHAR, ''::VARCHAR, ''::VARCHAR, ''::VARCHAR, 0::BIGINT, ''::VARCHAR, ''::VARCHAR,
    ''::VARCHAR, 0::BIGINT, 0::BIGINT, 0::BIGINT, 0::BIGINT, ''::VARCHAR, ''::VARCHAR, ''::VARCHAR, ''::VARCHAR,
    ''::VARCHAR, ''::VARCHAR, ''::VARCHAR, now()::TIMESTAMP, now()::TIMESTAMP, now()::TIMESTAMP, now()::TIMESTAMP,
    now()::TIMESTAMP)) WHERE false`);
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
    await appendRows(tx, 'bare_payments', PAYMENT_KINDS, rows());
  });
  const appenderSeconds = (performance.now() - t0) / 1000;
  await raw.close();

  const db = await openDb(path.join(options.dir, 'kosh.duckdb'));
  const clock = fixedClock(new Date('2026-11-28T00:00:00Z'));
  await migrate(db, clock);
  const summary = await seedDemoData({ db, clock }, { seed: 42, payments: options.payments });
  await db.close();
  return {
    payments: options.payments,
    appenderRowsPerSec: options.payments / appenderSeconds,
    bulkPaymentsPerSec: summary.payments / summary.seconds,
    bulkSeconds: summary.seconds,
  };
}
