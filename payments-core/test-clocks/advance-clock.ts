import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { conflict, invalid } from '../../platform/errors.js';
import { getTestClock } from './find-test-clocks.js';
import { ABANDON_ADVANCE, CLAIM_ADVANCE, FINISH_ADVANCE, NEXT_DUE_AT, STEP_DONE, WORK_LEFT_NOW } from './repository.js';

/** An advance that made no progress for this long is taken to have died with its process; a new one may claim it. */
export const STALE_ADVANCE_MS = 10 * 60_000;

type Deps = { db: Sql; clock: Clock };

/**
 * Claims the clock for an advance to `to` and returns the time it starts from. Refuses a time not later than the
 * clock's (422 naming `frozen_time`) and a clock already advancing (409): two advances never run at once.
 */
export async function claimAdvance(deps: Deps, id: string, to: Date): Promise<Date> {
  const at = deps.clock.now();
  const claimed = await deps.db.one<{ frozen_time: Date }>(CLAIM_ADVANCE, {
    id,
    to,
    at,
    stale_before: new Date(at.getTime() - STALE_ADVANCE_MS),
  });
  if (claimed !== undefined) return claimed.frozen_time;
  const clock = await getTestClock(deps, id);
  if (clock.status === 'advancing') throw conflict('test_clock_advancing', `test clock ${id} is already advancing`);
  throw invalid(
    'frozen_time_not_later',
    `frozen_time must be later than the clock's ${clock.frozen_time.toISOString()}`,
    [
      {
        field: '/frozen_time',
        code: 'frozen_time_not_later',
        message: `must be later than ${clock.frozen_time.toISOString()}`,
      },
    ],
  );
}

/** The next instant after `after` when something of the clock's customers falls due, or null. */
export async function nextDueAt(deps: Deps, id: string, after: Date, finalizeDelayMs: number): Promise<Date | null> {
  const row = await deps.db.one<{ at: Date | null }>(NEXT_DUE_AT, { id, after, finalize_delay_ms: finalizeDelayMs });
  return row?.at ?? null;
}

/** Whether the clock's customers have work due at once that a job later in a round made (see WORK_LEFT_NOW). */
export async function workLeftNow(deps: Deps, id: string): Promise<boolean> {
  return (await deps.db.one<{ left: boolean }>(WORK_LEFT_NOW, { id }))?.left === true;
}

/**
 * Moves the claimed advance to `to` on to `step`, before its jobs run, so whatever is made for the clock's customers
 * meanwhile (an API call, a job's use case reading the customer's clock) takes that time. A step is run again from
 * its start when an advance resumes; the jobs are idempotent by business key.
 */
export async function recordStep(deps: Deps, id: string, to: Date, step: Date): Promise<void> {
  await deps.db.run(STEP_DONE, { id, to, step, at: deps.clock.now() });
}

/** Ends the claimed advance: the clock is ready at `to`. */
export async function finishAdvance(deps: Deps, id: string, to: Date): Promise<void> {
  await deps.db.run(FINISH_ADVANCE, { id, to, at: deps.clock.now() });
}

/** Ends a claimed advance that failed: the clock is ready at the last step it completed. */
export async function abandonAdvance(deps: Deps, id: string, to: Date): Promise<void> {
  await deps.db.run(ABANDON_ADVANCE, { id, to, at: deps.clock.now() });
}
