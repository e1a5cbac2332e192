import { customerOnTestClock, onTestClock } from '../customers/repository.js';
import { POSTING_RULES } from '../ledger/journal-rules.js';
import { postEntriesSql } from '../ledger/repository.js';
import { advanceOrdersSql, insertOrdersSql, setGatewayOrdersSql } from '../orders/repository.js';
import { insertPaymentsSql, storePaymentOutcomesSql } from '../payments/repository.js';

/**
 * The billing run's SQL. Every statement works on a whole chunk of subscriptions (ids as text[] parameters).
 * Concurrency: one record per (subscription_id, period_index) is a unique key (a rerun or an overlapping run
 * inserts nothing); a record is charged only by the run that claimed it (`status = 'charging' AND claimed_by =
 * $run_id`, the claim expiring after a TTL) and moves on only under `WHERE status = …` guards; its orders, payments,
 * ledger entries and subscription moves are written by their owners' set-based entry points, under the owners' guards.
 */

export const RECORD_COLUMNS = `
SELECT 'billing_record' AS object, t.id, t.subscription_id, t.customer_id, t.school_id, t.period_index, t.period_start,
       t.period_end, t.plan_amount_minor AS plan_amount, t.setup_fee_minor AS setup_fee, t.charges_minor AS charges,
       t.amount_minor AS amount, t.currency, t.invoice_id, t.order_id, t.payment_method_id, t.mandate_type,
       t.idempotency_key, t.status, t.payment_id, t.decline_code, t.attempts, t.not_before, t.created_at, t.updated_at,
       t.payment_link_id, t.payment_link_url, t.payment_link_status,
       coalesce(t.status = 'failed' AND t.payment_link_status IN ('created', 'partially_paid'), false) AS requires_action
FROM billing_records t`;
export const RECORD_BY_ID = `${RECORD_COLUMNS} WHERE t.id = $id`;

/**
 * Which subscriptions' current period is due: in arrears once it has ended, in advance once it has started (and
 * until its record is settled, so a deferred debit is claimed later); and a cancelled subscription with charges
 * left to bill for a period never billed (the days it was supplied before a cancel-now).
 */
const PERIOD_DUE = `
  (s.status IN ('active', 'trialing', 'pending')
   AND (s.current_period_end <= $now
        OR (s.billing_timing = 'in_advance' AND s.current_period_start <= $now
            AND NOT EXISTS (SELECT 1 FROM billing_records r WHERE r.subscription_id = s.id
                              AND r.period_index = s.period_index AND r.status NOT IN ('pending', 'charging')))))
  OR (s.status = 'cancelled'
      AND (SELECT sum(c.amount_minor) FROM subscription_charges c
           WHERE c.subscription_id = s.id AND c.status = 'pending' AND c.bill_on = 'next_invoice') >= 0
      AND NOT EXISTS (SELECT 1 FROM billing_records r WHERE r.subscription_id = s.id AND r.period_index > s.period_index))`;

/**
 * The record slot a due period takes: its own index, except a cancelled subscription's final record after its
 * period was billed in advance, which takes the next (never billed: the subscription has ended).
 */
const BILL_INDEX = `
  CASE WHEN s.status = 'cancelled'
            AND EXISTS (SELECT 1 FROM billing_records r WHERE r.subscription_id = s.id AND r.period_index = s.period_index)
       THEN s.period_index + 1 ELSE s.period_index END`;

/**
 * Subscriptions Kosh collects with a period due, all of them in id order: one statement per pass, chunked by the
 * caller. A page per chunk (`id > $after … LIMIT 500`) was planned, on statistics taken before the rows existed, as
 * "gather every remaining subscription, sort, keep 500": a scan of the rest of the table per chunk, the square of
 * the table per run (100–175 ms a chunk at 30,000). One list is one scan whatever the plan (an id is a few dozen
 * bytes: a million due subscriptions is tens of MB). The scope stays a per-row filter (`onTestClock`), so the scan
 * is driven by subscriptions and never turned into a loop over customers.
 */
export const DUE_SUBSCRIPTIONS = `
SELECT s.id FROM subscriptions s
WHERE s.collection = 'kosh' AND (${PERIOD_DUE}) AND ${onTestClock('s.customer_id')}
ORDER BY s.id`;

/**
 * One billing record per due subscription and period; the UNIQUE (subscription_id, period_index) makes a rerun
 * or an overlapping run insert nothing. The due period is billed (at its end in arrears, its start in advance):
 * its plan line is unit price × quantity for the IST days from `terms_from` (when the current terms began to
 * accrue) to the period's end, prorated per day (the whole period unless a change, pause or resume fell in it; 0
 * for a trial period or a cancelled subscription), the setup fee on period 0, and the pending charges (segments
 * at earlier terms, prorations) unless they would make the total negative (a net credit then waits for a later
 * period). The method is the subscription's own, else the customer's default. The caller holds the rows' locks
 * (`lockSubscriptions`), so no change slips between a period's record and its charges.
 */
export const INSERT_RECORDS = `
WITH pending AS (
  SELECT subscription_id, sum(amount_minor)::BIGINT AS total FROM subscription_charges
  WHERE status = 'pending' AND bill_on = 'next_invoice' AND subscription_id = ANY($ids::text[])
  GROUP BY subscription_id
), base AS (
  SELECT s.*, CASE WHEN s.status = 'cancelled' THEN 0
                   WHEN s.trial_end IS NOT NULL AND s.current_period_end <= s.trial_end THEN 0
                   ELSE prorate_minor(s.unit_amount_minor * s.quantity,
                          ist_days(greatest(coalesce(s.terms_from, s.current_period_start), s.current_period_start),
                                   s.current_period_end),
                          ist_days(s.current_period_start, s.current_period_end)) END AS plan_amount,
         ${BILL_INDEX} AS bill_index,
         CASE WHEN s.period_index = 0 AND ${BILL_INDEX} = 0 THEN s.setup_fee_minor ELSE 0 END AS setup_fee,
         coalesce(p.total, 0) AS pending_total,
         coalesce(own.id, d.id) AS method_id
  FROM subscriptions s
  LEFT JOIN pending p ON p.subscription_id = s.id
  LEFT JOIN payment_methods own ON own.id = s.payment_method_id AND own.deleted_at IS NULL
  -- The customer's default, looked up per subscription (index payment_methods_customer): a grouped list of every
  -- default method was re-sorted per row and scanned the whole table per chunk.
  LEFT JOIN LATERAL (SELECT min(d.id) AS id FROM payment_methods d
                     WHERE d.customer_id = s.customer_id AND d.is_default AND d.deleted_at IS NULL) d ON true
  WHERE s.id = ANY($ids::text[]) AND s.collection = 'kosh' AND (${PERIOD_DUE})
)
INSERT INTO billing_records (id, subscription_id, customer_id, school_id, period_index, period_start, period_end,
  plan_amount_minor, setup_fee_minor, charges_minor, amount_minor, currency, invoice_id, order_id, payment_method_id,
  mandate_type, idempotency_key, status, payment_id, decline_code, attempts, not_before, claimed_by, claim_expires_at,
  run_id, created_at, updated_at)
SELECT 'bil_' || b.id || '_' || b.bill_index, b.id, b.customer_id, b.school_id, b.bill_index,
       b.current_period_start, b.current_period_end, b.plan_amount, b.setup_fee,
       CASE WHEN b.plan_amount + b.setup_fee + b.pending_total >= 0 THEN b.pending_total ELSE 0 END, 0, b.currency,
       NULL, 'ord_bil_' || b.id || '_' || b.bill_index, b.method_id, pm.mandate_type,
       'bill_bil_' || b.id || '_' || b.bill_index || '_0', 'pending', NULL, NULL, 0, NULL, NULL, NULL, CAST($run_id AS VARCHAR), $now::timestamptz, $now::timestamptz
FROM base b LEFT JOIN payment_methods pm ON pm.id = b.method_id
ON CONFLICT DO NOTHING
RETURNING id, subscription_id, plan_amount_minor, setup_fee_minor, charges_minor`;

/** What the invoice of each new record needs: the subscription's terms, plan name and billed charges. */
export const INVOICE_INPUTS = `
SELECT r.id, r.subscription_id, r.customer_id, r.school_id, r.period_start, r.period_end, r.plan_amount_minor,
       r.setup_fee_minor, r.currency, s.quantity, s.unit_amount_minor, s.tax_category, s.gst_rate_bp, p.name AS plan_name,
       p.hsn_sac, p.uqc, greatest(coalesce(s.terms_from, r.period_start), r.period_start) AS plan_from
FROM billing_records r JOIN subscriptions s ON s.id = r.subscription_id JOIN subscription_plans p ON p.id = s.plan_id
WHERE r.id = ANY($ids::text[])`;
export const BILLED_CHARGES = `
SELECT billing_id, description, amount_minor, period_start, period_end, tax_category, gst_rate_bp FROM subscription_charges
WHERE billing_id = ANY($ids::text[])
ORDER BY billing_id, created_at, CASE kind WHEN 'period_segment' THEN 0 WHEN 'proration_credit' THEN 1 ELSE 2 END, id`;

/**
 * The run's scratch tables (session temp tables, reused by every chunk a pooled connection serves) are emptied
 * with TRUNCATE, not DELETE: deleted rows stay in a temp table until a VACUUM that autovacuum never runs on temp
 * tables, so every chunk's joins read every earlier chunk's dead rows. They are ANALYZEd once filled, for the same
 * reason: without statistics the planner guessed thousands of rows, and with its guesses about the growing tables,
 * once joined an outcome with every payment (a 5,000,000-row hash for 500 outcomes, 16 s).
 */
export const CREATE_INVOICE_TOTALS = `
CREATE TEMP TABLE IF NOT EXISTS billing_invoice_totals (record_id VARCHAR, invoice_id VARCHAR, amount BIGINT)`;
export const CLEAR_INVOICE_TOTALS = 'TRUNCATE billing_invoice_totals';
export const ANALYZE_INVOICE_TOTALS = 'ANALYZE billing_invoice_totals';
export const SET_INVOICE_TOTALS = `
UPDATE billing_records SET invoice_id = t.invoice_id, amount_minor = t.amount, updated_at = $now
FROM billing_invoice_totals t WHERE t.record_id = billing_records.id AND billing_records.status = 'pending'`;
/** A record with nothing to collect (a trial period without a setup fee) is skipped; its period still advances. */
export const SKIP_ZERO = `
UPDATE billing_records SET status = 'skipped', updated_at = $now
WHERE id = ANY($ids::text[]) AND status = 'pending' AND amount_minor <= 0`;

/** Records to check against the auto-debit rules before a claim: on a mandate, or above the AFA limit. */
export const NEEDS_DEBIT_CHECK = `
SELECT r.id, r.subscription_id, r.customer_id, r.payment_method_id, r.mandate_type, r.amount_minor, r.currency,
       r.period_index, c.email
FROM billing_records r JOIN customers c ON c.id = r.customer_id
WHERE r.subscription_id = ANY($ids::text[]) AND r.status = 'pending' AND r.payment_method_id IS NOT NULL
  AND (r.not_before IS NULL OR r.not_before <= $now)
  AND (r.mandate_type IS NOT NULL OR r.amount_minor > $limit)`;
export const DEFER_RECORD = `
UPDATE billing_records SET not_before = $not_before, updated_at = $now WHERE id = $id AND status = 'pending'`;

/**
 * The claim: records of the chunk's current periods move to `charging` under this run, unless another live
 * run holds them. A `charging` record whose claim expired was left by a run that died; it is taken again
 * (attempts > 1), and its key is looked up at the gateway before anything is charged.
 */
export const CLAIM = `
UPDATE billing_records SET status = 'charging', claimed_by = $run_id, claim_expires_at = $expires, attempts = attempts + 1,
  updated_at = $now
WHERE subscription_id = ANY($ids::text[])
  AND ((status = 'pending' AND (not_before IS NULL OR not_before <= $now))
       OR (status = 'charging' AND claim_expires_at < $now))
RETURNING id`;

/** The local order of each record `$ids`, through orders' set-based entry point (`createOrders`). */
export const INSERT_ORDERS = insertOrdersSql(`
SELECT r.order_id AS id, r.customer_id, r.school_id, r.amount_minor, r.currency,
       'subscription ' || r.subscription_id || ' period ' || r.period_index AS description, $now::timestamptz AS at
FROM billing_records r WHERE r.id = ANY($ids::text[])`);
/**
 * The local payment row of attempt 0 of each record `$ids`, written before the gateway is called; its id is the
 * gateway key. Through payments' set-based entry point (`createPayments`).
 */
export const INSERT_PAYMENTS = insertPaymentsSql(`
SELECT r.idempotency_key AS id, r.order_id, r.customer_id, r.school_id, r.payment_method_id, pm.type AS method,
       r.amount_minor, r.currency, 'auto' AS capture_mode, $now::timestamptz AS at
FROM billing_records r JOIN payment_methods pm ON pm.id = r.payment_method_id
WHERE r.id = ANY($ids::text[])`);

/** Everything the gateway step needs per claimed record, including what an earlier attempt left behind. */
export const CLAIMED_ITEMS = `
SELECT r.id, r.subscription_id, r.customer_id, r.order_id, r.idempotency_key AS payment_id, r.amount_minor,
       r.currency, r.attempts, r.payment_method_id, pm.type AS method_type, pm.gateway_token, pm.status AS method_status,
       c.email, c.phone, c.gateway_customer_id, o.gateway_order_id, p.status AS payment_status, p.gateway_payment_id, p.fee_minor, p.tax_minor,
       p.error_code, p.error_reason, p.error_description
FROM billing_records r
JOIN customers c ON c.id = r.customer_id
JOIN orders o ON o.id = r.order_id
LEFT JOIN payment_methods pm ON pm.id = r.payment_method_id
LEFT JOIN payments p ON p.id = r.idempotency_key
WHERE r.id = ANY($ids::text[]) AND r.status = 'charging' AND r.claimed_by = $run_id`;

export const CREATE_OUTCOMES = `
CREATE TEMP TABLE IF NOT EXISTS billing_outcomes (record_id VARCHAR, payment_id VARCHAR, gateway_order_id VARCHAR,
  gateway_payment_id VARCHAR, status VARCHAR, fee BIGINT, tax BIGINT, error_code VARCHAR, error_reason VARCHAR,
  error_description VARCHAR, decline_code VARCHAR, hard BOOLEAN)`;
export const CLEAR_OUTCOMES = 'TRUNCATE billing_outcomes';
export const ANALYZE_OUTCOMES = 'ANALYZE billing_outcomes';
/** The gateway order id of each outcome's order, through orders' `setGatewayOrders` (set once). */
export const STORE_GATEWAY_ORDERS = setGatewayOrdersSql(`
SELECT r.order_id, o.gateway_order_id, $now::timestamptz AS at
FROM billing_outcomes o JOIN billing_records r ON r.id = o.record_id`);
/**
 * The gateway's answer on the local payment, through payments' `storePaymentOutcomes`; one a webhook or the resolver
 * already settled is left alone.
 */
export const STORE_PAYMENTS = storePaymentOutcomesSql(`
SELECT o.payment_id, o.status, o.gateway_payment_id, o.fee, o.tax, o.error_code, o.error_reason, o.error_description,
       $now::timestamptz AS at
FROM billing_outcomes o`);
/** Each outcome's order follows its payment as stored (paid when captured, else attempted), through `advanceOrders`. */
export const STORE_ORDER_STATUS = advanceOrdersSql(`
SELECT r.order_id, CASE WHEN p.status = 'captured' THEN 'paid' ELSE 'attempted' END AS status, $now::timestamptz AS at
FROM billing_outcomes o JOIN billing_records r ON r.id = o.record_id JOIN payments p ON p.id = o.payment_id`);
/** The record takes its payment's state; only the run that holds the claim may settle it. */
export const SETTLE_CLAIMED = `
UPDATE billing_records SET status = CASE o.status WHEN 'captured' THEN 'paid' WHEN 'failed' THEN 'failed' ELSE 'unknown' END,
  payment_id = (SELECT p.id FROM payments p WHERE p.id = o.payment_id), decline_code = o.decline_code, claimed_by = NULL, claim_expires_at = NULL, updated_at = $now
FROM billing_outcomes o
WHERE billing_records.id = o.record_id AND billing_records.status = 'charging' AND billing_records.claimed_by = $run_id
RETURNING billing_records.id`;

/**
 * The capture entry of every captured billing payment of the records `$ids` not yet posted, from the same
 * templates the API path evaluates per payment (ledger/journal-rules.ts), posted set-wise by the ledger.
 * (kind, ref_id) is unique: a payment a webhook already posted is skipped, so nothing is posted twice.
 * The payments are taken by key (the chunk's keys first, as one array): joined to the records instead, with
 * statistics from before the run captured anything, the planner started from every captured payment.
 */
export const POST_CAPTURES = postEntriesSql({
  kind: 'capture',
  refType: 'payment',
  templates: POSTING_RULES.capture,
  source: `
SELECT 'je_capture_' || p.id AS entry_id, p.id AS ref_id, p.currency, 'capture ' || p.gateway_payment_id AS memo,
       $now::timestamptz AS created_at, p.school_id, p.captured_minor AS amount, coalesce(p.fee_minor, 0) AS fee,
       coalesce(p.tax_minor, 0) AS tax
FROM payments p
WHERE p.id = ANY(ARRAY(SELECT r.idempotency_key FROM billing_records r WHERE r.id = ANY($ids::text[])))
  AND p.status = 'captured'`,
  onDuplicate: 'skip',
});

/** Settled records of a set, with what their follow-up needs (invoice payment, dunning, subscription status). */
export const SETTLED_RECORDS = `
SELECT r.id, r.subscription_id, r.customer_id, r.amount_minor, r.currency, r.invoice_id, r.payment_id, r.status,
       r.decline_code, p.error_reason, p.error_code, s.status AS subscription_status, i.status AS invoice_status
FROM billing_records r JOIN subscriptions s ON s.id = r.subscription_id LEFT JOIN payments p ON p.id = r.payment_id
LEFT JOIN invoices i ON i.id = r.invoice_id
WHERE r.id = ANY($ids::text[])`;

/** Subscriptions of the chunk whose current period's record is settled: their period may advance. */
export const READY_TO_ADVANCE = `
SELECT s.id, s.status, s.period_index, s.billing_anchor, s.interval_unit, s.interval_count, s.current_period_end,
       s.cancel_at_period_end, r.id AS record_id
FROM subscriptions s JOIN billing_records r ON r.subscription_id = s.id AND r.period_index = s.period_index
WHERE s.id = ANY($ids::text[]) AND s.collection = 'kosh' AND s.status IN ('active', 'trialing', 'pending')
  AND s.current_period_end <= $now AND r.status IN ('paid', 'failed', 'unknown', 'skipped')`;
/** Dunning's final `mark_unpaid`: the record it gave up on, guarded on `failed`. */
export const MARK_RECORD_UNCOLLECTIBLE = `
UPDATE billing_records SET status = 'uncollectible', updated_at = $at WHERE id = $id AND status = 'failed'`;

/** Records the resolver has since settled: their payment is captured or failed while the record says unknown. */
export const RESOLVED_UNKNOWN = `
UPDATE billing_records SET status = CASE p.status WHEN 'captured' THEN 'paid' ELSE 'failed' END,
  decline_code = CASE WHEN p.status = 'failed' THEN coalesce(p.error_reason, p.error_code) END, updated_at = $now
FROM payments p
WHERE p.id = billing_records.payment_id AND billing_records.status = 'unknown' AND p.status IN ('captured', 'failed')
  AND ${onTestClock('billing_records.customer_id')}
RETURNING billing_records.id`;

/**
 * Mandate subscriptions whose period ends soon and whose pre-debit notice is not yet out. Scoped with
 * `customerOnTestClock`: under `onTestClock`'s rows=1 estimate this ran past the statement timeout at 30,000.
 */
export const UPCOMING_MANDATE_DEBITS = `
SELECT s.id, s.customer_id, s.period_index, s.current_period_end, s.currency, s.trial_end, s.unit_amount_minor,
       s.quantity, s.setup_fee_minor, s.gst_rate_bp, pm.id AS payment_method_id, pm.mandate_type, c.email,
       coalesce((SELECT sum(ch.amount_minor) FROM subscription_charges ch
                 WHERE ch.subscription_id = s.id AND ch.status = 'pending'), 0)::BIGINT AS pending_total
FROM subscriptions s
JOIN payment_methods pm ON pm.id = coalesce(
  (SELECT own.id FROM payment_methods own WHERE own.id = s.payment_method_id AND own.deleted_at IS NULL),
  (SELECT min(d.id) FROM payment_methods d WHERE d.customer_id = s.customer_id AND d.is_default AND d.deleted_at IS NULL))
JOIN customers c ON c.id = s.customer_id
WHERE s.collection = 'kosh' AND s.status IN ('active', 'trialing', 'pending') AND pm.mandate_type IS NOT NULL
  AND s.current_period_end <= $horizon AND ${customerOnTestClock('s.customer_id')}
  AND NOT EXISTS (SELECT 1 FROM pre_debit_notifications n WHERE n.source_type = 'subscription_period'
                  AND n.source_id = s.id || ':' || s.period_index AND n.payment_method_id = pm.id)`;

/**
 * Cancelled subscriptions whose pending charges net to a credit (an in-advance period cancelled now), with the
 * billed period's record, its invoice and payment: the credit goes on a credit note against that invoice.
 */
export const CANCEL_CREDITS_DUE = `
SELECT s.id AS subscription_id, s.period_index, r.id AS record_id, r.invoice_id, r.payment_id, i.status AS invoice_status
FROM subscriptions s
JOIN billing_records r ON r.subscription_id = s.id AND r.period_index = s.period_index
JOIN invoices i ON i.id = r.invoice_id
WHERE s.collection = 'kosh' AND s.status = 'cancelled'
  AND (SELECT sum(c.amount_minor) FROM subscription_charges c
       WHERE c.subscription_id = s.id AND c.status = 'pending' AND c.bill_on = 'next_invoice') < 0
  AND ${onTestClock('s.customer_id')}
ORDER BY s.id LIMIT $limit`;
export const PENDING_CHARGES_OF = `
SELECT id, description, amount_minor, tax_category, gst_rate_bp FROM subscription_charges
WHERE subscription_id = $id AND status = 'pending' AND bill_on = 'next_invoice' ORDER BY created_at, id`;
/** The credit note an earlier attempt issued for the same cancellation (the memo names it). */
export const CREDIT_NOTE_BY_MEMO = `
SELECT id, total_minor FROM invoices WHERE original_invoice_id = $invoice_id AND kind = 'credit_note' AND memo = $memo`;
/**
 * The always_invoice change invoices of one period of a subscription, oldest first, with the payment that paid each
 * (a read: the invoices module writes them). A change belongs to the period its charges were made in.
 */
export const CHANGE_INVOICES_OF_PERIOD = `
SELECT i.id AS invoice_id, i.status, (SELECT min(ip.payment_id) FROM invoice_payments ip WHERE ip.invoice_id = i.id) AS payment_id
FROM invoices i
WHERE i.kind = 'invoice' AND i.source = 'subscription_change' AND i.subscription_id = $subscription_id
  AND EXISTS (SELECT 1 FROM subscription_charges c
              WHERE c.change_id = i.source_ref AND c.subscription_id = $subscription_id AND c.period_index = $period_index)
ORDER BY i.created_at, i.id`;
/**
 * What each of some invoices still asks for (total less paid and credited), and whether an open dunning case is
 * collecting it (reads: the invoices and dunning modules write them).
 */
export const STILL_OWED = `
SELECT i.id, i.total_minor - i.amount_paid_minor - i.amount_credited_minor AS owed_minor,
       EXISTS (SELECT 1 FROM dunning_cases d WHERE d.invoice_id = i.id AND d.status = 'open') AS in_dunning
FROM invoices i WHERE i.id = ANY($ids::text[])`;
/** What an earlier attempt already credited on one invoice under `memo`, per GST treatment. */
export const CREDITED_BY_MEMO = `
SELECT l.tax_category, l.gst_rate_bp, sum(l.amount_minor)::bigint AS amount_minor
FROM invoices n JOIN invoice_lines l ON l.invoice_id = n.id
WHERE n.original_invoice_id = $invoice_id AND n.kind = 'credit_note' AND n.memo = $memo
GROUP BY l.tax_category, l.gst_rate_bp`;
export const REFUND_OF_CREDIT = 'SELECT id FROM refunds WHERE payment_id = $payment_id AND reason = $reason';
export const REFUNDABLE = `
SELECT captured_minor - refunded_minor AS refundable FROM payments WHERE id = $id AND status = 'captured'`;

/**
 * The record of a period a Razorpay Subscription charged: the same key, order and payment ids as a kosh-collected
 * period (`bil_<sub>_<n>`), its plan line at the subscription's current terms, created `pending` for its invoice
 * and settled by the caller at once. UNIQUE (subscription_id, period_index): a second event inserts nothing.
 */
export const INSERT_GATEWAY_RECORD = `
INSERT INTO billing_records (id, subscription_id, customer_id, school_id, period_index, period_start, period_end,
  plan_amount_minor, setup_fee_minor, charges_minor, amount_minor, currency, invoice_id, order_id, payment_method_id,
  mandate_type, idempotency_key, status, payment_id, decline_code, attempts, not_before, claimed_by, claim_expires_at,
  run_id, created_at, updated_at)
SELECT 'bil_' || s.id || '_' || $period_index::int, s.id, s.customer_id, s.school_id, $period_index::int,
       $period_start::timestamptz, $period_end::timestamptz, s.unit_amount_minor * s.quantity, 0, 0, 0, s.currency,
       NULL, 'ord_bil_' || s.id || '_' || $period_index::int, NULL, NULL,
       'bill_bil_' || s.id || '_' || $period_index::int || '_0', 'pending', NULL, NULL, 0, NULL, NULL, NULL, NULL,
       $now::timestamptz, $now::timestamptz
FROM subscriptions s WHERE s.id = $subscription_id AND s.collection = 'razorpay'
ON CONFLICT DO NOTHING
RETURNING id`;
/** The order of one gateway-charged record takes the gateway's order id (Razorpay made the order for its invoice). */
export const STORE_GATEWAY_ORDER = setGatewayOrdersSql(`
SELECT r.order_id, CAST($gateway_order_id AS VARCHAR) AS gateway_order_id, $now::timestamptz AS at
FROM billing_records r WHERE r.id = $id`);
/** A gateway-charged record is paid by its payment; guarded on `pending`, so a replay changes nothing. */
export const MARK_GATEWAY_RECORD_PAID = `
UPDATE billing_records SET status = 'paid', payment_id = $payment_id, attempts = attempts + 1, updated_at = $now
WHERE id = $id AND status = 'pending'
RETURNING id`;

/**
 * Payment links (migration 035). A record gets one link, stored only while the record still waits for the parent
 * (`status = 'failed'`) and has none (`payment_link_id IS NULL`); the partial unique index on the link id refuses a
 * second record taking the same link.
 */
export const RECORD_FOR_LINK = `
SELECT b.id, b.status, b.amount_minor AS amount, b.currency, b.period_start, b.period_end, b.payment_link_id,
       b.payment_link_url, b.payment_link_status, cu.name, cu.email, cu.phone, p.name AS plan_name
FROM billing_records b JOIN customers cu ON cu.id = b.customer_id JOIN subscriptions s ON s.id = b.subscription_id
LEFT JOIN subscription_plans p ON p.id = s.plan_id
WHERE b.id = $id`;
export const STORE_PAYMENT_LINK = `
UPDATE billing_records SET payment_link_id = $link_id, payment_link_url = $url, payment_link_status = $status,
  updated_at = $now
WHERE id = $id AND payment_link_id IS NULL AND status = 'failed'`;
/** The record a link pays: by the stored link id, or by its reference id when kosh crashed before storing it. */
export const RECORD_OF_LINK = `${RECORD_COLUMNS}
WHERE t.payment_link_id = $link_id OR (t.id = $reference_id AND t.payment_link_id IS NULL)`;
export const LOCK_RECORD = 'SELECT id FROM billing_records WHERE id = $id FOR UPDATE';
/** Guard: only a record still waiting for the parent becomes paid by its link. */
export const MARK_LINK_PAID = `
UPDATE billing_records SET status = 'paid', payment_id = $payment_id, payment_link_id = $link_id,
  payment_link_url = coalesce(payment_link_url, ''), payment_link_status = 'paid', updated_at = $now
WHERE id = $id AND status = 'failed'`;
/** A link's status moves on, never back from paid. */
export const SET_LINK_STATUS = `
UPDATE billing_records SET payment_link_status = $status, updated_at = $now
WHERE payment_link_id = $link_id AND payment_link_status IS DISTINCT FROM $status AND payment_link_status <> 'paid'`;
/** Links still payable whose record no longer waits for the parent. */
export const SETTLED_LINKS = `
SELECT b.payment_link_id FROM billing_records b
WHERE b.payment_link_status IN ('created', 'partially_paid') AND b.status <> 'failed'
  AND ${onTestClock('b.customer_id')}
ORDER BY b.id`;

/**
 * What a change billed now needs of its subscription: who pays, what the plan supplies, and the method to charge
 * (the subscription's own if still saved, else the customer's default).
 */
export const CHANGE_PAYER = `
SELECT s.customer_id, s.school_id, p.hsn_sac, p.uqc, pm.id AS method_id, pm.mandate_type
FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id
LEFT JOIN payment_methods pm ON pm.id = coalesce(
  (SELECT own.id FROM payment_methods own WHERE own.id = s.payment_method_id AND own.deleted_at IS NULL),
  (SELECT min(d.id) FROM payment_methods d WHERE d.customer_id = s.customer_id AND d.is_default AND d.deleted_at IS NULL))
WHERE s.id = $id`;
export const CHANGE_INVOICE = 'SELECT status, total_minor FROM invoices WHERE id = $id';
/** A change's invoice as a dunning retry charges it: its change (the ref), subscription, status, and a payment on it. */
export const CHANGE_INVOICE_TO_CHARGE = `
SELECT i.source_ref AS change_id, i.subscription_id, i.status, i.total_minor,
       i.total_minor - i.amount_paid_minor - i.amount_credited_minor AS owed_minor,
       (SELECT min(ip.payment_id) FROM invoice_payments ip WHERE ip.invoice_id = i.id) AS paid_by
FROM invoices i WHERE i.id = $id AND i.source = 'subscription_change'`;
/** The order of a change billed now (`ord_<change id>`), for its invoice's total, through orders' `createOrders`. */
/**
 * The charge attempts on a change's order, newest first: which key the next pass uses (a read; the payments module
 * writes them).
 */
export const CHANGE_CHARGE_ATTEMPTS = `
SELECT id, status, error_code FROM payments WHERE order_id = $order_id ORDER BY created_at DESC, id DESC`;
export const INSERT_CHANGE_ORDER = insertOrdersSql(`
SELECT CAST($id AS VARCHAR) AS id, i.customer_id, i.school_id, i.total_minor AS amount_minor, i.currency,
       CAST($description AS VARCHAR) AS description, $now::timestamptz AS at
FROM invoices i WHERE i.id = $invoice_id`);
/** The billing record and invoice of the period a change fell in: where its credit note goes. */
export const PERIOD_OF_CHANGE = `
SELECT r.id AS record_id, r.invoice_id, r.payment_id, i.status
FROM billing_records r JOIN invoices i ON i.id = r.invoice_id
WHERE r.subscription_id = $subscription_id AND r.period_index = $period_index`;
