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
import { lakeExportJob } from './lake-export.js';
import { purgeExpiredKeys } from './purge-expired-keys.js';
import { forecastRefresh } from './refresh-revenue-forecasts.js';
import { retrainFraud } from './train-fraud.js';
import type { Job } from './types.js';

/**
 * Every job kosh runs, with its default schedule: a node-cron expression (`sec? min hour dom month dow`,
 * day-of-month AND day-of-week) read in Asia/Kolkata. `KOSH_SCHEDULE_<NAME>` overrides or disables one.
 * A new job is one line here.
 */
export const JOBS: readonly Job[] = [
  { name: 'webhook-retry', cron: '* * * * *', run: retryWebhookEvents },
  { name: 'purge-expired-keys', cron: '0 * * * *', run: purgeExpiredKeys },
  { name: 'drain-retries', cron: '* * * * *', run: drainRetries },
  { name: 'charge-due-installments', cron: '0 * * * *', run: chargeDueInstallments },
  { name: 'resolve-unknown-payments', cron: '*/5 * * * *', run: resolveUnknownPayments },
  { name: 'reconcile-settlements', cron: '0 6 * * *', run: reconcileSettlements },
  { name: 'retrain-fraud', cron: '0 3 * * 0', run: retrainFraud },
  { name: 'churn-report', cron: '0 3 * * *', run: churnReportJob },
  { name: 'lake-export', cron: '0 2 * * *', run: lakeExportJob },
  { name: 'prune-payment-changes', cron: '*/10 * * * *', run: prunePaymentChanges },
  { name: 'evaluate-alerts', cron: '* * * * *', run: evaluateAlerts },
  { name: 'mailer', cron: '0 * * * *', run: runMailer },
  { name: 'forecast-refresh', cron: '30 3 * * *', run: forecastRefresh },
  { name: 'billing-run', cron: '0 * * * *', run: billingRun },
  { name: 'dunning', cron: '0 */6 * * *', run: runDunning },
  { name: 'finalize-invoices', cron: '15 * * * *', run: finalizeDueInvoices },
  { name: 'monthly-statements', cron: '0 2 1 * *', run: createMonthlyStatements },
];
