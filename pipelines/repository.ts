export const RUN_COLUMNS = `
SELECT 'job_run' AS object, t.id, t.job, t.trigger, t.status, t.holder, t.started_at, t.finished_at, t.summary,
       t.error
FROM job_runs t`;
export const RUN_BY_ID = `${RUN_COLUMNS} WHERE t.id = $id`;
// Not QUALIFY row_number(): DuckDB 1.5 returned corrupted strings from that prepared statement once it had
// been prepared on an empty table.
export const LAST_RUN_PER_JOB = `
${RUN_COLUMNS} WHERE t.id IN (SELECT arg_max(id, (started_at, id)) FROM job_runs GROUP BY job)`;
export const INSERT_RUN = `
INSERT INTO job_runs (id, job, trigger, status, holder, started_at)
VALUES ($id, $job, $trigger, 'running', $holder, $at)`;
export const FINISH_RUN = `
UPDATE job_runs SET status = $status, finished_at = $at, summary = $summary, error = $error WHERE id = $id`;
/** A run whose lease expired belonged to a holder that stopped without finishing it. */
export const ABANDON_RUN = `
UPDATE job_runs SET status = 'failed', finished_at = $at, error = $error WHERE id = $id AND status = 'running'`;

export const LEASE_OF_JOB = 'SELECT holder, run_id, expires_at FROM job_leases WHERE job = $job';
/** Takes a free lease, or one whose holder let it expire; changes no row while a live holder has it. */
export const ACQUIRE_LEASE = `
INSERT INTO job_leases (job, holder, run_id, acquired_at, expires_at)
VALUES ($job, $holder, $run_id, $at, $expires_at)
ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, run_id = excluded.run_id,
  acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
WHERE job_leases.expires_at <= excluded.acquired_at`;
export const RENEW_LEASE = 'UPDATE job_leases SET expires_at = $expires_at WHERE job = $job AND run_id = $run_id';
export const RELEASE_LEASE = 'DELETE FROM job_leases WHERE job = $job AND run_id = $run_id';
export const LIVE_LEASES = 'SELECT job FROM job_leases WHERE expires_at > $now';

export const LAST_TICK = 'SELECT last_tick_at FROM job_schedules WHERE job = $job';
/** Ticks only move forward: a late writer with an older tick changes nothing. */
export const RECORD_TICK = `
INSERT INTO job_schedules (job, last_tick_at) VALUES ($job, $tick)
ON CONFLICT (job) DO UPDATE SET last_tick_at = greatest(job_schedules.last_tick_at, excluded.last_tick_at)`;
