import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { classifyDecline } from '../retries/declines.js';
import type { Subscription } from '../subscriptions/types.js';
import {
  CANCEL_CASE,
  CASE_COUNT_OF_SUBSCRIPTION,
  EXHAUST_CASE,
  INSERT_CASE,
  INSERT_STEP,
  NEXT_STEP_NUMBER,
  OPEN_CASE_OF_SUBSCRIPTION,
  RECOVER_CASE,
  SET_STEP_EMAIL,
  SKIP_OPEN_STEPS,
} from './repository.js';
import { type DunningEmailReason, sendDunningEmail } from './send-dunning-email.js';
import { emailContext, loadStepContext } from './step-context.js';

type Json = Record<string, unknown>;

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const paise = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null);

const RECOVERED_BY = ['subscription.charged', 'subscription.activated', 'subscription.resumed'];
const ENDED_BY = ['subscription.cancelled', 'subscription.completed'];

async function addStep(
  tx: Sql,
  caseId: string,
  outcome: 'failed' | 'paid',
  payment: Json | null,
  at: Date,
  reason: DunningEmailReason,
): Promise<void> {
  const step = (await tx.one<{ n: number }>(NEXT_STEP_NUMBER, { case_id: caseId }))?.n ?? 0;
  await tx.run(INSERT_STEP, {
    case_id: caseId,
    step,
    kind: step === 0 ? 'failure' : 'razorpay_retry',
    planned_at: at,
    done_at: at,
    outcome,
    payment_method_id: null,
    payment_id: text(payment?.['id']),
    decline_code: outcome === 'failed' ? text(payment?.['error_reason']) : null,
  });
  const ctx = await loadStepContext(tx, caseId);
  if (ctx === undefined) return;
  const closing = reason !== 'razorpay_retrying';
  const emailId = await sendDunningEmail(
    tx,
    reason,
    emailContext(ctx, closing ? 'closed' : step, null, text(payment?.['error_reason']) ?? ctx.last_decline_code),
    { clock: { now: () => at }, publicUrl: null },
  );
  if (emailId !== null) await tx.run(SET_STEP_EMAIL, { case_id: caseId, step, email_id: emailId });
}

/**
 * Dunning of a Razorpay-collected subscription, driven by its `subscription.*` webhooks inside the webhook's
 * transaction: kosh never charges it, it follows Razorpay's own retries. `pending` (a charge failed) opens a
 * case or adds a failed step to the open one; `halted` (Razorpay gave up after its T+1..T+3 retries) exhausts
 * it; `charged`, `activated` or `resumed` recover it (the amount of the payment when the event carries one);
 * `cancelled` or `completed` close it as cancelled. An email goes out at each step, without a link: the method
 * of a Razorpay subscription is changed at Razorpay.
 */
export async function followRazorpayDunning(
  tx: Sql,
  sub: Subscription,
  type: string,
  payment: Json | null,
  at: Date,
): Promise<void> {
  if (sub.collection !== 'razorpay') return;
  let open = (await tx.one<{ id: string }>(OPEN_CASE_OF_SUBSCRIPTION, { subscription_id: sub.id }))?.id ?? null;
  if (type === 'subscription.pending' || (type === 'subscription.halted' && open === null)) {
    if (open === null) {
      const n = ((await tx.one<{ n: number }>(CASE_COUNT_OF_SUBSCRIPTION, { subscription_id: sub.id }))?.n ?? 0) + 1;
      const reason = text(payment?.['error_reason']);
      open = newId('dun');
      await tx.run(INSERT_CASE, {
        id: open,
        case_key: `rzp:${sub.id}:${n}`,
        collection: 'razorpay',
        subscription_id: sub.id,
        billing_record_id: null,
        invoice_id: null,
        customer_id: sub.customer_id,
        amount: paise(payment?.['amount']) ?? sub.amount,
        currency: sub.currency,
        decline_code: reason,
        // Razorpay retries whatever the reason; without one the failure counts as soft.
        decline_category: reason === null ? 'soft' : classifyDecline(reason, text(payment?.['error_code'])),
        declined_method_id: null,
        failed_at: at,
        at,
      });
    }
    if (type === 'subscription.pending') {
      await addStep(tx, open, 'failed', payment, at, 'razorpay_retrying');
      return;
    }
  }
  if (open === null) return;
  if (type === 'subscription.halted') {
    await tx.run(EXHAUST_CASE, {
      id: open,
      final_action: 'razorpay_halted',
      reason: 'Razorpay halted the subscription after its retries',
      at,
    });
    await addStep(tx, open, 'failed', payment, at, 'razorpay_halted');
    return;
  }
  if (RECOVERED_BY.includes(type)) {
    const ctx = await loadStepContext(tx, open);
    const step = (await tx.one<{ n: number }>(NEXT_STEP_NUMBER, { case_id: open }))?.n ?? 0;
    await tx.run(RECOVER_CASE, {
      id: open,
      amount: paise(payment?.['amount']) ?? ctx?.amount ?? sub.amount,
      at,
      step,
      payment_id: text(payment?.['id']),
      reason: type,
    });
    await addStep(tx, open, 'paid', payment, at, 'razorpay_recovered');
    return;
  }
  if (ENDED_BY.includes(type)) {
    await tx.run(CANCEL_CASE, { id: open, at, reason: type });
    await tx.run(SKIP_OPEN_STEPS, { case_id: open, at });
  }
}
