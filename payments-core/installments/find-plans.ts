import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { INSTALLMENTS_OF_PLAN, PLAN_ROW } from './repository.js';
import { countedInstallments } from './roll-up-plan.js';
import type { Installment, InstallmentPlan, PlanStatus } from './types.js';

/** One plan with its installments and what is paid and still owed. */
export async function getPlan(deps: { db: Sql }, id: string): Promise<InstallmentPlan> {
  const plan = await deps.db.one<{
    id: string;
    order_id: string;
    customer_id: string;
    amount: number;
    currency: string;
    status: PlanStatus;
    created_at: Date;
    cancelled_at: Date | null;
    paid_at: Date | null;
  }>(PLAN_ROW, { id });
  if (plan === undefined) throw notFound('installment_plan', id);
  const installments = await deps.db.all<Installment>(INSTALLMENTS_OF_PLAN, { plan_id: id });
  const paid = installments.filter((i) => i.status === 'paid').reduce((s, i) => s + i.amount, 0);
  const owed = countedInstallments(installments)
    .filter((i) => i.status !== 'paid' && i.kind === 'scheduled')
    .reduce((s, i) => s + i.amount, 0);
  return {
    object: 'installment_plan',
    id: plan.id,
    order_id: plan.order_id,
    customer_id: plan.customer_id,
    amount: plan.amount,
    currency: plan.currency,
    status: plan.status,
    amount_paid: paid,
    amount_remaining: plan.status === 'cancelled' || plan.status === 'paid' ? 0 : owed,
    installments,
    created_at: plan.created_at,
    cancelled_at: plan.cancelled_at,
    paid_at: plan.paid_at,
  };
}
