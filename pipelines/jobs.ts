import { billingRun } from '../payments-core/billing/run-billing.js';
import { runDunning } from '../payments-core/dunning/run-dunning.js';
import { chargeDueInstallments } from '../payments-core/installments/charge-due-installments.js';
import { createMonthlyStatements } from '../payments-core/invoices/create-monthly-statements.js';
import { finalizeDueInvoices } from '../payments-core/invoices/finalize-due-invoices.js';
import { evaluateAlerts } from '../payments-core/monitoring/evaluate-alerts.js';
import { prunePaymentChanges } from '../payments-core/payments/prune-payment-changes.js';
import { resolveUnknownPayments } from '../payments-core/payments/resolve-unknown-payments.js';
import { reconcileSettlements } from '../payments-core/reconciliation/reconcile-settlements.js';
import { drainRetries } from '../payments-core/retries/drain-retries.js';
import { retryWebhookEvents } from '../payments-core/webhooks/retry-webhook-events.js';
import { churnReportJob } from './churn-report.js';
import { runMailer } from './deliver-emails.js';
import { JOB_SCHEDULES, type JobName } from './job-schedules.js';
import { lakeExportJob } from './lake-export.js';
import { purgeExpiredKeys } from './purge-expired-keys.js';
import { forecastRefresh } from './refresh-revenue-forecasts.js';
import { retrainFraud } from './train-fraud.js';
import type { Job } from './types.js';

/** What each job runs; its name and default schedule are in pipelines/job-schedules.ts. */
const RUNS: Record<JobName, Job['run']> = {
  'webhook-retry': retryWebhookEvents,
  'purge-expired-keys': purgeExpiredKeys,
  'drain-retries': drainRetries,
  'charge-due-installments': chargeDueInstallments,
  'resolve-unknown-payments': resolveUnknownPayments,
  'reconcile-settlements': reconcileSettlements,
  'retrain-fraud': retrainFraud,
  'churn-report': churnReportJob,
  'lake-export': lakeExportJob,
  'prune-payment-changes': prunePaymentChanges,
  'evaluate-alerts': evaluateAlerts,
  mailer: runMailer,
  'forecast-refresh': forecastRefresh,
  'billing-run': billingRun,
  dunning: runDunning,
  'finalize-invoices': finalizeDueInvoices,
  'monthly-statements': createMonthlyStatements,
};

/** Every job kosh runs, with its default schedule (pipelines/job-schedules.ts). */
export const JOBS: readonly Job[] = JOB_SCHEDULES.map((s) => ({ name: s.name, cron: s.cron, run: RUNS[s.name] }));
