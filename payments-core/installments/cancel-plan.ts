import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import { cancelRetriesOfClosedInstallments } from './cancel-closed-retries.js';
import { getPlan } from './find-plans.js';
import { refuseWhileCharging } from './refuse-while-charging.js';
import { CANCEL_OPEN_INSTALLMENTS, CANCEL_PLAN, INSTALLMENTS_OF_PLAN, PLAN_FOR_UPDATE } from './repository.js';
import type { Installment, InstallmentPlan } from './types.js';

/**
 * Cancels a plan: open installments are cancelled and their retries stopped; paid ones stay paid (money back
 * is a refund). The parent order can then be paid directly again. Cancelling a cancelled plan returns it.
 */
export async function cancelPlan(deps: { db: Db; clock: Clock }, planId: string): Promise<InstallmentPlan> {
  await deps.db.transaction(async (tx) => {
    const plan = await tx.one<{ status: string }>(PLAN_FOR_UPDATE, { id: planId });
    if (plan === undefined) throw notFound('installment_plan', planId);
    if (plan.status === 'cancelled') return;
    if (plan.status === 'paid') throw conflict('plan_already_paid', `plan ${planId} is already paid`);
    const installments = await tx.all<Installment>(INSTALLMENTS_OF_PLAN, { plan_id: planId });
    await refuseWhileCharging(tx, planId, installments);
    const at = deps.clock.now();
    await tx.run(CANCEL_PLAN, { id: planId, at });
    await tx.run(CANCEL_OPEN_INSTALLMENTS, { plan_id: planId, at });
    await cancelRetriesOfClosedInstallments(tx, planId, 'plan_cancelled', at);
  });
  return getPlan(deps, planId);
}
