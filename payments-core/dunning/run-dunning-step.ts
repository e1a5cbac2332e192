import type { Sql } from '../../platform/db.js';
import { type BillingChargeOutcome, chargeBillingRecord } from '../billing/charge-billing-record.js';
import { chargeChangeInvoice } from '../billing/charge-change-invoice.js';
import { checkAutoDebit } from '../retries/india-rules.js';
import {
  CLAIM_STEP,
  DECLINED,
  FINISH_STEP,
  LOCK_CASE,
  NEXT_OPEN_STEP_AT,
  RECOVER_CASE,
  RELEASE_STEP,
  SET_STEP_EMAIL,
  SKIP_OPEN_STEPS,
} from './repository.js';
import { sendDunningEmail } from './send-dunning-email.js';
import { emailContext, loadStepContext, type StepContext } from './step-context.js';
import { type ChargeDeps, type DunningPolicy, STALE_CLAIM_MS } from './types.js';

export type StepResult = 'paid' | 'failed' | 'unknown' | 'awaiting_method' | 'deferred' | 'taken' | 'error';

/** A renewal in these states is being settled by billing or the resolver: charging again could charge twice. */
const UNSETTLED = ['pending', 'charging', 'unknown'];

type Decision =
  | { kind: 'done'; result: StepResult }
  | { kind: 'charge'; ctx: StepContext; debt: { recordId: string } | { invoiceId: string }; methodId: string };

async function finishWithEmail(
  tx: Sql,
  deps: ChargeDeps,
  policy: DunningPolicy,
  ctx: StepContext,
  step: number,
  outcome: { outcome: string; methodId: string | null; paymentId: string | null; declineCode: string | null },
  reason: 'retry_failed' | 'awaiting_method',
): Promise<boolean> {
  const at = deps.clock.now();
  const finished = await tx.run(FINISH_STEP, {
    case_id: ctx.id,
    step,
    at,
    outcome: outcome.outcome,
    payment_method_id: outcome.methodId,
    payment_id: outcome.paymentId,
    decline_code: outcome.declineCode,
  });
  if (finished === 0) return false;
  const open = await tx.one<{ at: Date | null; open_steps: number }>(NEXT_OPEN_STEP_AT, { case_id: ctx.id });
  const next = reason === 'awaiting_method' ? null : (open?.at ?? null);
  // One step left: this email is the last notice before the policy's final action.
  const finalNotice = open?.open_steps === 1 ? policy.finalAction : null;
  const emailId = await sendDunningEmail(
    tx,
    reason,
    emailContext(ctx, step, next, outcome.declineCode ?? ctx.last_decline_code, finalNotice),
    { clock: deps.clock, publicUrl: policy.publicUrl },
  );
  if (emailId !== null) await tx.run(SET_STEP_EMAIL, { case_id: ctx.id, step, email_id: emailId });
  return true;
}

/**
 * Runs one due step of a kosh-collected case: claim it (a second run at the same instant finds it claimed),
 * then decide. A renewal still being settled waits. A method that declined hard is never charged again: the
 * step only reminds the parent (with a link) until another method is set. A mandate debit waits for its
 * pre-debit notice to be 24 h old. Otherwise the renewal is charged with `attempt` = the step number, and the
 * outcome recorded: paid → the case is recovered; failed → the next step stands (hard: waits for a method).
 */
export async function runDunningStep(
  deps: ChargeDeps,
  due: { case_id: string; step: number },
  policy: DunningPolicy,
): Promise<StepResult> {
  const now = deps.clock.now();
  const staleBefore = new Date(now.getTime() - STALE_CLAIM_MS);
  const decision = await deps.db.transaction(async (tx): Promise<Decision> => {
    await tx.run(LOCK_CASE, { case_id: due.case_id });
    const claimed = await tx.run(CLAIM_STEP, { case_id: due.case_id, step: due.step, now, stale_before: staleBefore });
    if (claimed === 0) return { kind: 'done', result: 'taken' };
    const ctx = await loadStepContext(tx, due.case_id);
    if (ctx === undefined || ctx.status !== 'open' || (ctx.billing_record_id === null && ctx.invoice_id === null)) {
      return { kind: 'done', result: 'taken' };
    }
    const release = async (plannedAt: Date): Promise<Decision> => {
      await tx.run(RELEASE_STEP, { case_id: due.case_id, step: due.step, planned_at: plannedAt });
      return { kind: 'done', result: 'deferred' };
    };
    if (ctx.record_status !== null && UNSETTLED.includes(ctx.record_status)) return release(now);
    if (ctx.method_id === null || ctx.method_id === ctx.declined_method_id) {
      await finishWithEmail(
        tx,
        deps,
        policy,
        ctx,
        due.step,
        { outcome: 'awaiting_method', methodId: ctx.method_id, paymentId: null, declineCode: null },
        'awaiting_method',
      );
      return { kind: 'done', result: 'awaiting_method' };
    }
    if (ctx.mandate_type !== null) {
      const check = await checkAutoDebit(
        tx,
        {
          customer_id: ctx.customer_id,
          payment_method_id: ctx.method_id,
          mandate_type: ctx.mandate_type,
          source_type: 'dunning_step',
          source_id: `${ctx.id}:${due.step}`,
          amount: ctx.amount,
          currency: ctx.currency,
        },
        now,
        { notify: deps.clock },
      );
      if (check.kind === 'deferred') return release(check.notBefore);
    }
    const debt =
      ctx.billing_record_id !== null ? { recordId: ctx.billing_record_id } : { invoiceId: ctx.invoice_id ?? '' };
    return { kind: 'charge', ctx, debt, methodId: ctx.method_id };
  });
  if (decision.kind === 'done') return decision.result;
  const { ctx, debt, methodId } = decision;

  let outcome: BillingChargeOutcome;
  try {
    // A renewal's record, or an always_invoice change's invoice (its step numbers the payment key the same way).
    outcome =
      'recordId' in debt
        ? await chargeBillingRecord(deps, debt.recordId, { attempt: due.step })
        : await chargeChangeInvoice(deps, debt.invoiceId, { attempt: due.step });
  } catch (err) {
    // Left claimed: after STALE_CLAIM_MS the step is taken again with the same attempt (the same gateway key).
    deps.log.error({ err, case: ctx.id, step: due.step }, 'dunning: charging the renewal failed');
    return 'error';
  }

  return deps.db.transaction(async (tx): Promise<StepResult> => {
    const at = deps.clock.now();
    if (outcome.status === 'paid') {
      const finished = await tx.run(FINISH_STEP, {
        case_id: ctx.id,
        step: due.step,
        at,
        outcome: 'paid',
        payment_method_id: methodId,
        payment_id: outcome.paymentId,
        decline_code: null,
      });
      if (finished === 0) return 'taken';
      await tx.run(RECOVER_CASE, {
        id: ctx.id,
        amount: ctx.amount,
        at,
        step: due.step,
        payment_id: outcome.paymentId,
        reason: `paid on step ${due.step}`,
      });
      await tx.run(SKIP_OPEN_STEPS, { case_id: ctx.id, at });
      await sendDunningEmail(tx, 'recovered', emailContext(ctx, 'closed', null, null), {
        clock: deps.clock,
        publicUrl: null,
      });
      return 'paid';
    }
    if (outcome.status === 'unknown') {
      await tx.run(FINISH_STEP, {
        case_id: ctx.id,
        step: due.step,
        at,
        outcome: 'unknown',
        payment_method_id: methodId,
        payment_id: outcome.paymentId,
        decline_code: null,
      });
      return 'unknown';
    }
    await tx.run(DECLINED, {
      id: ctx.id,
      decline_code: outcome.declineCode,
      hard: outcome.hard,
      method_id: methodId,
      at,
    });
    await finishWithEmail(
      tx,
      deps,
      policy,
      ctx,
      due.step,
      { outcome: 'failed', methodId, paymentId: outcome.paymentId, declineCode: outcome.declineCode },
      outcome.hard ? 'awaiting_method' : 'retry_failed',
    );
    return 'failed';
  });
}
