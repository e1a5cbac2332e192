import { chargeDueInstallments } from '../payments-core/installments/charge-due-installments.js';
import { resolveUnknownPayments } from '../payments-core/payments/resolve-unknown-payments.js';
import { reconcileSettlements } from '../payments-core/reconciliation/reconcile-settlements.js';
import { drainRetries } from '../payments-core/retries/drain-retries.js';
import { retryWebhookEvents } from '../payments-core/webhooks/retry-webhook-events.js';
import { purgeExpiredKeys } from './purge-expired-keys.js';
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
];
