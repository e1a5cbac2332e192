import { parseArgs } from 'node:util';
import { loadPayments } from '../payments-core/payments/load-payments.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Log } from '../platform/log.js';
import { generateDemoData } from './generate-demo-data.js';

export interface SeedSummary {
  readonly seed: number;
  readonly schools: number;
  readonly customers: number;
  readonly orders: number;
  readonly payments: number;
  readonly refunds: number;
  readonly journalLines: number;
  readonly seconds: number;
}

/** True when no payment has been recorded: the only state `serve` seeds into. */
export async function isDatabaseEmpty(db: Db): Promise<boolean> {
  const row = await db.one<{ n: number }>(
    'SELECT (SELECT count(*) FROM payments) + (SELECT count(*) FROM schools) AS n',
  );
  return (row?.n ?? 0) === 0;
}

/** Generates demo data and writes it through the bulk path (`loadPayments`: COPY), all batches in one transaction. */
export async function seedDemoData(
  deps: { db: Db; clock: Clock; log?: Log },
  options: { seed: number; payments: number; months?: number; schools?: number; churn?: boolean },
): Promise<SeedSummary> {
  const started = performance.now();
  let schools = 0;
  let customers = 0;
  const generated = generateDemoData({
    seed: options.seed,
    payments: options.payments,
    months: options.months ?? 12,
    schools: options.schools,
    churn: options.churn,
    end: deps.clock.now(),
  });
  const summary = await loadPayments(deps, generated, (batch) => {
    schools += batch.schools?.length ?? 0;
    customers += batch.customers?.length ?? 0;
    deps.log?.debug({ payments: batch.payments.length }, 'seeded batch');
  });
  // Fresh statistics for the planner: autovacuum would get there, but the server answers queries right after a seed.
  await deps.db.run('ANALYZE');
  return {
    seed: options.seed,
    schools,
    customers,
    orders: summary.orders,
    payments: summary.payments,
    refunds: summary.refunds,
    journalLines: summary.journalLines,
    seconds: (performance.now() - started) / 1000,
  };
}

/** `kosh seed [--seed N] [--payments N] [--months N] [--schools N] [--churn] [--force]` */
export async function runSeedCli(argv: string[], deps: { db: Db; clock: Clock; log: Log }): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '42' },
      payments: { type: 'string', default: '20000' },
      months: { type: 'string', default: '12' },
      schools: { type: 'string' },
      force: { type: 'boolean', default: false },
      churn: { type: 'boolean', default: false },
    },
  });
  const numbers = { seed: Number(values.seed), payments: Number(values.payments), months: Number(values.months) };
  for (const [name, value] of Object.entries(numbers)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      console.error(`--${name} must be a non-negative integer`);
      return 1;
    }
  }
  if (!values.force && !(await isDatabaseEmpty(deps.db))) {
    console.error('the database already holds data; seed refuses to mix demo data into it (use --force to add anyway)');
    return 1;
  }
  const summary = await seedDemoData(deps, {
    ...numbers,
    ...(values.schools === undefined ? {} : { schools: Number(values.schools) }),
    ...(values.churn ? { churn: true } : {}),
  });
  console.log(
    `seeded ${summary.payments.toLocaleString('en')} payments (${summary.orders.toLocaleString('en')} orders, ${summary.refunds} refunds, ` +
      `${summary.customers} parents at ${summary.schools} schools, ${summary.journalLines.toLocaleString('en')} ledger lines) ` +
      `with seed ${summary.seed} in ${summary.seconds.toFixed(1)} s`,
  );
  return 0;
}
