import { inParallel } from '../../platform/in-parallel.js';
import { DAY_MS, istDate } from '../../platform/ist.js';
import type { JobContext, JobSummary } from '../../platform/job.js';
import { cancelSettledLinks } from '../billing/cancel-settled-links.js';
import { offerPaymentLink } from '../billing/offer-payment-link.js';
import { enqueueEmail, isEmailAddress } from '../mailer/enqueue-email.js';
import { PRE_DEBIT_NOTICE_MS, recordPreDebitNotice } from '../retries/india-rules.js';
import {
  CANCEL_CASE,
  CASES_NEEDING_LINK,
  CASES_OUT_OF_STEPS,
  DUE_STEPS,
  MANDATE_STEPS_AHEAD,
  MARK_PLANNED,
  PLAN_STEPS,
  RECOVER_CASE,
  RELEASE_STEP,
  SET_STEP_EMAILS,
  SETTLED_ELSEWHERE,
  SKIP_OPEN_STEPS,
  UNPLANNED_CASES,
} from './repository.js';
import { runDunningStep, type StepResult } from './run-dunning-step.js';
import { rupees, sendDunningEmail, sendDunningEmails } from './send-dunning-email.js';
import { emailContext, loadStepContext, type StepContext } from './step-context.js';
import { takeFinalAction } from './take-final-action.js';
import {
  type ChargeDeps,
  DEFAULT_DUNNING_POLICY,
  type DunningPolicy,
  MIN_STEP_GAP_MS,
  STALE_CLAIM_MS,
} from './types.js';

export type DunningJobDeps = ChargeDeps & { readonly dunning?: DunningPolicy | undefined };

/** Steps run per job run at most; the rest wait for the next run (every 6 hours). */
const BATCH = 2000;
/** Steps in flight at once: their gateway calls overlap (a real charge takes about a second); writes still queue. */
const STEP_CONCURRENCY = 8;
/** The job runs every 6 hours: a mandate step is announced when it falls within a notice period plus one run. */
const NOTICE_HORIZON_MS = PRE_DEBIT_NOTICE_MS + 7 * 3_600_000;

/** New cases get their schedule and their first email with the update link: a few statements for all of them. */
async function planNewCases(deps: DunningJobDeps, policy: DunningPolicy, test_clock: string | null): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const cases = await tx.all<StepContext>(UNPLANNED_CASES, { test_clock });
    if (cases.length === 0) return 0;
    await tx.run(PLAN_STEPS, { days: [...policy.scheduleDays], test_clock });
    await tx.run(MARK_PLANNED, { at: deps.clock.now(), test_clock });
    const firstDay = policy.scheduleDays[0] ?? 1;
    const emails = cases.map((ctx) => {
      const waiting = ctx.method_id === null || ctx.method_id === ctx.declined_method_id;
      const next = waiting ? null : new Date(ctx.failed_at.getTime() + firstDay * DAY_MS);
      return {
        reason: waiting ? ('awaiting_method' as const) : ('payment_failed' as const),
        // A schedule of one step: the first email is already the last notice before the final action.
        context: emailContext(
          ctx,
          0,
          next,
          ctx.last_decline_code,
          policy.scheduleDays.length === 1 ? policy.finalAction : null,
        ),
      };
    });
    const ids = await sendDunningEmails(tx, emails, { clock: deps.clock, publicUrl: policy.publicUrl });
    const sent = cases.flatMap((c, i) =>
      ids[i] === null || ids[i] === undefined ? [] : [{ id: c.id, email: ids[i] }],
    );
    if (sent.length > 0) {
      await tx.run(SET_STEP_EMAILS, {
        case_ids: sent.map((s) => s.id),
        steps: sent.map(() => 0),
        email_ids: sent.map((s) => s.email),
      });
    }
    return cases.length;
  });
}

/**
 * Renewals the parent must pay themselves (above ₹15,000 kosh may not debit off-session; a hard decline will not be
 * retried on that method) get an on-session payment link before their emails go out, so every email and the
 * update-method page carry it. A gateway failure leaves the case without a link until the next run.
 */
async function offerLinks(deps: DunningJobDeps, test_clock: string | null): Promise<number> {
  const records = await deps.db.all<{ billing_record_id: string }>(CASES_NEEDING_LINK, { test_clock });
  let offered = 0;
  for (const { billing_record_id } of records) {
    try {
      if ((await offerPaymentLink(deps, billing_record_id)) !== null) offered++;
    } catch (err) {
      deps.log.warn({ err, billing_record: billing_record_id }, 'dunning: making a payment link failed');
    }
  }
  return offered;
}

/** Cases whose renewal got paid another way (a resolver, a late webhook) recover; ended subscriptions close them. */
async function closeSettledElsewhere(
  deps: DunningJobDeps,
  test_clock: string | null,
): Promise<{ recovered: number; cancelled: number }> {
  const rows = await deps.db.all<{ id: string; record_status: string | null; payment_id: string | null }>(
    SETTLED_ELSEWHERE,
    { test_clock },
  );
  let recovered = 0;
  let cancelled = 0;
  for (const row of rows) {
    await deps.db.transaction(async (tx) => {
      const at = deps.clock.now();
      const ctx = await loadStepContext(tx, row.id);
      if (ctx === undefined || ctx.status !== 'open') return;
      if (row.record_status === 'paid') {
        const changed = await tx.run(RECOVER_CASE, {
          id: row.id,
          amount: ctx.amount,
          at,
          step: null,
          payment_id: row.payment_id,
          reason: 'renewal paid outside the dunning steps',
        });
        if (changed === 0) return;
        await tx.run(SKIP_OPEN_STEPS, { case_id: row.id, at });
        await sendDunningEmail(tx, 'recovered', emailContext(ctx, 'closed', null, null), {
          clock: deps.clock,
          publicUrl: null,
        });
        recovered++;
        return;
      }
      if ((await tx.run(CANCEL_CASE, { id: row.id, at, reason: `subscription ${ctx.subscription_status}` })) === 0)
        return;
      await tx.run(SKIP_OPEN_STEPS, { case_id: row.id, at });
      cancelled++;
    });
  }
  return { recovered, cancelled };
}

/**
 * RBI / NPCI: a debit on a mandate needs a pre-debit notification at least 24 h before. Steps on a mandate
 * coming up within the horizon get their notice now (a `pre_debit` email), and a step closer than 24 h is moved
 * to 24 h from now.
 */
async function announceMandateSteps(deps: DunningJobDeps, test_clock: string | null): Promise<number> {
  const now = deps.clock.now();
  const steps = await deps.db.all<{
    case_id: string;
    step: number;
    planned_at: Date;
    customer_id: string;
    method_id: string;
    mandate_type: 'upi_autopay' | 'emandate';
    amount: number;
    currency: string;
  }>(MANDATE_STEPS_AHEAD, { horizon: new Date(now.getTime() + NOTICE_HORIZON_MS), test_clock });
  let noticed = 0;
  for (const s of steps) {
    await deps.db.transaction(async (tx) => {
      const earliest = new Date(now.getTime() + PRE_DEBIT_NOTICE_MS);
      const debitOn = s.planned_at < earliest ? earliest : s.planned_at;
      const recorded = await recordPreDebitNotice(
        tx,
        {
          customer_id: s.customer_id,
          payment_method_id: s.method_id,
          mandate_type: s.mandate_type,
          source_type: 'dunning_step',
          source_id: `${s.case_id}:${s.step}`,
          amount: s.amount,
          currency: s.currency,
        },
        debitOn,
        now,
      );
      if (!recorded) return;
      noticed++;
      if (debitOn > s.planned_at) await tx.run(RELEASE_STEP, { case_id: s.case_id, step: s.step, planned_at: debitOn });
      const ctx = await loadStepContext(tx, s.case_id);
      if (ctx === undefined) return;
      if (!isEmailAddress(ctx.email)) return;
      await enqueueEmail(
        tx,
        {
          kind: 'pre_debit',
          dedupeKey: `pre_debit:dunning:${s.case_id}:${s.step}`,
          to: ctx.email,
          subject: 'Upcoming debit for your meal plan',
          text: `Dear ${ctx.name},\n\nWe will debit ${rupees(s.amount, s.currency)} from your ${s.mandate_type === 'upi_autopay' ? 'UPI AutoPay' : 'e-mandate'} mandate on or after ${istDate(debitOn)} for ${ctx.plan_name ?? 'your meal plan'} (a retry of a failed renewal).\n`,
          customerId: ctx.customer_id,
          refType: 'dunning_case',
          refId: s.case_id,
        },
        deps.clock,
      );
    });
  }
  return noticed;
}

/**
 * The `dunning` job (every 6 hours): plans new cases, closes cases settled elsewhere, announces mandate debits,
 * runs each open case's earliest due step (at most one attempt per case per run), and takes the final action on
 * cases that ran out of steps. Every part is idempotent: a second run at the same instant finds nothing to do.
 */
export async function runDunning(deps: DunningJobDeps, ctx: JobContext): Promise<JobSummary> {
  const policy = deps.dunning ?? DEFAULT_DUNNING_POLICY;
  const test_clock = ctx.testClock ?? null;
  const linksCancelled = await cancelSettledLinks(deps, test_clock);
  const links = await offerLinks(deps, test_clock);
  const planned = await planNewCases(deps, policy, test_clock);
  const settled = await closeSettledElsewhere(deps, test_clock);
  const noticed = await announceMandateSteps(deps, test_clock);
  const now = deps.clock.now();
  const due = await deps.db.all<{ case_id: string; step: number }>(DUE_STEPS, {
    now,
    stale_before: new Date(now.getTime() - STALE_CLAIM_MS),
    gap_since: new Date(now.getTime() - MIN_STEP_GAP_MS),
    limit: BATCH,
    test_clock,
  });
  const results: Record<StepResult, number> = {
    paid: 0,
    failed: 0,
    unknown: 0,
    awaiting_method: 0,
    deferred: 0,
    taken: 0,
    error: 0,
  };
  for (const r of await inParallel(due, STEP_CONCURRENCY, (step) => runDunningStep(deps, step, policy))) results[r]++;
  let finalActions = 0;
  for (const { id } of await deps.db.all<{ id: string }>(CASES_OUT_OF_STEPS, { test_clock })) {
    if (await takeFinalAction(deps, id, policy)) finalActions++;
  }
  return {
    planned,
    payment_links: links,
    payment_links_cancelled: linksCancelled,
    recovered_elsewhere: settled.recovered,
    cancelled: settled.cancelled,
    pre_debit_notices: noticed,
    steps_due: due.length,
    paid: results.paid,
    failed: results.failed,
    unknown: results.unknown,
    awaiting_method: results.awaiting_method,
    deferred: results.deferred,
    errors: results.error,
    final_actions: finalActions,
  };
}
