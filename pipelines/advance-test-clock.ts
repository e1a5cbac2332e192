import { DEFAULT_FINALIZE_DELAY_MINUTES } from '../payments-core/invoices/finalize-due-invoices.js';
import {
  abandonAdvance,
  claimAdvance,
  finishAdvance,
  nextDueAt,
  recordStep,
  workLeftNow,
} from '../payments-core/test-clocks/advance-clock.js';
import { getTestClock } from '../payments-core/test-clocks/find-test-clocks.js';
import type { TestClock } from '../payments-core/test-clocks/types.js';
import { fixedClock } from '../platform/clock.js';
import { JOBS } from './jobs.js';
import type { Job, JobDeps } from './types.js';

/**
 * The jobs that work on a customer's objects, in the order one step of an advance runs them: bill (and advance
 * periods), retry, charge installments, dun, finalise and publish invoices, deliver emails. The others keep to the
 * wall clock: model training, reports, the lake, settlements, webhook retries and the resolver are no customer's;
 * monthly statements (of one-off orders, which a clock does not date) are not scoped to clocks yet.
 */
export const CLOCK_JOBS = [
  'billing-run',
  'drain-retries',
  'charge-due-installments',
  'dunning',
  'finalize-invoices',
  'mailer',
] as const;

/** A runaway guard: a year of daily events is ~400 steps. */
const MAX_STEPS = 5000;
/** Rounds of the jobs at one instant at most (work left that no round can do, e.g. a draft awaiting finalisation). */
const MAX_ROUNDS = 3;

function clockJobs(deps: JobDeps): Job[] {
  return CLOCK_JOBS.flatMap((name) => {
    // Without a mailer (or an object store for its attachments) the clock's emails wait in the outbox, queued.
    if (name === 'mailer' && (deps.mailer === undefined || deps.objects === undefined)) return [];
    return JOBS.filter((j) => j.name === name);
  });
}

/**
 * Runs a claimed advance from `from` to `to`: every job of CLOCK_JOBS for the clock's customers alone, first at
 * `from` (what is already due), then at each instant something of theirs falls due (a period ends, a retry or
 * dunning step is planned, a draft is to be finalised), in order, and last at `to`; so a year advanced in one call
 * bills twelve monthly periods, each at its own time, and every object takes its timestamps from the step's time.
 * A failing step leaves the clock ready at the last step it reached, and the error is thrown.
 */
async function runAdvance(deps: JobDeps, id: string, from: Date, to: Date): Promise<void> {
  const jobs = clockJobs(deps);
  const delayMs = (deps.invoicing?.finalizeDelayMinutes ?? DEFAULT_FINALIZE_DELAY_MINUTES) * 60_000;
  try {
    let step = from;
    for (let n = 0; ; n++) {
      if (n >= MAX_STEPS) throw new Error(`test clock ${id}: more than ${MAX_STEPS} steps to ${to.toISOString()}`);
      await recordStep(deps, id, to, step);
      const stepDeps = { ...deps, clock: fixedClock(step) };
      // A round runs every job once; a job late in the round may leave work for an earlier one at the same instant
      // (dunning's final action cancels, and billing credits the unused days): then the round runs again.
      for (let round = 0; round < MAX_ROUNDS; round++) {
        for (const job of jobs) await job.run(stepDeps, { now: step, testClock: id });
        if (!(await workLeftNow(deps, id))) break;
      }
      if (step.getTime() >= to.getTime()) break;
      const next = await nextDueAt(deps, id, step, delayMs);
      step = next === null || next > to ? to : next;
    }
    await finishAdvance(deps, id, to);
  } catch (err) {
    await abandonAdvance(deps, id, to);
    throw err;
  }
}

/**
 * Advances a test clock to `to`, as Stripe does: the clock is claimed at once (one advance per clock at a time;
 * 422 when `to` is not later, 409 while another advance runs) and the steps run in the background; the answer is
 * the clock, `advancing` until they finish. With `waitMs` (HTTP `Prefer: wait=<seconds>`, RFC 7240) the answer
 * waits up to that long for them, so a short advance answers `ready`. A year of ten monthly subscriptions takes
 * about 30 s, most of it rendering 120 invoice PDFs: too long to hold every request. A failed advance is logged and
 * leaves the clock ready at the last step it reached.
 */
export async function advanceTestClock(
  deps: JobDeps,
  id: string,
  to: Date,
  options: { waitMs?: number } = {},
): Promise<TestClock> {
  const from = await claimAdvance(deps, id, to);
  const run = runAdvance(deps, id, from, to).catch((err: unknown) =>
    deps.log.error({ err, test_clock: id }, 'test clock advance failed'),
  );
  const waitMs = options.waitMs ?? 0;
  if (waitMs > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([run, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }
  return getTestClock(deps, id);
}
