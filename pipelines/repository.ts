/**
 * The scheduler's tables (job_runs, job_leases, job_schedules). Concurrency: one run of a job at a time across
 * processes through the lease row, claimed in one statement (`CLAIM_LEASE`: primary key + `ON CONFLICT … WHERE`
 * expired); a run is finished by its holder, or failed by the process taking over its expired lease
 * (`WHERE status = 'running'`); ticks only move forward (`greatest`).
 */
export const RUN_COLUMNS = `
SELECT 'job_run' AS object, t.id, t.job, t.trigger, t.status, t.holder, t.started_at, t.finished_at, t.summary,
       t.error
FROM job_runs t`;
export const RUN_BY_ID = `${RUN_COLUMNS} WHERE t.id = $id`;
/** The newest run of each job (ties on started_at broken by id, so the answer is one row per job). */
export const LAST_RUN_PER_JOB = `
${RUN_COLUMNS} WHERE t.id IN (SELECT DISTINCT ON (job) id FROM job_runs ORDER BY job, started_at DESC, id DESC)`;
export const INSERT_RUN = `
INSERT INTO job_runs (id, job, trigger, status, holder, started_at)
VALUES ($id, $job, $trigger, 'running', $holder, $at)`;
export const FINISH_RUN = `
UPDATE job_runs SET status = $status, finished_at = $at, summary = $summary, error = $error WHERE id = $id`;
/** A run whose lease expired belonged to a holder that stopped without finishing it. */
export const ABANDON_RUN = `
UPDATE job_runs SET status = 'failed', finished_at = $at, error = $error WHERE id = $id AND status = 'running'`;

/**
 * A scheduled (or catch-up) run of the job that started at or after a schedule tick: that tick is handled already,
 * by this or another process. Read under the job's lease, after the claim, so a run that took the tick is committed.
 */
export const TICK_TAKEN = `
SELECT id FROM job_runs
WHERE job = $job AND trigger IN ('schedule', 'catch_up') AND started_at >= $tick AND id <> $run_id
LIMIT 1`;

export const LEASE_OF_JOB = 'SELECT holder, run_id, expires_at FROM job_leases WHERE job = $job';
/**
 * Claims the lease of a job in one statement (concurrency: the primary key on `job` + `ON CONFLICT … WHERE`, so
 * of two processes claiming at once exactly one gets a row back): inserts a free lease or takes over one whose
 * holder let it expire; returns no row while a live holder has it. `previous_*` name the expired lease taken
 * over, if any, so its run can be marked abandoned in the same transaction (read from the statement's snapshot,
 * so only ever an expired lease; ABANDON_RUN's status guard makes a stale one harmless).
 */
export const CLAIM_LEASE = `
WITH previous AS (
  SELECT holder, run_id FROM job_leases WHERE job = $job AND expires_at <= $at
), claimed AS (
  INSERT INTO job_leases (job, holder, run_id, acquired_at, expires_at)
  VALUES ($job, $holder, $run_id, $at, $expires_at)
  ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, run_id = excluded.run_id,
    acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
  WHERE job_leases.expires_at <= excluded.acquired_at
  RETURNING run_id
)
SELECT claimed.run_id, previous.holder AS previous_holder, previous.run_id AS previous_run_id
FROM claimed LEFT JOIN previous ON true`;
export const RENEW_LEASE = 'UPDATE job_leases SET expires_at = $expires_at WHERE job = $job AND run_id = $run_id';
export const RELEASE_LEASE = 'DELETE FROM job_leases WHERE job = $job AND run_id = $run_id';
export const LIVE_LEASES = 'SELECT job FROM job_leases WHERE expires_at > $now';

export const LAST_TICK = 'SELECT last_tick_at FROM job_schedules WHERE job = $job';
/** Ticks only move forward: a late writer with an older tick changes nothing. */
export const RECORD_TICK = `
INSERT INTO job_schedules (job, last_tick_at) VALUES ($job, $tick)
ON CONFLICT (job) DO UPDATE SET last_tick_at = greatest(job_schedules.last_tick_at, excluded.last_tick_at)`;
