import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, type FieldError, invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { PLAN_BY_ID } from '../subscription-plans/repository.js';
import type { SubscriptionPlan } from '../subscription-plans/types.js';
import { clockOfCustomer } from '../test-clocks/clock-of-customer.js';
import { DAY_MS, nthPeriod, startOfIstDay } from './billing-periods.js';
import { getSubscription } from './find-subscriptions.js';
import { INSERT_SUBSCRIPTION } from './repository.js';
import { recordEvent } from './transitions.js';
import type { Collection, Subscription, SubscriptionStatus } from './types.js';

export interface SubscriptionInput {
  readonly customer_id: string;
  readonly plan_id: string;
  readonly quantity?: number | undefined;
  readonly payment_method_id?: string | undefined;
  readonly start_at?: string | Date | undefined;
  readonly collection?: Collection | undefined;
  /** Razorpay's `sub_…` id; required when Razorpay collects. */
  readonly gateway_subscription_id?: string | undefined;
}

function refuse(fields: FieldError[]): void {
  const first = fields[0];
  if (first !== undefined) throw invalid(first.code, first.message, fields);
}

/**
 * Subscribes a customer to an active plan at the plan's current price (kept on the subscription). Kosh-collected:
 * `trialing` when the plan has trial days (the trial is its own period; billing anchors at its end), else
 * `active` from `start_at` (default now) or `created` while `start_at` is in the future. Razorpay-collected:
 * `created` until Razorpay's `subscription.*` webhooks move it.
 */
export async function createSubscription(
  deps: { db: Db; clock: Clock },
  input: SubscriptionInput,
): Promise<Subscription> {
  const id = newId('sub');
  await deps.db.transaction(async (tx) => {
    const fields: FieldError[] = [];
    // Key-share-locked: a subscription racing the customer's erasure (which holds the row FOR UPDATE) waits for it,
    // then sees it erased; other writes of the row neither wait for it nor hold it up (orders/repository.ts).
    const customer = await tx.one<{ id: string; school_id: string; erased: boolean }>(
      'SELECT id, school_id, erased_at IS NOT NULL AS erased FROM customers WHERE id = $id FOR KEY SHARE',
      { id: input.customer_id },
    );
    if (customer === undefined) {
      fields.push({ field: '/customer_id', code: 'customer_not_found', message: 'no customer with this id' });
    } else if (customer.erased) {
      fields.push({ field: '/customer_id', code: 'customer_erased', message: 'the customer was erased' });
    }
    const plan = await tx.one<SubscriptionPlan>(PLAN_BY_ID, { id: input.plan_id });
    if (plan === undefined) {
      fields.push({ field: '/plan_id', code: 'subscription_plan_not_found', message: 'no plan with this id' });
    } else if (plan.status === 'archived') {
      fields.push({
        field: '/plan_id',
        code: 'subscription_plan_archived',
        message: 'the plan takes no new subscribers',
      });
    }
    const quantity = input.quantity ?? 1;
    if (plan !== undefined && !plan.per_unit && quantity !== 1) {
      fields.push({ field: '/quantity', code: 'quantity_not_allowed', message: 'the plan is not priced per unit' });
    }
    if (input.payment_method_id !== undefined) {
      const method = await tx.one(
        // Only an active method: a UPI AutoPay mandate still pending (or rejected) is never charged.
        "SELECT id FROM payment_methods WHERE id = $id AND customer_id = $customer_id AND deleted_at IS NULL AND status = 'active'",
        { id: input.payment_method_id, customer_id: input.customer_id },
      );
      if (method === undefined) {
        fields.push({
          field: '/payment_method_id',
          code: 'payment_method_not_found',
          message: "not one of the customer's payment methods",
        });
      }
    }
    const collection = input.collection ?? 'kosh';
    if (collection === 'razorpay' && input.gateway_subscription_id === undefined) {
      fields.push({
        field: '/gateway_subscription_id',
        code: 'required',
        message: "Razorpay's subscription id is needed when Razorpay collects",
      });
    }
    if (collection === 'kosh' && input.gateway_subscription_id !== undefined) {
      fields.push({ field: '/gateway_subscription_id', code: 'not_allowed', message: 'only for collection razorpay' });
    }
    refuse(fields);
    if (customer === undefined || plan === undefined) return;
    if (input.gateway_subscription_id !== undefined) {
      const taken = await tx.one<{ id: string }>('SELECT id FROM subscriptions WHERE gateway_subscription_id = $g', {
        g: input.gateway_subscription_id,
      });
      if (taken !== undefined) {
        throw conflict('gateway_subscription_taken', `${input.gateway_subscription_id} is subscription ${taken.id}`, {
          subscription_id: taken.id,
        });
      }
    }
    // A customer on a test clock subscribes at the clock's time.
    const at = (await clockOfCustomer({ db: tx, clock: deps.clock }, customer.id)).now();
    const startAt = input.start_at === undefined ? at : new Date(input.start_at);
    const trialing = collection === 'kosh' && plan.trial_days > 0;
    const trialEnd = trialing ? new Date(startOfIstDay(startAt).getTime() + plan.trial_days * DAY_MS) : null;
    const anchor = trialEnd ?? startAt;
    const status: SubscriptionStatus =
      collection === 'razorpay' ? 'created' : startAt > at ? 'created' : trialing ? 'trialing' : 'active';
    const period =
      trialEnd === null
        ? nthPeriod(anchor, plan.interval, plan.interval_count, 0)
        : { start: startOfIstDay(startAt), end: trialEnd };
    await tx.run(INSERT_SUBSCRIPTION, {
      id,
      customer_id: customer.id,
      school_id: customer.school_id,
      plan_id: plan.id,
      plan_price_version: plan.price_version,
      unit_amount: plan.amount,
      currency: plan.currency,
      quantity,
      interval: plan.interval,
      interval_count: plan.interval_count,
      setup_fee: plan.setup_fee,
      tax_category: plan.tax_category,
      gst_rate_bp: plan.gst_rate_bp,
      billing_timing: plan.billing_timing,
      payment_method_id: input.payment_method_id ?? null,
      collection,
      gateway_subscription_id: input.gateway_subscription_id ?? null,
      status,
      start_at: startAt,
      trial_end: trialEnd,
      billing_anchor: anchor,
      period_start: period.start,
      period_end: period.end,
      at,
    });
    await recordEvent(tx, id, {
      type: 'created',
      source: 'api',
      to_status: status,
      data: {
        plan_id: plan.id,
        plan_price_version: plan.price_version,
        quantity,
        unit_amount: plan.amount,
        collection,
      },
      at,
    });
  });
  return getSubscription(deps, id);
}
