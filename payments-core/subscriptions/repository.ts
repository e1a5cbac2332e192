export const SUBSCRIPTION_COLUMNS = `
SELECT 'subscription' AS object, t.id, t.customer_id, t.plan_id, t.plan_price_version, t.status, t.collection,
       t.gateway_subscription_id, t.quantity, t.unit_amount_minor AS unit_amount, t.unit_amount_minor * t.quantity AS amount,
       t.currency, t.interval_unit AS "interval", t.interval_count, t.setup_fee_minor AS setup_fee, t.tax_category,
       t.gst_rate_bp, t.payment_method_id, t.start_at, t.trial_end, t.billing_anchor, t.period_index,
       t.current_period_start, t.current_period_end, t.cancel_at_period_end, t.paused_at, t.cancelled_at, t.ended_at,
       t.created_at, t.updated_at
FROM subscriptions t`;
export const SUBSCRIPTION_BY_ID = `${SUBSCRIPTION_COLUMNS} WHERE t.id = $id`;
/** Locks the row: the webhooks of one Razorpay subscription apply one at a time (status, dunning, period). */
export const SUBSCRIPTION_BY_GATEWAY_ID_FOR_UPDATE = `${SUBSCRIPTION_COLUMNS}
WHERE t.gateway_subscription_id = $gateway_subscription_id FOR UPDATE`;
export const INSERT_SUBSCRIPTION = `
INSERT INTO subscriptions (id, customer_id, school_id, plan_id, plan_price_version, unit_amount_minor, currency, quantity,
  interval_unit, interval_count, setup_fee_minor, tax_category, gst_rate_bp, payment_method_id, collection,
  gateway_subscription_id, status, start_at, trial_end, billing_anchor, period_index, current_period_start,
  current_period_end, cancel_at_period_end, event_seq, created_at, updated_at)
VALUES ($id, $customer_id, $school_id, $plan_id, $plan_price_version, $unit_amount, $currency, $quantity, $interval,
  $interval_count, $setup_fee, $tax_category, $gst_rate_bp, $payment_method_id, $collection, $gateway_subscription_id,
  $status, $start_at, $trial_end, $billing_anchor, 0, $period_start, $period_end, false, 0, $at, $at)`;
/** The one status write: guarded on the status it was read in, so a concurrent move loses cleanly. */
export const SET_SUBSCRIPTION_STATUS = `
UPDATE subscriptions SET status = $to, paused_at = $paused_at, cancelled_at = $cancelled_at, ended_at = $ended_at,
  cancel_at_period_end = $cancel_at_period_end, updated_at = $at
WHERE id = $id AND status = $from`;
export const SET_CANCEL_AT_PERIOD_END = `
UPDATE subscriptions SET cancel_at_period_end = $flag, updated_at = $at WHERE id = $id`;
export const SET_QUANTITY_AND_PRICE = `
UPDATE subscriptions SET quantity = $quantity, plan_id = $plan_id, plan_price_version = $plan_price_version,
  unit_amount_minor = $unit_amount, setup_fee_minor = $setup_fee, tax_category = $tax_category, gst_rate_bp = $gst_rate_bp,
  updated_at = $at
WHERE id = $id`;
export const SET_PERIOD = `
UPDATE subscriptions SET period_index = $period_index, current_period_start = $start, current_period_end = $end,
  updated_at = $at
WHERE id = $id`;
export const NEXT_EVENT_SEQ = `
UPDATE subscriptions SET event_seq = event_seq + 1 WHERE id = $id RETURNING event_seq`;
export const INSERT_EVENT = `
INSERT INTO subscription_events (id, subscription_id, seq, type, from_status, to_status, source, data, created_at)
VALUES ($id, $subscription_id, $seq, $type, $from_status, $to_status, $source, $data, $at)`;
export const EVENTS_OF_SUBSCRIPTION = `
SELECT 'subscription_event' AS object, id, subscription_id, seq, type, from_status, to_status, source, data, created_at
FROM subscription_events WHERE subscription_id = $subscription_id ORDER BY seq`;
export const INSERT_CHARGE = `
INSERT INTO subscription_charges (id, subscription_id, change_id, kind, description, amount_minor, currency, period_index,
  period_start, period_end, bill_on, status, created_at)
VALUES ($id, $subscription_id, $change_id, $kind, $description, $amount, $currency, $period_index, $period_start,
  $period_end, $bill_on, 'pending', $at)`;
export const PENDING_CHARGES = `
SELECT 'subscription_charge' AS object, id, change_id, kind, description, amount_minor AS amount, currency, period_index,
       period_start, period_end, bill_on, status, created_at
FROM subscription_charges WHERE subscription_id = $subscription_id AND status = 'pending' ORDER BY created_at, kind, id`;
