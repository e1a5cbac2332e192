import type { Sql } from '../../platform/db.js';
import { followRazorpayDunning } from '../dunning/follow-razorpay-dunning.js';
import { SET_PERIOD, SET_QUANTITY_AND_PRICE, SUBSCRIPTION_BY_GATEWAY_ID_FOR_UPDATE } from './repository.js';
import { recordEvent, TRANSITIONS, transition } from './transitions.js';
import type { Subscription, SubscriptionStatus } from './types.js';

type Json = Record<string, unknown>;

/** The state each `subscription.*` event moves a Razorpay-held subscription to. */
const STATUS_OF_EVENT: Readonly<Record<string, SubscriptionStatus>> = {
  'subscription.authenticated': 'authenticated',
  'subscription.activated': 'active',
  'subscription.charged': 'active',
  'subscription.pending': 'pending',
  'subscription.halted': 'halted',
  'subscription.paused': 'paused',
  'subscription.resumed': 'active',
  'subscription.cancelled': 'cancelled',
  'subscription.completed': 'completed',
};

/** The period a `subscription.*` event is about, numbered as kosh numbers a subscription's periods (from 0). */
export interface GatewayPeriod {
  readonly subscriptionId: string;
  readonly periodIndex: number;
  readonly periodStart: Date;
  readonly periodEnd: Date;
}

/**
 * Razorpay's `paid_count` counts the subscription's paid invoices, this charge's included
 * (https://razorpay.com/docs/api/payments/subscriptions/entity/): the charged period is number `paid_count - 1`,
 * whatever order the events arrive in. Without it, the event is about kosh's current period. The bounds are the
 * entity's `current_start`/`current_end` (the cycle just charged), else kosh's current period.
 */
function periodOfEvent(sub: Subscription, entity: Json, start: Date | null, end: Date | null): GatewayPeriod {
  const paidCount = entity['paid_count'];
  const known = start !== null && end !== null && end > start;
  let periodIndex = sub.period_index;
  if (typeof paidCount === 'number' && Number.isSafeInteger(paidCount) && paidCount > 0) periodIndex = paidCount - 1;
  else if (known && start >= sub.current_period_end) periodIndex = sub.period_index + 1;
  return {
    subscriptionId: sub.id,
    periodIndex,
    periodStart: known ? start : sub.current_period_start,
    periodEnd: known ? end : sub.current_period_end,
  };
}

const isStatus = (s: unknown): s is SubscriptionStatus => typeof s === 'string' && s in TRANSITIONS;
const seconds = (v: unknown): Date | null => (typeof v === 'number' && v > 0 ? new Date(v * 1000) : null);

/**
 * Follows one `subscription.*` webhook on the subscription it names (by `gateway_subscription_id`). The move goes
 * through the one transition table, not strictly: a late or duplicate event (`activated` after `cancelled`) is
 * a no-op. `charged` also takes Razorpay's new current period (never an older one); `updated` takes the quantity.
 * `payment` is the event's payment entity, when it carries one (dunning reads its amount and decline reason).
 * Returns the period the event is about (see `periodOfEvent`), or null when no kosh subscription has that id (the
 * event stays `unmatched`).
 */
export async function applyGatewaySubscription(
  tx: Sql,
  type: string,
  entity: Json,
  at: Date,
  payment: Json | null = null,
): Promise<GatewayPeriod | null> {
  const gatewayId = typeof entity['id'] === 'string' ? entity['id'] : null;
  if (gatewayId === null) return null;
  const sub = await tx.one<Subscription>(SUBSCRIPTION_BY_GATEWAY_ID_FOR_UPDATE, {
    gateway_subscription_id: gatewayId,
  });
  if (sub === undefined) return null;
  const target =
    STATUS_OF_EVENT[type] ?? (type === 'subscription.updated' && isStatus(entity['status']) ? entity['status'] : null);
  const data = { event: type, gateway_subscription_id: gatewayId };
  if (target !== null) await transition(tx, sub, target, { source: 'webhook', strict: false, at, data });
  // Razorpay's retries of a failed renewal open, advance and close a dunning case (the event's payment, if any).
  await followRazorpayDunning(tx, sub, type, payment, at);

  const start = seconds(entity['current_start']);
  const end = seconds(entity['current_end']);
  // Razorpay's period replaces kosh's estimate; a period starting at or after the current end is the next one.
  // A late event about an older period (its start before the current one) changes nothing.
  const moved =
    start !== null &&
    end !== null &&
    end > start &&
    start >= sub.current_period_start &&
    (start.getTime() !== sub.current_period_start.getTime() || end.getTime() !== sub.current_period_end.getTime());
  if (moved) {
    const index = start >= sub.current_period_end ? sub.period_index + 1 : sub.period_index;
    await tx.run(SET_PERIOD, { id: sub.id, period_index: index, start, end, at });
    await recordEvent(tx, sub.id, {
      type: 'period_changed',
      source: 'webhook',
      data: {
        ...data,
        period_index: index,
        current_period_start: start.toISOString(),
        current_period_end: end.toISOString(),
      },
      at,
    });
  }
  const quantity = entity['quantity'];
  if (
    type === 'subscription.updated' &&
    typeof quantity === 'number' &&
    Number.isSafeInteger(quantity) &&
    quantity > 0 &&
    quantity !== sub.quantity
  ) {
    await tx.run(SET_QUANTITY_AND_PRICE, {
      id: sub.id,
      quantity,
      plan_id: sub.plan_id,
      plan_price_version: sub.plan_price_version,
      unit_amount: sub.unit_amount,
      setup_fee: sub.setup_fee,
      tax_category: sub.tax_category,
      gst_rate_bp: sub.gst_rate_bp,
      terms_from: sub.terms_from,
      at,
    });
    await recordEvent(tx, sub.id, {
      type: 'quantity_changed',
      source: 'webhook',
      // The per-period amounts, as a plan or quantity change records them (subscription analytics reads them).
      data: {
        ...data,
        from_quantity: sub.quantity,
        to_quantity: quantity,
        from_amount: sub.unit_amount * sub.quantity,
        to_amount: sub.unit_amount * quantity,
      },
      at,
    });
  }
  return periodOfEvent(sub, entity, start, end);
}
