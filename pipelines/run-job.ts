import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { newId } from '../platform/ids.js';
import type { JobSummary } from '../platform/job.js';
import { findJobRun } from './find-job-runs.js';
import {
  ABANDON_RUN,
  CLAIM_LEASE,
  FINISH_RUN,
  INSERT_RUN,
  LEASE_OF_JOB,
  RELEASE_LEASE,
  RENEW_LEASE,
  TICK_TAKEN,
} from './repository.js';
import type { JobRuntime, JobTrigger, RunJobDeps, RunOutcome, Schedule } from './types.js';

/** A lease outlives its holder by at most this long; a live holder renews it every LEASE_RENEW_MS. */
export const LEASE_MS = 5 * 60_000;
const LEASE_RENEW_MS = 60_000;

export function createJobRuntime(schedules: readonly Schedule[]): JobRuntime {
  return { schedules, holder: `${hostname()}:${process.pid}:${newId('proc')}`, running: new Set() };
}

/**
 * Runs one job now, at most one run of a job at a time: a run already going in this process, or a live
 * lease held by another process, makes this call a skip. Every run that starts is recorded in `job_runs`
 * with its summary or error; a failing job is recorded as failed, not thrown.
 *
 * `tick`: the schedule tick this run is for. The lease only keeps two runs from overlapping: with several processes
 * each timer fires at the tick, and a short run finished by one would be run again by the next. So under the lease,
 * a tick that already has a scheduled run started at or after it is skipped: once per tick across processes.
 */
export async function runJob(
  deps: RunJobDeps,
  job: Schedule,
  options: { trigger: JobTrigger; tick?: Date },
): Promise<RunOutcome> {
  const { runtime } = deps;
  if (runtime.running.has(job.name)) {
    return { status: 'skipped', reason: 'job_running', holder: runtime.holder, run_id: null };
  }
  runtime.running.add(job.name);
  try {
    const now = deps.clock.now();
    const runId = newId('jrun');
    const claimed = await deps.db.transaction(async (tx) => {
      const claim = await tx.one<{ previous_holder: string | null; previous_run_id: string | null }>(CLAIM_LEASE, {
        job: job.name,
        holder: runtime.holder,
        run_id: runId,
        at: now,
        expires_at: new Date(now.getTime() + LEASE_MS),
      });
      if (claim === undefined) return false;
      if (claim.previous_run_id !== null) {
        await tx.run(ABANDON_RUN, {
          id: claim.previous_run_id,
          at: now,
          error: `lease of ${claim.previous_holder} expired`,
        });
      }
      if (options.tick !== undefined) {
        const taken = await tx.one<{ id: string }>(TICK_TAKEN, { job: job.name, tick: options.tick, run_id: runId });
        if (taken !== undefined) {
          await tx.run(RELEASE_LEASE, { job: job.name, run_id: runId });
          return taken.id;
        }
      }
      await tx.run(INSERT_RUN, { id: runId, job: job.name, trigger: options.trigger, holder: runtime.holder, at: now });
      return true;
    });
    if (typeof claimed === 'string') return { status: 'skipped', reason: 'tick_taken', run_id: claimed };
    if (!claimed) {
      // Only to name the holder in the answer: it may have finished since (then it is gone).
      const busy = await deps.db.one<{ holder: string; run_id: string }>(LEASE_OF_JOB, { job: job.name });
      return {
        status: 'skipped',
        reason: 'job_running',
        holder: busy?.holder ?? 'another process',
        run_id: busy?.run_id ?? null,
      };
    }

    const renew = setInterval(() => {
      const expires_at = new Date(deps.clock.now().getTime() + LEASE_MS);
      deps.db
        .run(RENEW_LEASE, { job: job.name, run_id: runId, expires_at })
        .catch((err: unknown) => deps.log.warn({ err, job: job.name }, 'job lease renewal failed'));
    }, LEASE_RENEW_MS);
    renew.unref();
    let summary: JobSummary | null = null;
    let error: string | null = null;
    const started = performance.now();
    try {
      summary = await job.run(deps, { now });
    } catch (err) {
      error = (err instanceof Error ? err.message : String(err)).slice(0, 1000) || 'failed';
      deps.log.error({ err, job: job.name, run: runId }, 'job failed');
    } finally {
      clearInterval(renew);
    }
    deps.metrics?.jobFinished(job.name, error === null ? 'succeeded' : 'failed', (performance.now() - started) / 1000);
    await deps.db.transaction(async (tx) => {
      await tx.run(FINISH_RUN, {
        id: runId,
        status: error === null ? 'succeeded' : 'failed',
        at: deps.clock.now(),
        summary,
        error,
      });
      await tx.run(RELEASE_LEASE, { job: job.name, run_id: runId });
    });
    const run = await findJobRun(deps, runId);
    if (run === null) throw new Error(`job run ${runId} vanished`);
    // A scheduled run that succeeded is routine: debug. A failure, or a run someone asked for, is news: info.
    const level = options.trigger === 'schedule' && run.status === 'succeeded' ? 'debug' : 'info';
    deps.log[level]({ job: job.name, run: runId, trigger: options.trigger, status: run.status, summary }, 'job run');
    return { status: 'ran', run };
  } finally {
    runtime.running.delete(job.name);
  }
}
