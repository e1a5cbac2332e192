/**
 * The contract of a scheduled or on-demand job. A job is a plain function `run(deps, { now })` that does
 * one bounded batch of work and returns a summary of counts; `pipelines/` schedules it, records each run in
 * `job_runs` and holds a lease so one run of a job happens at a time. Domain modules export job functions
 * of this shape without importing `pipelines/`.
 */
export interface JobContext {
  /** The scheduled or trigger time of this run (from the injected clock). */
  readonly now: Date;
  /**
   * Whose objects this run works on: absent, those of customers on the wall clock (every scheduled run); a test
   * clock's id, only those of that clock's customers (its advance, with `now` the clock's time).
   */
  readonly testClock?: string | undefined;
}

export type JobSummary = Readonly<Record<string, number | string | boolean | null>>;

export type JobFn<D> = (deps: D, ctx: JobContext) => Promise<JobSummary>;
