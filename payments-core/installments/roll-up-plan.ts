import type { Sql } from '../../platform/db.js';
import { alertPlanSuspended } from '../monitoring/alert-plan-suspended.js';
import { advanceOrder } from '../orders/advance-order.js';
import { INSTALLMENTS_OF_PLAN, PLAN_FOR_UPDATE, SET_PLAN_STATUS } from './repository.js';
import type { Installment, PlanStatus } from './types.js';

/** Installments that count towards the plan: not superseded or cancelled, and a payoff only once in flight or paid. */
export function countedInstallments(installments: readonly Installment[]): Installment[] {
  return installments.filter(
    (i) =>
      i.status !== 'superseded' &&
      i.status !== 'cancelled' &&
      (i.kind === 'scheduled' || i.status === 'paid' || i.status === 'processing'),
  );
}

/**
 * The plan's status from its installments: cancelled; paid when every counted installment is; suspended when
 * one is dead-lettered (nothing more is charged until its retry is requeued, which makes it past_due); past_due while one is being retried or needs the customer; partially_paid; else
 * scheduled.
 */
export function planStatus(cancelled: boolean, installments: readonly Installment[]): PlanStatus {
  if (cancelled) return 'cancelled';
  const counted = countedInstallments(installments);
  if (counted.length > 0 && counted.every((i) => i.status === 'paid')) return 'paid';
  if (counted.some((i) => i.status === 'failed')) return 'suspended';
  if (counted.some((i) => i.status === 'retrying' || i.status === 'requires_authentication')) return 'past_due';
  if (counted.some((i) => i.status === 'paid')) return 'partially_paid';
  return 'scheduled';
}

/**
 * Recomputes and stores the plan's status in the caller's transaction; a paid plan pays its parent order, a plan
 * becoming suspended records an alert (monitoring's `installment_plans_suspended`) in the same transaction. The
 * plan's row lock comes first, so two captures of the same plan settling at once each see the other's.
 */
export async function rollUpPlan(tx: Sql, planId: string, at: Date): Promise<PlanStatus> {
  const plan = await tx.one<{ order_id: string; cancelled_at: Date | null; paid_at: Date | null }>(PLAN_FOR_UPDATE, {
    id: planId,
  });
  if (plan === undefined) throw new Error(`installment plan ${planId} not found`);
  const installments = await tx.all<Installment>(INSTALLMENTS_OF_PLAN, { plan_id: planId });
  const status = planStatus(plan.cancelled_at !== null, installments);
  const changed = await tx.run(SET_PLAN_STATUS, {
    id: planId,
    status,
    paid_at: status === 'paid' ? (plan.paid_at ?? at) : null,
    at,
  });
  const dead = installments.find((i) => i.status === 'failed');
  if (changed === 1 && status === 'suspended' && dead !== undefined) {
    await alertPlanSuspended(tx, { planId, installmentId: dead.id, reason: dead.last_error_code, at });
  }
  if (status === 'paid') await advanceOrder(tx, plan.order_id, 'paid', at);
  return status;
}
