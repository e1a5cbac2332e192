import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { type FieldError, invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { PLAN_BY_ID } from '../subscription-plans/repository.js';
import type { SubscriptionPlan } from '../subscription-plans/types.js';
import { getSubscription } from './find-subscriptions.js';
import { type Proration, prorate } from './proration.js';
import { INSERT_CHARGE, SET_QUANTITY_AND_PRICE } from './repository.js';
import { subscriptionForChange } from './subscription-for-change.js';
import { recordEvent, TERMINAL_STATUSES } from './transitions.js';
import type { ProrationBehavior, Subscription } from './types.js';

export interface SubscriptionChange {
  readonly plan_id?: string | undefined;
  readonly quantity?: number | undefined;
  readonly proration_behavior?: ProrationBehavior | undefined;
}

/**
 * Changes the quantity and/or the plan (upgrade or downgrade) of a kosh-collected subscription. The new plan
 * must be active and bill on the same interval; the subscription takes its current price version. While
 * `active`, the rest of the current period is prorated per day (see `prorate`) and the two lines are stored as
 * pending charges, billed on the next billing pass (`now`, the default) or with the next renewal
 * (`next_invoice`), or not at all (`none`). Other states have no paid time to prorate.
 */
export async function changeSubscription(
  deps: { db: Db; clock: Clock },
  id: string,
  change: SubscriptionChange,
): Promise<Subscription> {
  await deps.db.transaction(async (tx) => {
    const sub = await subscriptionForChange(tx, id);
    const fields: FieldError[] = [];
    if (TERMINAL_STATUSES.includes(sub.status)) {
      throw invalid('subscription_ended', `subscription ${id} is ${sub.status}`, [
        { field: '/', code: 'subscription_ended', message: `the subscription is ${sub.status}` },
      ]);
    }
    let plan: SubscriptionPlan | undefined;
    if (change.plan_id !== undefined && change.plan_id !== sub.plan_id) {
      plan = await tx.one<SubscriptionPlan>(PLAN_BY_ID, { id: change.plan_id });
      if (plan === undefined) {
        fields.push({ field: '/plan_id', code: 'subscription_plan_not_found', message: 'no plan with this id' });
      } else if (plan.status === 'archived') {
        fields.push({
          field: '/plan_id',
          code: 'subscription_plan_archived',
          message: 'the plan takes no new subscribers',
        });
      } else if (
        plan.interval !== sub.interval ||
        plan.interval_count !== sub.interval_count ||
        plan.currency !== sub.currency
      ) {
        fields.push({
          field: '/plan_id',
          code: 'interval_mismatch',
          message: `the new plan must bill every ${sub.interval_count} ${sub.interval} in ${sub.currency}`,
        });
      }
    }
    const quantity = change.quantity ?? sub.quantity;
    const current = await tx.one<SubscriptionPlan>(PLAN_BY_ID, { id: sub.plan_id });
    if (quantity !== 1 && (plan ?? current)?.per_unit !== true) {
      fields.push({ field: '/quantity', code: 'quantity_not_allowed', message: 'the plan is not priced per unit' });
    }
    const first = fields[0];
    if (first !== undefined) throw invalid(first.code, first.message, fields);
    if (plan === undefined && quantity === sub.quantity) return;

    const at = deps.clock.now();
    const unitAmount = plan?.amount ?? sub.unit_amount;
    const oldAmount = sub.unit_amount * sub.quantity;
    const newAmount = unitAmount * quantity;
    const behavior = change.proration_behavior ?? 'now';
    let proration: Proration | null = null;
    if (sub.status === 'active' && behavior !== 'none' && oldAmount !== newAmount) {
      proration = prorate(oldAmount, newAmount, { start: sub.current_period_start, end: sub.current_period_end }, at);
      const changeId = newId('chg');
      const lines = [
        {
          kind: 'proration_credit',
          amount: proration.credit,
          description: `unused ${proration.remaining_days}/${proration.period_days} days at ${oldAmount} paise`,
        },
        {
          kind: 'proration_charge',
          amount: proration.charge,
          description: `remaining ${proration.remaining_days}/${proration.period_days} days at ${newAmount} paise`,
        },
      ];
      for (const line of lines) {
        if (line.amount === 0) continue;
        await tx.run(INSERT_CHARGE, {
          id: newId('sch'),
          subscription_id: id,
          change_id: changeId,
          kind: line.kind,
          description: line.description,
          amount: line.amount,
          currency: sub.currency,
          period_index: sub.period_index,
          period_start: sub.current_period_start,
          period_end: sub.current_period_end,
          bill_on: behavior,
          at,
        });
      }
    }
    await tx.run(SET_QUANTITY_AND_PRICE, {
      id,
      quantity,
      plan_id: plan?.id ?? sub.plan_id,
      plan_price_version: plan?.price_version ?? sub.plan_price_version,
      unit_amount: unitAmount,
      setup_fee: plan?.setup_fee ?? sub.setup_fee,
      tax_category: plan?.tax_category ?? sub.tax_category,
      gst_rate_bp: plan === undefined ? sub.gst_rate_bp : plan.gst_rate_bp,
      at,
    });
    await recordEvent(tx, id, {
      type: plan === undefined ? 'quantity_changed' : 'plan_changed',
      source: 'api',
      data: {
        from_plan_id: sub.plan_id,
        to_plan_id: plan?.id ?? sub.plan_id,
        from_quantity: sub.quantity,
        to_quantity: quantity,
        from_amount: oldAmount,
        to_amount: newAmount,
        proration_behavior: behavior,
        proration,
      },
      at,
    });
  });
  return getSubscription(deps, id);
}
