import { onTestClock } from '../customers/repository.js';

/**
 * Concurrency: a status change is guarded on the status it was read in (`WHERE status = $from`), a period advance
 * on the period index and status it was read in, so a concurrent move or an overlapping billing run loses cleanly;
 * the webhooks of one Razorpay subscription apply under its row lock (`SUBSCRIPTION_BY_GATEWAY_ID_FOR_UPDATE`);
 * event numbers come from the row's own `event_seq` (`UPDATE … RETURNING`) and are unique per subscription.
 */
export const SUBSCRIPTION_COLUMNS = `
SELECT 'subscription' AS object, t.id, t.customer_id, t.plan_id, t.plan_price_version, t.status, t.collection,
       t.gateway_subscription_id, t.quantity, t.unit_amount_minor AS unit_amount, t.unit_amount_minor * t.quantity AS amount,
       t.currency, t.interval_unit AS "interval", t.interval_count, t.setup_fee_minor AS setup_fee, t.tax_category,
       t.gst_rate_bp, t.billing_timing, t.terms_from, t.payment_method_id, t.start_at, t.trial_end, t.billing_anchor, t.period_index,
       t.current_period_start, t.current_period_end, t.cancel_at_period_end, t.paused_at, t.cancelled_at, t.ended_at,
       t.created_at, t.updated_at
FROM subscriptions t`;
export const SUBSCRIPTION_BY_ID = `${SUBSCRIPTION_COLUMNS} WHERE t.id = $id`;
/** Locks the row: changes, pauses, resumes and cancels of one subscription apply one at a time. */
export const SUBSCRIPTION_BY_ID_FOR_UPDATE = `${SUBSCRIPTION_BY_ID} FOR UPDATE`;
/** Whether the subscription's period has its billing record yet (in advance: billed at its start). */
export const PERIOD_BILLED = `
SELECT id FROM billing_records WHERE subscription_id = $id AND period_index = $period_index`;
/** Locks the row: the webhooks of one Razorpay subscription apply one at a time (status, dunning, period). */
export const SUBSCRIPTION_BY_GATEWAY_ID_FOR_UPDATE = `${SUBSCRIPTION_COLUMNS}
WHERE t.gateway_subscription_id = $gateway_subscription_id FOR UPDATE`;
export const INSERT_SUBSCRIPTION = `
INSERT INTO subscriptions (id, customer_id, school_id, plan_id, plan_price_version, unit_amount_minor, currency, quantity,
  interval_unit, interval_count, setup_fee_minor, tax_category, gst_rate_bp, billing_timing, terms_from, payment_method_id,
  collection, gateway_subscription_id, status, start_at, trial_end, billing_anchor, period_index, current_period_start,
  current_period_end, cancel_at_period_end, event_seq, created_at, updated_at)
VALUES ($id, $customer_id, $school_id, $plan_id, $plan_price_version, $unit_amount, $currency, $quantity, $interval,
  $interval_count, $setup_fee, $tax_category, $gst_rate_bp, $billing_timing, $start_at, $payment_method_id, $collection,
  $gateway_subscription_id, $status, $start_at, $trial_end, $billing_anchor, 0, $period_start, $period_end, false, 0,
  $at, $at)`;
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
  terms_from = $terms_from, updated_at = $at
WHERE id = $id`;
export const SET_TERMS_FROM = `UPDATE subscriptions SET terms_from = $terms_from, updated_at = $at WHERE id = $id`;
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
  period_start, period_end, bill_on, status, quantity, unit_amount_minor, tax_category, gst_rate_bp, created_at)
VALUES ($id, $subscription_id, $change_id, $kind, $description, $amount, $currency, $period_index, $period_start,
  $period_end, $bill_on, 'pending', $quantity, $unit_amount, $tax_category, $gst_rate_bp, $at)`;
/** The HSN/SAC of a plan: the code an unpinned GST rate is looked up by. */
export const PLAN_CODE = 'SELECT hsn_sac FROM subscription_plans WHERE id = $id';
export const PENDING_CHARGES = `
SELECT 'subscription_charge' AS object, id, change_id, kind, description, amount_minor AS amount, currency, period_index,
       period_start, period_end, bill_on, status, quantity, unit_amount_minor AS unit_amount, tax_category, gst_rate_bp,
       created_at
FROM subscription_charges WHERE subscription_id = $subscription_id AND status = 'pending' ORDER BY created_at, kind, id`;
/**
 * The pending charges of always_invoice changes (`bill_on = 'now'`), of one subscription or (`$id` null) of every
 * kosh-collected one on the test clock: every charge of the `$limit` oldest changes (a change is billed whole, its
 * lines netted per rate), what billing/invoice-changes-now.ts bills.
 */
export const CHARGES_TO_BILL_NOW = `
WITH due AS (
  SELECT c.change_id, min(c.created_at) AS at
  FROM subscription_charges c JOIN subscriptions s ON s.id = c.subscription_id
  WHERE c.status = 'pending' AND c.bill_on = 'now' AND ($id::text IS NULL OR c.subscription_id = $id)
    AND s.collection = 'kosh' AND ${onTestClock('s.customer_id')}
  GROUP BY c.change_id ORDER BY at, c.change_id LIMIT $limit
)
SELECT c.id, c.subscription_id, c.change_id, c.kind, c.description, c.amount_minor, c.period_index, c.period_start,
       c.period_end, c.tax_category, c.gst_rate_bp
FROM subscription_charges c JOIN due ON due.change_id = c.change_id
WHERE c.status = 'pending' AND c.bill_on = 'now'
ORDER BY due.at, c.change_id, CASE c.kind WHEN 'period_segment' THEN 0 WHEN 'proration_credit' THEN 1 ELSE 2 END, c.id`;

/**
 * The set-based entry points of the billing run (a chunk of subscriptions at a time, ids as text[] parameters).
 * Pending prorations are billed by the new billing records `$billing_ids` (one per subscription, with the record's
 * plan amount + setup fee as `$base_amounts`), unless they would make the record's total negative (a net credit
 * then waits for a later period). Charges to bill `now` (always_invoice) are not the next invoice's.
 */
export const BILL_PENDING_CHARGES = `
UPDATE subscription_charges SET status = 'billed', billing_id = r.id
FROM unnest($billing_ids::text[], $subscription_ids::text[], $base_amounts::bigint[]) AS r(id, subscription_id, base_minor),
     (SELECT subscription_id, sum(amount_minor)::BIGINT AS total FROM subscription_charges
      WHERE status = 'pending' AND bill_on = 'next_invoice' AND subscription_id = ANY($subscription_ids::text[])
      GROUP BY subscription_id) t
WHERE t.subscription_id = r.subscription_id
  AND subscription_charges.subscription_id = r.subscription_id AND subscription_charges.status = 'pending'
  AND subscription_charges.bill_on = 'next_invoice' AND r.base_minor + t.total >= 0`;

/**
 * Subscription status moves of a chunk, with their events, set-wise: `to` for every listed subscription that
 * is in one of `from`. The event numbers follow event_seq.
 */
export const MOVE_STATUS_OF_SET = `
UPDATE subscriptions SET status = $to, event_seq = event_seq + 1, updated_at = $now
WHERE id = ANY($ids::text[]) AND status = ANY($from::text[])
RETURNING id, event_seq`;
export const INSERT_STATUS_EVENTS_OF_SET = `
INSERT INTO subscription_events (id, subscription_id, seq, type, from_status, to_status, source, data, created_at)
SELECT 'sev_' || replace(gen_random_uuid()::VARCHAR, '-', ''), s.id, s.event_seq, 'status_changed', m.from_status,
       CAST($to AS VARCHAR), 'system', json_build_object('reason', CAST($reason AS VARCHAR)), $now::timestamptz
FROM subscriptions s JOIN unnest($ids::text[], $from_statuses::text[]) AS m(id, from_status) ON m.id = s.id`;

/** The pending charges of one subscription, settled by a billing record or a credit note against its invoice. */
export const SETTLE_PENDING_CHARGES = `
UPDATE subscription_charges SET status = 'billed', billing_id = $billing_id
WHERE subscription_id = $subscription_id AND status = 'pending' AND id = ANY($ids::text[])`;

/** Row locks on a chunk, in id order (as every other writer takes one row), for the billing run's records. */
export const LOCK_SUBSCRIPTIONS = `SELECT id FROM subscriptions WHERE id = ANY($ids::text[]) ORDER BY id FOR UPDATE`;

/**
 * The period moves of a chunk, loaded by COPY; private to the connection's session and reused by its next chunk:
 * emptied by TRUNCATE (a temp table's deleted rows are never vacuumed, so DELETE left every earlier chunk's rows
 * to be read again) and ANALYZEd once filled (autovacuum never analyzes a temp table).
 */
export const CREATE_PERIOD_MOVES = `
CREATE TEMP TABLE IF NOT EXISTS subscription_period_moves (id VARCHAR, from_index INTEGER, from_status VARCHAR,
  to_status VARCHAR, next_start TIMESTAMPTZ, next_end TIMESTAMPTZ, record_id VARCHAR)`;
export const CLEAR_PERIOD_MOVES = 'TRUNCATE subscription_period_moves';
export const ANALYZE_PERIOD_MOVES = 'ANALYZE subscription_period_moves';
/** cancel_at_period_end: the billed period was the last; the subscription ends at its end instead of renewing. */
export const CANCEL_AT_PERIOD_END = `
UPDATE subscriptions SET status = 'cancelled', cancelled_at = $now, ended_at = current_period_end,
  cancel_at_period_end = false, event_seq = event_seq + 1, updated_at = $now
FROM subscription_period_moves a
WHERE subscriptions.id = a.id AND a.to_status = 'cancelled' AND subscriptions.period_index = a.from_index
  AND subscriptions.status = a.from_status
RETURNING subscriptions.id`;
/** The next period (computed from the anchor in Asia/Kolkata days); guarded on the period it was read in. */
export const ADVANCE_PERIOD = `
UPDATE subscriptions SET period_index = a.from_index + 1, current_period_start = a.next_start,
  current_period_end = a.next_end, status = a.to_status,
  event_seq = event_seq + CASE WHEN a.to_status <> a.from_status THEN 2 ELSE 1 END, updated_at = $now
FROM subscription_period_moves a
WHERE subscriptions.id = a.id AND a.to_status <> 'cancelled' AND subscriptions.period_index = a.from_index
  AND subscriptions.status = a.from_status
RETURNING subscriptions.id`;
/** An instant as JSON text the way JS writes it (`toISOString`), like the webhook's period_changed events. */
const isoText = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
export const INSERT_PERIOD_EVENTS = `
INSERT INTO subscription_events (id, subscription_id, seq, type, from_status, to_status, source, data, created_at)
SELECT 'sev_' || replace(gen_random_uuid()::VARCHAR, '-', ''), s.id,
       s.event_seq - CASE WHEN a.to_status <> a.from_status AND a.to_status <> 'cancelled' THEN 1 ELSE 0 END,
       CASE WHEN a.to_status = 'cancelled' THEN 'status_changed' ELSE 'period_changed' END,
       CASE WHEN a.to_status = 'cancelled' THEN a.from_status END,
       CASE WHEN a.to_status = 'cancelled' THEN 'cancelled' END, 'system',
       json_build_object('period_index', s.period_index, 'start', ${isoText('s.current_period_start')},
                         'end', ${isoText('s.current_period_end')}, 'billing_record_id', a.record_id), $now::timestamptz
FROM subscriptions s JOIN subscription_period_moves a ON a.id = s.id
WHERE s.id = ANY($ids::text[])
UNION ALL
SELECT 'sev_' || replace(gen_random_uuid()::VARCHAR, '-', ''), s.id, s.event_seq, 'status_changed', a.from_status,
       a.to_status, 'system', json_build_object('reason', 'trial_ended'), $now::timestamptz
FROM subscriptions s JOIN subscription_period_moves a ON a.id = s.id
WHERE s.id = ANY($ids::text[]) AND a.to_status <> a.from_status AND a.to_status <> 'cancelled'`;
