/**
 * Every job kosh runs, with its default schedule: a node-cron expression (`sec? min hour dom month dow`,
 * day-of-month AND day-of-week) read in Asia/Kolkata. `KOSH_SCHEDULE_<NAME>` overrides or disables one.
 * A new job is one line here and its run in pipelines/jobs.ts (the compiler asks for it). Kept apart from the runs so
 * that the CLI checks the configuration (`loadConfig` with `SCHEDULE_RULES`) without loading every job's code.
 */
export const JOB_SCHEDULES = [
  { name: 'webhook-retry', cron: '* * * * *' },
  { name: 'purge-expired-keys', cron: '0 * * * *' },
  { name: 'drain-retries', cron: '* * * * *' },
  { name: 'charge-due-installments', cron: '0 * * * *' },
  { name: 'resolve-unknown-payments', cron: '*/5 * * * *' },
  { name: 'reconcile-settlements', cron: '0 6 * * *' },
  { name: 'retrain-fraud', cron: '0 3 * * 0' },
  { name: 'churn-report', cron: '0 3 * * *' },
  { name: 'lake-export', cron: '0 2 * * *' },
  { name: 'prune-payment-changes', cron: '*/10 * * * *' },
  { name: 'evaluate-alerts', cron: '* * * * *' },
  { name: 'mailer', cron: '0 * * * *' },
  { name: 'forecast-refresh', cron: '30 3 * * *' },
  { name: 'billing-run', cron: '0 * * * *' },
  { name: 'dunning', cron: '0 */6 * * *' },
  { name: 'finalize-invoices', cron: '15 * * * *' },
  { name: 'monthly-statements', cron: '0 2 1 * *' },
] as const;

export type JobName = (typeof JOB_SCHEDULES)[number]['name'];
