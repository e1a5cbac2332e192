import type { PaymentGateway } from '../payments-core/gateway/port.js';
import type { WebhookInbox } from '../payments-core/webhooks/webhook-inbox.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { JobFn, JobSummary } from '../platform/job.js';
import type { Log } from '../platform/log.js';
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
    };

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
