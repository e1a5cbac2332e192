import type { BillingOptions } from '../payments-core/billing/types.js';
import type { DunningPolicy } from '../payments-core/dunning/types.js';
import type { PaymentGateway } from '../payments-core/gateway/port.js';
import type { InvoiceSettings } from '../payments-core/invoices/types.js';
import type { AlertSettings } from '../payments-core/monitoring/types.js';
import type { WebhookInbox } from '../payments-core/webhooks/webhook-inbox.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { JobFn, JobSummary } from '../platform/job.js';
import type { Log } from '../platform/log.js';
import type { Mailer } from '../platform/mail.js';
import type { Metrics } from '../platform/metrics.js';
import type { ObjectStore } from '../platform/objects.js';

/** What every job may use. A job needing more gets it added here and wired in serving/server.ts and bin/. */
export interface JobDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly gateway: PaymentGateway;
  readonly log: Log;
  readonly inbox: WebhookInbox;
  /** Model artifacts and reports; optional so deps built without one still type-check (jobs needing it say so). */
  readonly objects?: ObjectStore;
  /** The process's metrics (job durations, payment counters, the API request log the alert rules read). */
  readonly metrics?: Metrics;
  /** Alert window, minimum samples and webhook (evaluate-alerts); defaults when absent. */
  readonly alerting?: AlertSettings;
  /** Email transport and From (the `mailer` job); optional so deps built without one still type-check. */
  readonly mailer?: Mailer;
  /** The dunning schedule, final action and link base (config `dunning`); the defaults when absent. */
  readonly dunning?: DunningPolicy;
  /** Billing run tuning (config `billing`): chunk size, gateway concurrency and rate, claim TTL; defaults when absent. */
  readonly billing?: Partial<BillingOptions>;
  /** Invoice finalisation delay and due days (config `invoicing`; finalize-invoices, monthly-statements); defaults when absent. */
  readonly invoicing?: InvoiceSettings;
}

/** A registered job with its default schedule (a node-cron expression read in Asia/Kolkata). */
export interface Job {
  readonly name: string;
  readonly cron: string;
  readonly run: JobFn<JobDeps>;
}

export const TIMEZONE = 'Asia/Kolkata';

/** A job as this process schedules it, after `KOSH_SCHEDULE_<NAME>` overrides. */
export interface Schedule extends Job {
  readonly timezone: typeof TIMEZONE;
  /** False when `KOSH_SCHEDULE_<NAME>=off`: no timer and no catch-up, but a manual run is still allowed. */
  readonly enabled: boolean;
}

/**
 * What the scheduler, the HTTP routes and the CLI of one process share: the effective schedules, the
 * in-process guard against overlapping runs, and the lease holder name of this process.
 */
export interface JobRuntime {
  readonly schedules: readonly Schedule[];
  readonly holder: string;
  readonly running: Set<string>;
}

export type RunJobDeps = JobDeps & { readonly runtime: JobRuntime };

export type JobTrigger = 'schedule' | 'manual' | 'catch_up';
export type JobRunStatus = 'running' | 'succeeded' | 'failed';

export interface JobRun {
  readonly object: 'job_run';
  readonly id: string;
  readonly job: string;
  readonly trigger: JobTrigger;
  readonly status: JobRunStatus;
  readonly holder: string;
  readonly started_at: Date;
  readonly finished_at: Date | null;
  readonly summary: JobSummary | null;
  readonly error: string | null;
}

/** A run either happened (succeeded or failed), or was skipped because another run of the job holds it. */
export type RunOutcome =
  | { readonly status: 'ran'; readonly run: JobRun }
  | {
      readonly status: 'skipped';
      readonly reason: 'job_running';
      readonly holder: string;
      readonly run_id: string | null;
    }
  /** A scheduled tick another process (or an earlier timer here) has already run: `run_id` names that run. */
  | { readonly status: 'skipped'; readonly reason: 'tick_taken'; readonly run_id: string };

export interface JobView {
  readonly object: 'job';
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  readonly enabled: boolean;
  readonly running: boolean;
  readonly last_run: JobRun | null;
  readonly next_run_at: Date | null;
}
