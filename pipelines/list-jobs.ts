import type { Clock } from '../platform/clock.js';
import type { Sql } from '../platform/db.js';
import { toJobRun } from './find-job-runs.js';
import { LAST_RUN_PER_JOB, LIVE_LEASES } from './repository.js';
import { nextTick } from './schedule.js';
import type { JobRun, JobRuntime, JobView } from './types.js';

/** Every registered job with its effective schedule, its last run and whether a run holds it now. */
export async function listJobs(deps: { db: Sql; clock: Clock; runtime: JobRuntime }): Promise<JobView[]> {
  const now = deps.clock.now();
  const lastRuns = new Map<string, JobRun>();
  for (const row of await deps.db.all<Parameters<typeof toJobRun>[0]>(LAST_RUN_PER_JOB)) {
    lastRuns.set(row.job, toJobRun(row));
  }
  const leased = new Set((await deps.db.all<{ job: string }>(LIVE_LEASES, { now })).map((r) => r.job));
  return deps.runtime.schedules.map((s) => ({
    object: 'job' as const,
    name: s.name,
    cron: s.cron,
    timezone: s.timezone,
    enabled: s.enabled,
    running: leased.has(s.name) || deps.runtime.running.has(s.name),
    last_run: lastRuns.get(s.name) ?? null,
    next_run_at: s.enabled ? nextTick(s.cron, s.timezone, now) : null,
  }));
}
