import { afterEach, describe, expect, it } from 'vitest';
import { startScheduler } from '../../pipelines/schedule.js';
import type { RunJobDeps } from '../../pipelines/types.js';
import { systemClock } from '../../platform/clock.js';
import { gatedJob, jobDeps } from './support.js';

let deps: RunJobDeps | null = null;
afterEach(async () => {
  await deps?.db.close();
  deps = null;
});

const settledWithin = async (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('scheduler stop (graceful shutdown of jobs)', () => {
  it('when a scheduled run is in progress → stop schedules nothing more and resolves once the run has finished', async () => {
    const gated = gatedJob('slow-report', '* * * * * *'); // every second, on real time
    deps = await jobDeps(systemClock, [gated.job]);
    const scheduler = startScheduler(deps);
    await gated.running;
    const stopping = scheduler.stop();
    expect(await settledWithin(stopping, 300)).toBe(false);
    gated.open();
    expect(await stopping).toBe(true);
    expect(await deps.db.all('SELECT job, trigger, status FROM job_runs')).toEqual([
      { job: 'slow-report', trigger: 'schedule', status: 'succeeded' },
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(gated.calls()).toBe(1);
  });

  it('when the run outlasts the timeout → stop answers false after the timeout; the run goes on', async () => {
    const gated = gatedJob('stuck-report', '* * * * * *');
    deps = await jobDeps(systemClock, [gated.job]);
    const scheduler = startScheduler(deps);
    await gated.running;
    const started = Date.now();
    expect(await scheduler.stop({ timeoutMs: 200 })).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
    gated.open();
    await scheduler.idle();
    expect(await deps.db.all('SELECT status FROM job_runs')).toEqual([{ status: 'succeeded' }]);
  });
});
