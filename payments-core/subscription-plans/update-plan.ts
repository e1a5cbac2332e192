import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import { checkIfMatch } from '../../platform/etag.js';
import { getSubscriptionPlan } from './find-plans.js';
import { INSERT_PLAN_PRICE, LOCK_PLAN, PLAN_BY_ID, UPDATE_PLAN } from './repository.js';
import type { SubscriptionPlan } from './types.js';

export interface PlanChanges {
  readonly name?: string | undefined;
  readonly description?: string | null | undefined;
  readonly unit_label?: string | null | undefined;
  readonly trial_days?: number | undefined;
  readonly setup_fee?: number | undefined;
  readonly amount?: number | undefined;
}

/**
 * Edits an active plan. A new `amount` becomes a new price version for new subscribers; existing
 * subscriptions keep the price they were sold at (it is stored on the subscription). The interval and the
 * tax category are fixed for a plan's life: make a new plan instead. An archived plan is read-only (409).
 * With `ifMatch` (an ETag from a read), a plan changed since is refused with 412.
 */
export async function updateSubscriptionPlan(
  deps: { db: Db; clock: Clock },
  id: string,
  changes: PlanChanges,
  ifMatch?: string | undefined,
): Promise<SubscriptionPlan> {
  await deps.db.transaction(async (tx) => {
    // The row lock makes the read, the If-Match check and the write one step against another process's edit.
    if ((await tx.one(LOCK_PLAN, { id })) === undefined) throw notFound('subscription_plan', id);
    const plan = await tx.one<SubscriptionPlan>(PLAN_BY_ID, { id });
    if (plan === undefined) throw notFound('subscription_plan', id);
    checkIfMatch(ifMatch, plan, 'subscription_plan', id);
    if (plan.status === 'archived') throw conflict('subscription_plan_archived', `plan ${id} is archived`);
    const at = deps.clock.now();
    const repriced = changes.amount !== undefined && changes.amount !== plan.amount;
    const version = repriced ? plan.price_version + 1 : plan.price_version;
    await tx.run(UPDATE_PLAN, {
      id,
      name: changes.name ?? plan.name,
      description: changes.description === undefined ? plan.description : changes.description,
      unit_label: changes.unit_label === undefined ? plan.unit_label : changes.unit_label,
      trial_days: changes.trial_days ?? plan.trial_days,
      setup_fee: changes.setup_fee ?? plan.setup_fee,
      amount: changes.amount ?? plan.amount,
      price_version: version,
      at,
    });
    if (repriced) {
      await tx.run(INSERT_PLAN_PRICE, { plan_id: id, version, amount: changes.amount, currency: plan.currency, at });
    }
  });
  return getSubscriptionPlan(deps, id);
}
