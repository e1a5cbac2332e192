import { conflict } from '../platform/errors.js';
import { jobNotFound } from './find-job-runs.js';
import { runJob } from './run-job.js';
import type { JobRun, RunJobDeps } from './types.js';

/** A manual run, now, to its end: unknown job → not found; a run already holding the job → `job_running`. */
export async function triggerJob(deps: RunJobDeps, name: string): Promise<JobRun> {
  const schedule = deps.runtime.schedules.find((s) => s.name === name);
  if (schedule === undefined) throw jobNotFound(name);
  const outcome = await runJob(deps, schedule, { trigger: 'manual' });
  if (outcome.status === 'skipped') {
    throw conflict('job_running', `job ${name} is already running`, { run_id: outcome.run_id });
  }
  return outcome.run;
}
