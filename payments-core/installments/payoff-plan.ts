import type { Db } from '../../platform/db.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { INSERT_ORDER } from '../orders/repository.js';
import { INSTRUMENT_BY_ID } from '../payment-methods/repository.js';
import { chargeOffSession } from '../payments/charge-off-session.js';
import { DEFAULT_METHOD } from '../retries/repository.js';
import type { ChargeDeps } from './charge-installment.js';
import { getPlan } from './find-plans.js';
import { refuseWhileCharging } from './refuse-while-charging.js';
import { INSERT_INSTALLMENT, INSTALLMENTS_OF_PLAN, PLAN_FOR_UPDATE, SET_INSTALLMENT_STATUS } from './repository.js';
import { type Installment, type InstallmentPlan, OPEN_STATUSES } from './types.js';

/**
 * Early payoff: the customer pays everything still owed now, in one charge, with a method of theirs (the
 * default unless given). The payoff is its own installment and kosh order; once it is captured the open
 * installments are superseded and their retries cancelled. A declined payoff is cancelled with its decline
 * code and changes nothing else. The customer is present (on-session), so the auto-debit limits do not apply.
 */
export async function payoffPlan(
  deps: ChargeDeps,
  planId: string,
  input: { payment_method_id?: string | undefined },
): Promise<InstallmentPlan> {
  const db: Db = deps.db;
  const prepared = await db.transaction(async (tx) => {
    // The plan's lock: a second payoff (or a cancel) waits, then sees this one in flight and gets 409.
    const plan = await tx.one<{ id: string; order_id: string; customer_id: string; school_id: string; status: string }>(
      PLAN_FOR_UPDATE,
      { id: planId },
    );
    if (plan === undefined) throw notFound('installment_plan', planId);
    if (plan.status === 'cancelled') throw conflict('plan_cancelled', `plan ${planId} is cancelled`);
    if (plan.status === 'paid') throw conflict('plan_already_paid', `plan ${planId} is already paid`);
    const installments = await tx.all<Installment>(INSTALLMENTS_OF_PLAN, { plan_id: planId });
    await refuseWhileCharging(tx, planId, installments);
    const open = installments.filter((i) => i.kind === 'scheduled' && OPEN_STATUSES.includes(i.status));
    const amount = open.reduce((s, i) => s + i.amount, 0);
    const method =
      input.payment_method_id ?? (await tx.one<{ id: string }>(DEFAULT_METHOD, { customer_id: plan.customer_id }))?.id;
    const owner =
      method === undefined ? undefined : await tx.one<{ customer_id: string }>(INSTRUMENT_BY_ID, { id: method });
    if (method !== undefined && owner?.customer_id !== plan.customer_id) {
      throw invalid('unknown_payment_method', 'no such payment method for this customer', [
        { field: '/payment_method_id', code: 'unknown_payment_method', message: "not one of this customer's methods" },
      ]);
    }
    if (method === undefined) {
      throw invalid('payment_method_required', 'the customer has no default method; give payment_method_id', [
        { field: '/payment_method_id', code: 'payment_method_required', message: 'no default method to charge' },
      ]);
    }
    const at = deps.clock.now();
    const id = newId('ins');
    const orderId = newId('ord');
    const paymentId = `pay_${id.slice(4)}I1`;
    await tx.run(INSERT_ORDER, {
      id: orderId,
      customer_id: plan.customer_id,
      amount,
      currency: open[0]?.currency ?? 'INR',
      description: `payoff of ${plan.order_id}`,
      notes: { parent_order_id: plan.order_id, installment_id: id, plan_id: planId },
      at,
    });
    await tx.run(INSERT_INSTALLMENT, {
      id,
      plan_id: planId,
      seq: Math.max(0, ...installments.map((i) => i.seq)) + 1,
      kind: 'payoff',
      order_id: orderId,
      amount,
      currency: open[0]?.currency ?? 'INR',
      due_at: at,
      status: 'processing',
      attempts: 1,
      last_payment_id: paymentId,
      at,
    });
    return { id, orderId, paymentId, method };
  });
  const charged = await chargeOffSession(deps, {
    order_id: prepared.orderId,
    payment_id: prepared.paymentId,
    payment_method_id: prepared.method,
  });
  if (charged.outcome === 'failed') {
    await db.run(SET_INSTALLMENT_STATUS, {
      id: prepared.id,
      from: 'processing',
      // Cancelled, not failed: its order must not be payable later, when the amount owed may differ.
      status: 'cancelled',
      error_code: charged.payment?.error_reason ?? charged.payment?.error_code ?? null,
      at: deps.clock.now(),
    });
  }
  return getPlan(deps, planId);
}
