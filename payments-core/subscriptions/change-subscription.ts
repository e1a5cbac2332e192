import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { type FieldError, invalid } from '../../platform/errors.js';
import { PLAN_BY_ID } from '../subscription-plans/repository.js';
import type { SubscriptionPlan } from '../subscription-plans/types.js';
import { clockOfCustomer } from '../test-clocks/clock-of-customer.js';
import { getSubscription } from './find-subscriptions.js';
import { accrue, periodBilled, storeChargeLines } from './period-charges.js';
import { SET_QUANTITY_AND_PRICE } from './repository.js';
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
 * must be active and bill on the same interval and timing; the subscription takes its current price version.
 * The current period bills each set of terms for the days it was in force (see `accrue`), each line taxed as the
 * terms it was supplied under; `proration_behavior: none` keeps the old terms to the end of the period instead, and
 * `always_invoice` stores the same lines to be billed now (billing/invoice-changes-now.ts bills them).
 */
export async function changeSubscription(
  deps: { db: Db; clock: Clock },
  id: string,
  change: SubscriptionChange,
  ifMatch?: string | undefined,
): Promise<Subscription> {
  await deps.db.transaction(async (tx) => {
    const sub = await subscriptionForChange(tx, id, { lock: true, ifMatch });
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
      } else if (plan.billing_timing !== sub.billing_timing) {
        fields.push({
          field: '/plan_id',
          code: 'billing_timing_mismatch',
          message: `the new plan must bill ${sub.billing_timing.replace('_', ' ')} like the subscription`,
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

    const at = (await clockOfCustomer({ db: tx, clock: deps.clock }, sub.customer_id)).now();
    const unitAmount = plan?.amount ?? sub.unit_amount;
    const taxCategory = plan?.tax_category ?? sub.tax_category;
    const terms = {
      unit_amount: unitAmount,
      quantity,
      tax_category: taxCategory,
      gst_rate_bp: taxCategory === 'gst' ? (plan === undefined ? sub.gst_rate_bp : plan.gst_rate_bp) : null,
    };
    const behavior = change.proration_behavior ?? 'create_prorations';
    const accrual = accrue(sub, await periodBilled(tx, sub), at, { type: 'change', terms, behavior });
    await storeChargeLines(tx, sub, accrual.lines, at, behavior === 'always_invoice' ? 'now' : 'next_invoice', plan);
    await tx.run(SET_QUANTITY_AND_PRICE, {
      id,
      quantity,
      plan_id: plan?.id ?? sub.plan_id,
      plan_price_version: plan?.price_version ?? sub.plan_price_version,
      unit_amount: unitAmount,
      setup_fee: plan?.setup_fee ?? sub.setup_fee,
      tax_category: terms.tax_category,
      gst_rate_bp: terms.gst_rate_bp,
      terms_from: accrual.terms_from,
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
        from_amount: sub.unit_amount * sub.quantity,
        to_amount: unitAmount * quantity,
        proration_behavior: behavior,
        charges: accrual.lines.map((l) => ({ kind: l.kind, amount: l.amount })),
      },
      at,
    });
  });
  return getSubscription(deps, id);
}
