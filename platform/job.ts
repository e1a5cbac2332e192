/**
 * The contract of a scheduled or on-demand job. A job is a plain function `run(deps, { now })` that does
 * one bounded batch of work and returns a summary of counts; `pipelines/` schedules it, records each run in
 * `job_runs` and holds a lease so one run of a job happens at a time. Domain modules export job functions
 * of this shape without importing `pipelines/`.
 */
export interface JobContext {
  /** The scheduled or trigger time of this run (from the injected clock). */
  readonly now: Date;
}

export type JobSummary = Readonly<Record<string, number | string | boolean | null>>;

export type JobFn<D> = (deps: D, ctx: JobContext) => Promise<JobSummary>;
