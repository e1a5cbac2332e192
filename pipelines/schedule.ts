// The only file that imports node-cron: timers, cron validation and tick arithmetic all use its matcher,
// so the ticks kosh computes (catch-up, next run) are the ticks node-cron fires.
import { createTask, type Logger, parse, type ScheduledTask, validateDetailed } from 'node-cron';
import { ConfigError, type ScheduleRules } from '../platform/config.js';
import type { Log } from '../platform/log.js';
import { JOB_SCHEDULES } from './job-schedules.js';
import { LAST_TICK, RECORD_TICK } from './repository.js';
import { runJob } from './run-job.js';
import { type Job, type RunJobDeps, type Schedule, TIMEZONE } from './types.js';

/** Why a cron expression cannot be used, or null when it can. */
export function cronProblem(expression: string): string | null {
  const result = validateDetailed(expression);
  if (!result.valid) return result.errors.map((e) => e.message).join('; ');
  if (nextTick(expression, TIMEZONE, new Date()) === null) return 'it never matches';
  return null;
}

/** Lets loadConfig check `KOSH_SCHEDULE_<NAME>` with every other variable (platform/ cannot import pipelines/). */
export const SCHEDULE_RULES: ScheduleRules = { jobs: JOB_SCHEDULES.map((j) => j.name), cronProblem };

/** The registry with this configuration's overrides: `off` disables a schedule, a cron expression replaces it. */
export function resolveSchedules(jobs: readonly Job[], overrides: Readonly<Record<string, string>>): Schedule[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(overrides)) {
    if (!jobs.some((j) => j.name === name)) problems.push(`schedule override for unknown job ${name}`);
    const problem = value === 'off' ? null : cronProblem(value);
    if (problem !== null) problems.push(`schedule of ${name}: "${value}" is not a cron expression: ${problem}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return jobs.map((job) => {
    const override = overrides[job.name];
    return {
      ...job,
      cron: override === undefined || override === 'off' ? job.cron : override,
      timezone: TIMEZONE,
      enabled: override !== 'off',
    };
  });
}

const MAX_DAYS = 366 * 30;
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const dayFormats = new Map<string, Intl.DateTimeFormat>();

function cached(map: Map<string, Intl.DateTimeFormat>, timezone: string, options: Intl.DateTimeFormatOptions) {
  let f = map.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, ...options });
    map.set(timezone, f);
  }
  return f;
}

/** Milliseconds the zone is ahead of UTC at an instant. */
function offsetMs(at: number, timezone: string): number {
  const name = cached(offsetFormats, timezone, { timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
  if (m === null) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}

function localDate(at: Date, timezone: string): { year: number; month: number; day: number } {
  const parts = cached(dayFormats, timezone, { year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part('year'), month: part('month'), day: part('day') };
}

function instantOf(wall: number, timezone: string): number {
  return wall - offsetMs(wall - offsetMs(wall, timezone), timezone);
}

/**
 * The first tick of `cron` in `timezone` strictly after `after`, or null if there is none within 30 years.
 * Walks local days; the first candidate time of a day matches exactly when the day itself matches.
 */
export function nextTick(cron: string, timezone: string, after: Date): Date | null {
  const fields = parse(cron);
  const asc = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const [hours, minutes, seconds] = [asc(fields.hour), asc(fields.minute), asc(fields.second)];
  const matcher = createTask(cron, () => undefined, { timezone });
  try {
    const start = localDate(after, timezone);
    for (let i = 0; i < MAX_DAYS; i++) {
      const day = Date.UTC(start.year, start.month - 1, start.day + i);
      const first = instantOf(
        day + ((hours[0] ?? 0) * 3600 + (minutes[0] ?? 0) * 60 + (seconds[0] ?? 0)) * 1000,
        timezone,
      );
      if (!matcher.match(new Date(first))) continue;
      for (const h of hours)
        for (const m of minutes)
          for (const s of seconds) {
            const at = instantOf(day + (h * 3600 + m * 60 + s) * 1000, timezone);
            if (at > after.getTime() && matcher.match(new Date(at))) return new Date(at);
          }
    }
    return null;
  } finally {
    void matcher.destroy();
  }
}

export interface Scheduler {
  /** Resolves when no scheduled or catch-up run of this scheduler is in progress. */
  idle(): Promise<void>;
  /**
   * Stops the timers (no run starts after this) and waits for the runs in progress, at most `timeoutMs` when
   * given: true when they all finished, false when the wait timed out (they go on; their leases expire).
   */
  stop(options?: { timeoutMs?: number }): Promise<boolean>;
}

function cronLogger(log: Log): Logger {
  return {
    info: (message) => log.info({ scheduler: 'node-cron' }, message),
    warn: (message) => log.warn({ scheduler: 'node-cron' }, message),
    error: (message, err) => log.error({ scheduler: 'node-cron', err: err ?? message }, String(message)),
    debug: (message) => log.debug({ scheduler: 'node-cron' }, String(message)),
  };
}

/** A tick counts as handled once its run has finished, or was skipped because another run held the job. */
async function runTick(
  deps: RunJobDeps,
  schedule: Schedule,
  tick: Date,
  trigger: 'schedule' | 'catch_up',
  claim: Date = tick,
) {
  try {
    await runJob(deps, schedule, { trigger, tick: claim });
    await deps.db.run(RECORD_TICK, { job: schedule.name, tick });
  } catch (err) {
    deps.log.error({ err, job: schedule.name }, 'scheduled job run could not be recorded');
  }
}

/**
 * After downtime a job whose schedule ticked at least once since the last tick handled runs once, however
 * many ticks were missed. A job the scheduler has never seen starts from now, without a run.
 */
async function catchUp(deps: RunJobDeps, schedules: readonly Schedule[], stopped: () => boolean): Promise<void> {
  for (const schedule of schedules) {
    if (stopped()) return;
    const now = deps.clock.now();
    const last = await deps.db.one<{ last_tick_at: Date }>(LAST_TICK, { job: schedule.name });
    if (last === undefined) {
      await deps.db.run(RECORD_TICK, { job: schedule.name, tick: now });
      continue;
    }
    const missed = nextTick(schedule.cron, schedule.timezone, last.last_tick_at);
    if (missed === null || missed > now) continue;
    deps.log.info(
      { job: schedule.name, missed_tick: missed, last_tick: last.last_tick_at },
      'catching up a missed run',
    );
    // Claimed as the missed tick: a process that ran since (another one starting at the same time) took it.
    await runTick(deps, schedule, now, 'catch_up', missed);
  }
}

/**
 * Starts one node-cron timer per enabled schedule (unref'd: they never keep the process alive) and runs the
 * catch-up in the background; `stop` ends both.
 */
export function startScheduler(deps: RunJobDeps): Scheduler {
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const track = (work: Promise<void>): Promise<void> => {
    inFlight.add(work);
    void work.then(() => inFlight.delete(work));
    return work;
  };
  const enabled = deps.runtime.schedules.filter((s) => s.enabled);
  const logger = cronLogger(deps.log);
  const tasks: ScheduledTask[] = enabled.map((schedule) =>
    createTask(
      schedule.cron,
      (context) => (stopped ? undefined : track(runTick(deps, schedule, context.date, 'schedule'))),
      {
        timezone: schedule.timezone,
        name: `kosh:${schedule.name}`,
        logger,
        unref: true,
        // A tick up to a minute late (a busy event loop, a suspended host) still runs, once.
        missedExecutionTolerance: 60_000,
      },
    ),
  );
  for (const task of tasks) void task.start();
  track(catchUp(deps, enabled, () => stopped).catch((err: unknown) => deps.log.error({ err }, 'job catch-up failed')));
  const idle = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };
  return {
    idle,
    stop: async (options = {}) => {
      stopped = true;
      for (const task of tasks) await task.destroy();
      if (options.timeoutMs === undefined) {
        await idle();
        return true;
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), options.timeoutMs);
      });
      try {
        return await Promise.race([idle().then(() => true), timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
