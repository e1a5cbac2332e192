import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:server`: the suite again, on a separate PostgreSQL 15 server (scripts/with-postgres-server.sh).
 * It runs what can differ on another server — every test that writes or reads PostgreSQL, the two-process test
 * included — and leaves out what the first pass (`npm test`, on the embedded PostgreSQL) already proves and no
 * server can change, so CI stays inside its 20 minutes:
 */
const SERVER_PASS_EXCLUDES = [
  // never opens a database: pure computation (models, money, schedules, the simulator's contract, config parsing)
  'tests/models/churn/classifier.test.ts',
  'tests/models/churn/telco-evaluate.test.ts',
  'tests/models/evaluate.test.ts',
  'tests/models/evaluation-protocol.test.ts',
  'tests/models/forecast/**',
  'tests/models/fraud-model.test.ts',
  'tests/models/fraud-scorer-rules.test.ts',
  'tests/models/ltv/**',
  'tests/models/metrics.test.ts',
  'tests/models/promotion-gate.test.ts',
  'tests/payments-core/gateway/**',
  'tests/payments-core/dunning/config.test.ts',
  'tests/payments-core/installments/split.test.ts',
  'tests/payments-core/invoices/config.test.ts',
  'tests/payments-core/retries/schedule.test.ts',
  'tests/payments-core/subscriptions/billing-periods.test.ts',
  'tests/payments-core/subscriptions/transitions.test.ts',
  'tests/platform/card-data.test.ts',
  'tests/platform/config.test.ts',
  'tests/platform/log.test.ts',
  'tests/platform/system-tools.test.ts',
  'tests/platform/mail.test.ts',
  'tests/platform/metrics.test.ts',
  'tests/platform/money.test.ts',
  'tests/platform/in-parallel.test.ts',
  'tests/platform/table-owners.test.ts',
  'tests/serving/openapi.test.ts',
  // the HTTP surface fuzzed with the first pass's server: what it finds is in the request layer, not in SQL
  'tests/serving/fuzz.test.ts',
  // the process and UI layer over SQL the pass above runs anyway: a CLI's help and exit codes, npm start's
  // signals, a browser on the dashboard, notebooks, child processes killed and restarted, a graceful stop
  'tests/bin/**',
  'tests/docs/**',
  'tests/notebooks/**',
  'tests/serving/dashboard.test.ts',
  'tests/serving/data-dir-removed.test.ts',
  'tests/serving/graceful-shutdown.test.ts',
  'tests/serving/idempotency-kill.test.ts',
  'tests/serving/billing-kill.test.ts',
  'tests/serving/money-points-kill.test.ts',
  'tests/serving/churn-models.test.ts',
  // CPU-bound over SQL other server-pass files run: the registry's HTTP layer (registry.test.ts and selector.test.ts
  // keep its statements), and a school's year (18 s of billing through test clocks; the billing, plan-change,
  // test-clock and GSTR-1 files keep its statements)
  'tests/models/registry/models-http.test.ts',
  'tests/payments-core/test-clocks/school-year.test.ts',
  // kosh serve --workers and three processes behind a proxy: the process layer; two-processes.test.ts is the
  // several-processes test the server pass keeps
  'tests/serving/workers.test.ts',
];

export default mergeConfig(
  base,
  defineConfig({ test: { exclude: [...configDefaults.exclude, ...SERVER_PASS_EXCLUDES] } }),
);
