import { afterEach, describe, expect, it } from 'vitest';
import { JOBS } from '../../pipelines/jobs.js';
import { cronProblem, nextTick, resolveSchedules, startScheduler } from '../../pipelines/schedule.js';
import type { RunJobDeps } from '../../pipelines/types.js';
import { fixedClock } from '../../platform/clock.js';
import { ConfigError } from '../../platform/config.js';
import { countingJob, jobDeps } from './support.js';

const IST = 'Asia/Kolkata';
let deps: RunJobDeps | null = null;

afterEach(async () => {
  await deps?.db.close();
  deps = null;
});

/**
 * Hourly, but only in a month that is not the real current one: the scheduler's timers run on real time,
 * and must not fire during the test; catch-up runs on the injected clock.
 */
const month = ((new Date().getUTCMonth() + 6) % 12) + 1;
const hourly = `0 * * ${month} *`;
const inMonth = (day: number, hhmm: string) =>
  new Date(`2030-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${hhmm}:00+05:30`);

describe('nextTick', () => {
  it('when the schedule is read in Asia/Kolkata → ticks land on IST wall-clock times', () => {
    expect(nextTick('0 * * * *', IST, new Date('2026-01-01T10:29:00Z'))).toEqual(new Date('2026-01-01T10:30:00Z'));
    expect(nextTick('0 * * * *', IST, new Date('2026-01-01T10:30:00Z'))).toEqual(new Date('2026-01-01T11:30:00Z'));
    expect(nextTick('30 2 * * *', IST, new Date('2026-01-01T00:00:00Z'))).toEqual(new Date('2026-01-01T21:00:00Z'));
    expect(nextTick('0 0 1 * *', IST, new Date('2026-01-31T18:30:00Z'))).toEqual(new Date('2026-02-28T18:30:00Z'));
    expect(nextTick('0 */6 * * *', IST, new Date('2026-01-01T00:31:00Z'))).toEqual(new Date('2026-01-01T06:30:00Z'));
    expect(nextTick('*/5 * * * *', IST, new Date('2026-01-01T00:01:00Z'))).toEqual(new Date('2026-01-01T00:05:00Z'));
  });

  it('when an expression is malformed or impossible → config gets the reason', () => {
    expect(cronProblem('0 0 31 2 *')).toMatch(/impossible/);
    expect(cronProblem('* * *')).toMatch(/5 or 6 fields/);
    expect(cronProblem('61 * * * *')).toMatch(/minute/);
    expect(cronProblem('15 3 * * 1')).toBeNull();
  });
});

describe('resolveSchedules', () => {
  it('when a schedule is overridden or turned off → the override applies, the rest keep their defaults', () => {
    const s = resolveSchedules(JOBS, { 'purge-expired-keys': '15 3 * * *', 'webhook-retry': 'off' });
    const byName = new Map(s.map((x) => [x.name, [x.cron, x.timezone, x.enabled]]));
    expect(byName.get('webhook-retry')).toEqual(['* * * * *', IST, false]);
    expect(byName.get('purge-expired-keys')).toEqual(['15 3 * * *', IST, true]);
    const untouched = s.filter((x) => x.name !== 'webhook-retry' && x.name !== 'purge-expired-keys');
    expect(untouched.map((x) => [x.name, x.cron, x.enabled])).toEqual(
      JOBS.filter((j) => j.name !== 'webhook-retry' && j.name !== 'purge-expired-keys').map((j) => [
        j.name,
        j.cron,
        true,
      ]),
    );
  });

  it('when overrides name an unknown job or a bad expression → one ConfigError lists both', () => {
    expect(() => resolveSchedules(JOBS, { 'no-such-job': '* * * * *', 'webhook-retry': 'every minute' })).toThrow(
      ConfigError,
    );
  });
});

describe('scheduler catch-up', () => {
  it('when several ticks were missed during downtime → exactly one catch-up run on start; a restart adds none', async () => {
    const clock = fixedClock(inMonth(10, '09:10'));
    const counting = countingJob('hourly-report', hourly);
    deps = await jobDeps(clock, [counting.job]);

    // First start ever: the job starts from now, without a run.
    let scheduler = startScheduler(deps);
    await scheduler.stop();
    expect(counting.nows).toHaveLength(0);
    expect(await deps.db.one('SELECT last_tick_at FROM job_schedules')).toEqual({ last_tick_at: clock.now() });

    // Down from 09:10 to 14:45 IST: the 10:00 … 14:00 ticks (five) were missed.
    clock.set(inMonth(10, '14:45'));
    scheduler = startScheduler(deps);
    await scheduler.idle();
    await scheduler.stop();
    expect(counting.nows).toEqual([inMonth(10, '14:45')]);
    expect(await deps.db.all('SELECT job, trigger, status FROM job_runs')).toEqual([
      { job: 'hourly-report', trigger: 'catch_up', status: 'succeeded' },
    ]);

    // A restart within the same hour: nothing was missed.
    clock.set(inMonth(10, '14:59'));
    scheduler = startScheduler(deps);
    await scheduler.stop();
    expect(counting.nows).toHaveLength(1);

    // The next tick passes while down again: one more catch-up.
    clock.set(inMonth(10, '15:00'));
    scheduler = startScheduler(deps);
    await scheduler.stop();
    expect(counting.nows).toHaveLength(2);
  });

  it('when a schedule is off → no catch-up run', async () => {
    const clock = fixedClock(inMonth(10, '09:10'));
    const counting = countingJob('hourly-report', hourly);
    deps = await jobDeps(clock, [counting.job], { overrides: { 'hourly-report': 'off' } });
    await deps.db.run("INSERT INTO job_schedules VALUES ('hourly-report', $at)", { at: inMonth(1, '00:00') });
    clock.set(inMonth(12, '09:10'));
    const scheduler = startScheduler(deps);
    await scheduler.stop();
    expect(counting.nows).toHaveLength(0);
  });
});
