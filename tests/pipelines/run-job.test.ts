import { afterEach, describe, expect, it } from 'vitest';
import { LEASE_MS, runJob } from '../../pipelines/run-job.js';
import type { Job, RunJobDeps, Schedule } from '../../pipelines/types.js';
import { fixedClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';
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

  it('when a scheduled run succeeds → its line is debug (routine); a manual run is info', async () => {
    const counting = countingJob('tick', '0 * * * *');
    deps = await jobDeps(fixedClock(T0), [counting.job]);
    const lines: { level: number; msg: string; trigger: string }[] = [];
    const log = createLog({ level: 'debug', destination: { write: (line: string) => lines.push(JSON.parse(line)) } });
    const logged = { ...deps, log };
    await runJob(logged, schedule(deps, 'tick'), { trigger: 'schedule' });
    await runJob(logged, schedule(deps, 'tick'), { trigger: 'manual' });
    const runs = lines.filter((l) => l.msg === 'job run').map((l) => [l.trigger, l.level]);
    expect(runs).toEqual([
      ['schedule', 20],
      ['manual', 30],
    ]);
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

describe('runJob across two processes on one database', () => {
  // Two deps with their own pool and lease holder name stand for two kosh processes.
  let url: string | undefined;
  let a: RunJobDeps | undefined;
  let b: RunJobDeps | undefined;
  const runs: Date[] = [];
  const slow: Job = {
    name: 'nightly',
    cron: '0 * * * *',
    run: async (_deps, { now }) => {
      runs.push(now);
      await new Promise((r) => setTimeout(r, 150));
      return { ok: true };
    },
  };
  const twoProcesses = async (): Promise<[RunJobDeps, RunJobDeps]> => {
    url = await createTestDatabase();
    a = await jobDeps(fixedClock(T0), [slow], { databaseUrl: url });
    b = await jobDeps(fixedClock(T0), [slow], { databaseUrl: url });
    return [a, b];
  };

  afterEach(async () => {
    await a?.db.close();
    await b?.db.close();
    if (url !== undefined) await dropTestDatabase(url);
    a = b = url = undefined;
    runs.length = 0;
  });

  it('when both claim the lease at the same instant, round after round → exactly one runs each time', async () => {
    const [a, b] = await twoProcesses();
    for (let round = 0; round < 8; round++) {
      const outcomes = await Promise.all([
        runJob(a, schedule(a, 'nightly'), { trigger: 'schedule' }),
        runJob(b, schedule(b, 'nightly'), { trigger: 'schedule' }),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['ran', 'skipped']);
    }
    expect(runs).toHaveLength(8);
    expect(await a.db.all('SELECT status, count(*) AS n FROM job_runs GROUP BY status')).toEqual([
      { status: 'succeeded', n: 8 },
    ]);
    expect(await a.db.all('SELECT * FROM job_leases')).toEqual([]);
  });

  it('when one finished a tick before the other’s timer fired → the late one skips that tick; the next tick runs once', async () => {
    const [a, b] = await twoProcesses();
    const clockB = fixedClock(new Date(T0.getTime() + 400));
    const lateB: RunJobDeps = { ...b, clock: clockB };
    // Process A's timer fires at the tick and its run finishes (the lease is released) before B's timer fires.
    const first = await runJob(a, schedule(a, 'nightly'), { trigger: 'schedule', tick: T0 });
    expect(first.status).toBe('ran');
    const late = await runJob(lateB, schedule(b, 'nightly'), { trigger: 'schedule', tick: T0 });
    expect(late).toEqual({
      status: 'skipped',
      reason: 'tick_taken',
      run_id: first.status === 'ran' ? first.run.id : '',
    });
    // The next hour's tick: B's timer is first this time; A, later, skips it.
    const next = new Date(T0.getTime() + 3_600_000);
    clockB.set(new Date(next.getTime() + 5));
    const lateA: RunJobDeps = { ...a, clock: fixedClock(new Date(next.getTime() + 300)) };
    expect(await runJob(lateB, schedule(b, 'nightly'), { trigger: 'schedule', tick: next })).toMatchObject({
      status: 'ran',
    });
    expect(await runJob(lateA, schedule(a, 'nightly'), { trigger: 'schedule', tick: next })).toMatchObject({
      status: 'skipped',
      reason: 'tick_taken',
    });
    expect(runs).toEqual([T0, new Date(next.getTime() + 5)]);
    expect(await a.db.all('SELECT * FROM job_leases')).toEqual([]);
  });

  it('when both find a crashed holder’s expired lease → one takes it over, the crashed run is failed once', async () => {
    const [a, b] = await twoProcesses();
    const before = new Date(T0.getTime() - 2 * LEASE_MS);
    await a.db.run(
      `INSERT INTO job_runs (id, job, trigger, status, holder, started_at)
       VALUES ('jrun_crashed', 'nightly', 'schedule', 'running', 'gone:1', $at)`,
      { at: before },
    );
    await a.db.run(`INSERT INTO job_leases VALUES ('nightly', 'gone:1', 'jrun_crashed', $at, $expires)`, {
      at: before,
      expires: new Date(before.getTime() + LEASE_MS),
    });
    const outcomes = await Promise.all([
      runJob(a, schedule(a, 'nightly'), { trigger: 'schedule' }),
      runJob(b, schedule(b, 'nightly'), { trigger: 'schedule' }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['ran', 'skipped']);
    expect(runs).toHaveLength(1);
    expect(await a.db.all('SELECT id, status, error FROM job_runs ORDER BY started_at, id')).toEqual([
      { id: 'jrun_crashed', status: 'failed', error: 'lease of gone:1 expired' },
      expect.objectContaining({ status: 'succeeded', error: null }),
    ]);
  });
});
