import { afterEach, describe, expect, it } from 'vitest';
import { LEASE_MS, runJob } from '../../pipelines/run-job.js';
import type { RunJobDeps, Schedule } from '../../pipelines/types.js';
import { fixedClock } from '../../platform/clock.js';
import { countingJob, gatedJob, jobDeps } from './support.js';

const T0 = new Date('2026-03-02T04:30:00Z');
let deps: RunJobDeps | null = null;

afterEach(async () => {
  await deps?.db.close();
  deps = null;
});

const schedule = (d: RunJobDeps, name: string): Schedule => {
  const s = d.runtime.schedules.find((x) => x.name === name);
  if (s === undefined) throw new Error(name);
  return s;
};

describe('runJob', () => {
  it('when two runs of one job start at once → one runs, the other is skipped, one row is recorded', async () => {
    const gated = gatedJob('slow');
    deps = await jobDeps(fixedClock(T0), [gated.job]);
    const first = runJob(deps, schedule(deps, 'slow'), { trigger: 'schedule' });
    await gated.running;
    const second = await runJob(deps, schedule(deps, 'slow'), { trigger: 'manual' });
    expect(second).toMatchObject({ status: 'skipped', reason: 'job_running' });
    gated.open();
    const done = await first;
    expect(done.status).toBe('ran');
    expect(gated.calls()).toBe(1);
    const rows = await deps.db.all('SELECT job, trigger, status, summary FROM job_runs');
    expect(rows).toEqual([{ job: 'slow', trigger: 'schedule', status: 'succeeded', summary: '{"done":1}' }]);
    expect(await deps.db.all('SELECT * FROM job_leases')).toEqual([]);
  });

  it('when another process holds a live lease → skipped; once its lease expired → taken over, its run marked failed', async () => {
    const clock = fixedClock(T0);
    const counting = countingJob('count', '0 * * * *');
    deps = await jobDeps(clock, [counting.job]);
    await deps.db.run(
      `INSERT INTO job_runs (id, job, trigger, status, holder, started_at) VALUES ('jrun_other', 'count', 'schedule', 'running', 'other:1', $at)`,
      { at: T0 },
    );
    await deps.db.run(`INSERT INTO job_leases VALUES ('count', 'other:1', 'jrun_other', $at, $expires)`, {
      at: T0,
      expires: new Date(T0.getTime() + LEASE_MS),
    });
    expect(await runJob(deps, schedule(deps, 'count'), { trigger: 'manual' })).toEqual({
      status: 'skipped',
      reason: 'job_running',
      holder: 'other:1',
      run_id: 'jrun_other',
    });
    expect(counting.nows).toHaveLength(0);

    clock.advance(LEASE_MS);
    const outcome = await runJob(deps, schedule(deps, 'count'), { trigger: 'manual' });
    expect(outcome).toMatchObject({ status: 'ran', run: { status: 'succeeded', summary: { runs: 1 } } });
    const rows = await deps.db.all('SELECT id, status, error FROM job_runs ORDER BY started_at, id');
    expect(rows).toContainEqual({ id: 'jrun_other', status: 'failed', error: 'lease of other:1 expired' });
    expect(await deps.db.all('SELECT * FROM job_leases')).toEqual([]);
  });

  it('when the job throws → the run is recorded failed with its error, and the next run can start', async () => {
    let fail = true;
    deps = await jobDeps(fixedClock(T0), [
      {
        name: 'flaky',
        cron: '0 * * * *',
        run: async () => {
          if (fail) throw new Error('bank file missing');
          return { ok: true };
        },
      },
    ]);
    const failed = await runJob(deps, schedule(deps, 'flaky'), { trigger: 'manual' });
    expect(failed).toMatchObject({
      status: 'ran',
      run: { status: 'failed', error: 'bank file missing', summary: null, trigger: 'manual' },
    });
    fail = false;
    const ok = await runJob(deps, schedule(deps, 'flaky'), { trigger: 'manual' });
    expect(ok).toMatchObject({ status: 'ran', run: { status: 'succeeded', summary: { ok: true }, error: null } });
    if (ok.status === 'ran') {
      expect(ok.run.started_at).toEqual(T0);
      expect(ok.run.finished_at).toEqual(T0);
    }
  });
});
