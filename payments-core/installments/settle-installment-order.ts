import type { Sql } from '../../platform/db.js';
import { cancelRetriesOfClosedInstallments } from './cancel-closed-retries.js';
import {
  INSTALLMENT_BY_ORDER,
  MARK_INSTALLMENT_PAID,
  PLAN_FOR_UPDATE,
  SUPERSEDE_OPEN_INSTALLMENTS,
} from './repository.js';
import { rollUpPlan } from './roll-up-plan.js';
import type { Installment } from './types.js';

/**
 * Called in the transaction that records a capture: when the captured order is an installment's, the
 * installment is paid (whichever path captured it: the job, a retry, the resolver, a webhook or a payment
 * the parent made at checkout). A paid payoff supersedes the installments it replaced.
 */
export async function settleInstallmentOrder(tx: Sql, orderId: string, at: Date): Promise<void> {
  const installment = await tx.one<Installment>(INSTALLMENT_BY_ORDER, { order_id: orderId });
  if (installment === undefined || installment.status === 'paid') return;
  await tx.one(PLAN_FOR_UPDATE, { id: installment.plan_id });
  await tx.run(MARK_INSTALLMENT_PAID, { id: installment.id, at });
  if (installment.kind === 'payoff') {
    await tx.run(SUPERSEDE_OPEN_INSTALLMENTS, { plan_id: installment.plan_id, at });
    await cancelRetriesOfClosedInstallments(tx, installment.plan_id, 'paid_off', at);
  }
  await rollUpPlan(tx, installment.plan_id, at);
}
