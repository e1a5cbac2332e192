import { onTestClock } from '../customers/repository.js';

/**
 * Concurrency: one case per failed renewal (`case_key` unique, `ON CONFLICT DO NOTHING`) and one row per (case, step);
 * a step is claimed under the case's row lock (`LOCK_CASE`, then `CLAIM_STEP`'s stale-claim guard), and a case's
 * status moves only from `open` (`WHERE status = 'open'`).
 */
/** The record's payment link while the parent can still pay it (billing_records.payment_link_*, migration 035). */
const PAY_URL = `CASE WHEN b.status = 'failed' AND b.payment_link_status IN ('created', 'partially_paid')
  THEN b.payment_link_url END`;

/** The method kosh would charge for subscription `s`: its own, while live, else the customer's live default. */
const CHARGE_METHOD = `coalesce(
  (SELECT pm.id FROM payment_methods pm WHERE pm.id = s.payment_method_id AND pm.deleted_at IS NULL),
  (SELECT min(pm.id) FROM payment_methods pm WHERE pm.customer_id = s.customer_id AND pm.is_default AND pm.deleted_at IS NULL))`;

export const CASE_COLUMNS = `
SELECT 'dunning_case' AS object, t.id, t.collection, t.subscription_id, t.billing_record_id, t.invoice_id, t.customer_id,
       t.amount_minor AS amount, t.currency, t.status, t.decline_code, t.decline_category, t.last_decline_code,
       coalesce(t.status = 'open' AND t.collection = 'kosh'
         AND (coalesce(own.id, dflt.id) IS NULL OR t.declined_method_id = coalesce(own.id, dflt.id)), false)
         AS awaiting_method,
       t.failed_at, CASE WHEN t.status = 'open' THEN nx.at END AS next_step_at,
       t.final_action, t.recovered_amount_minor AS recovered_amount, t.recovered_at, t.recovered_step,
       t.recovered_payment_id, t.closed_at, t.close_reason, t.created_at, t.updated_at
FROM dunning_cases t JOIN subscriptions s ON s.id = t.subscription_id
LEFT JOIN payment_methods own ON own.id = s.payment_method_id AND own.deleted_at IS NULL
LEFT JOIN (SELECT customer_id, min(id) AS id FROM payment_methods WHERE is_default AND deleted_at IS NULL
           GROUP BY customer_id) dflt ON dflt.customer_id = t.customer_id
LEFT JOIN (SELECT case_id, min(planned_at) AS at FROM dunning_steps WHERE done_at IS NULL GROUP BY case_id) nx
  ON nx.case_id = t.id`;
export const CASE_BY_ID = `${CASE_COLUMNS} WHERE t.id = $id`;

export const STEP_COLUMNS = `
SELECT 'dunning_step' AS object, step, kind, planned_at, done_at, outcome, payment_method_id, payment_id, decline_code,
       email_id
FROM dunning_steps`;
export const STEPS_OF_CASE = `${STEP_COLUMNS} WHERE case_id = $case_id ORDER BY planned_at, step`;

export const CASE_ID_BY_KEY = `SELECT id FROM dunning_cases WHERE case_key = $case_key`;
export const INSERT_CASE = `
INSERT INTO dunning_cases (id, case_key, collection, subscription_id, billing_record_id, invoice_id, customer_id,
  amount_minor, currency, status, decline_code, decline_category, last_decline_code, declined_method_id, failed_at,
  created_at, updated_at)
VALUES ($id, $case_key, $collection, $subscription_id, $billing_record_id, $invoice_id, $customer_id, $amount, $currency,
  'open',
  $decline_code, $decline_category, $decline_code, $declined_method_id, $failed_at, $at, $at)
ON CONFLICT (case_key) DO NOTHING`;

export const INSERT_STEP = `
INSERT INTO dunning_steps (case_id, step, kind, planned_at, started_at, done_at, outcome, payment_method_id,
  payment_id, decline_code, email_id)
VALUES ($case_id, $step, $kind, $planned_at, $done_at, $done_at, $outcome, $payment_method_id, $payment_id,
  $decline_code, NULL)
ON CONFLICT (case_id, step) DO NOTHING`;

/** The schedule of every open kosh case not yet planned, set-wise: one row per (case, day). */
export const PLAN_STEPS = `
INSERT INTO dunning_steps (case_id, step, kind, planned_at)
SELECT c.id, d.step::INTEGER, 'scheduled', c.failed_at + make_interval(days => d.day)
FROM dunning_cases c, unnest($days::INTEGER[]) WITH ORDINALITY AS d(day, step)
WHERE c.status = 'open' AND c.collection = 'kosh' AND c.planned_at IS NULL AND ${onTestClock('c.customer_id')}
ON CONFLICT (case_id, step) DO NOTHING`;
/** The contexts (see STEP_CONTEXT) of every open kosh case not yet planned, set-wise, with the first step's time. */
export const UNPLANNED_CASES = `
SELECT c.id, c.status, c.subscription_id, c.billing_record_id, c.customer_id, c.amount_minor AS amount, c.currency,
       c.declined_method_id, c.last_decline_code, c.failed_at, s.status AS subscription_status, s.plan_id,
       coalesce(own.id, dflt.id) AS method_id, CASE WHEN own.id IS NULL THEN dflt.mandate_type ELSE own.mandate_type END
         AS mandate_type,
       b.status AS record_status, cu.email, cu.name, p.name AS plan_name, ${PAY_URL} AS pay_url
FROM dunning_cases c JOIN subscriptions s ON s.id = c.subscription_id
JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN payment_methods own ON own.id = s.payment_method_id AND own.deleted_at IS NULL
LEFT JOIN (SELECT customer_id, min(id) AS id, (array_agg(mandate_type ORDER BY id))[1] AS mandate_type FROM payment_methods
           WHERE is_default AND deleted_at IS NULL GROUP BY customer_id) dflt ON dflt.customer_id = c.customer_id
LEFT JOIN subscription_plans p ON p.id = s.plan_id
LEFT JOIN billing_records b ON b.id = c.billing_record_id
WHERE c.status = 'open' AND c.collection = 'kosh' AND c.planned_at IS NULL AND ${onTestClock('c.customer_id')}
ORDER BY c.failed_at, c.id`;
export const MARK_PLANNED = `
UPDATE dunning_cases SET planned_at = $at, updated_at = $at
WHERE status = 'open' AND collection = 'kosh' AND planned_at IS NULL AND ${onTestClock('dunning_cases.customer_id')}`;

/**
 * Open kosh cases whose renewal was settled elsewhere (the record paid by a resolver or a late webhook), or
 * whose subscription ended some other way.
 */
export const SETTLED_ELSEWHERE = `
SELECT c.id, b.status AS record_status, b.payment_id, b.updated_at AS record_updated_at, s.status AS subscription_status
FROM dunning_cases c JOIN subscriptions s ON s.id = c.subscription_id
LEFT JOIN billing_records b ON b.id = c.billing_record_id
WHERE c.status = 'open' AND c.collection = 'kosh' AND ${onTestClock('c.customer_id')}
  AND (b.status = 'paid' OR s.status IN ('cancelled', 'completed', 'expired'))`;

/**
 * The earliest due step of each open kosh case (one attempt per case per run), not claimed, or claimed so long
 * ago that its run died; a case with a step in flight (a live claim) is left to that run. After the job was down,
 * overdue steps do not fire back to back: a step waits MIN_STEP_GAP_MS after the case's last attempt, except the
 * retry the parent asked for by choosing a new method.
 */
export const DUE_STEPS = `
SELECT case_id, step, kind, planned_at FROM (
  SELECT DISTINCT ON (d.case_id) d.case_id, d.step, d.kind, d.planned_at
  FROM dunning_steps d JOIN dunning_cases c ON c.id = d.case_id
  WHERE c.status = 'open' AND c.collection = 'kosh' AND d.done_at IS NULL AND d.planned_at <= $now
    AND ${onTestClock('c.customer_id')}
    AND (d.started_at IS NULL OR d.started_at < $stale_before)
    AND NOT EXISTS (SELECT 1 FROM dunning_steps o WHERE o.case_id = d.case_id AND o.done_at IS NULL
                    AND o.started_at >= $stale_before)
    AND (d.kind = 'method_updated'
         OR NOT EXISTS (SELECT 1 FROM dunning_steps o WHERE o.case_id = d.case_id AND o.step > 0
                        AND o.outcome IS DISTINCT FROM 'skipped' AND o.done_at > $gap_since))
  ORDER BY d.case_id, d.planned_at, d.step
) earliest
ORDER BY planned_at, case_id
LIMIT $limit`;

/**
 * Claims of one case queue on its row (taken first, in its own statement, so CLAIM_STEP's check sees the claim a
 * concurrent run has just committed).
 */
export const LOCK_CASE = `SELECT id FROM dunning_cases WHERE id = $case_id FOR UPDATE`;
/** One step of a case in flight at a time: a case with a live claim on another step is not claimed again. */
export const CLAIM_STEP = `
UPDATE dunning_steps SET started_at = $now
WHERE case_id = $case_id AND step = $step AND done_at IS NULL AND (started_at IS NULL OR started_at < $stale_before)
  AND NOT EXISTS (SELECT 1 FROM dunning_steps o WHERE o.case_id = $case_id AND o.step <> $step AND o.done_at IS NULL
                  AND o.started_at >= $stale_before)`;
export const RELEASE_STEP = `
UPDATE dunning_steps SET started_at = NULL, planned_at = $planned_at WHERE case_id = $case_id AND step = $step AND done_at IS NULL`;
export const FINISH_STEP = `
UPDATE dunning_steps SET done_at = $at, outcome = $outcome, payment_method_id = $payment_method_id,
  payment_id = $payment_id, decline_code = $decline_code
WHERE case_id = $case_id AND step = $step AND done_at IS NULL`;
export const SET_STEP_EMAIL = `UPDATE dunning_steps SET email_id = $email_id WHERE case_id = $case_id AND step = $step`;
export const SET_STEP_EMAILS = `
UPDATE dunning_steps SET email_id = e.email_id
FROM unnest($case_ids::text[], $steps::integer[], $email_ids::text[]) AS e(case_id, step, email_id)
WHERE dunning_steps.case_id = e.case_id AND dunning_steps.step = e.step`;
/** Steps not yet run are dropped from the plan when the case closes. */
export const SKIP_OPEN_STEPS = `
UPDATE dunning_steps SET done_at = $at, outcome = 'skipped' WHERE case_id = $case_id AND done_at IS NULL`;

/**
 * What a step needs to decide: the case, its subscription and record, the customer, and the subscription's own
 * method while it is live (point lookups only: correlated subqueries here cost tens of ms per case).
 */
export const STEP_CONTEXT = `
SELECT c.id, c.status, c.subscription_id, c.billing_record_id, c.invoice_id, c.customer_id, c.amount_minor AS amount, c.currency,
       c.declined_method_id, c.last_decline_code, c.failed_at, s.status AS subscription_status, s.plan_id,
       own.id AS method_id, own.mandate_type, b.status AS record_status, cu.email, cu.name, p.name AS plan_name,
       ${PAY_URL} AS pay_url
FROM dunning_cases c JOIN subscriptions s ON s.id = c.subscription_id
JOIN customers cu ON cu.id = c.customer_id
LEFT JOIN payment_methods own ON own.id = s.payment_method_id AND own.deleted_at IS NULL
LEFT JOIN subscription_plans p ON p.id = s.plan_id
LEFT JOIN billing_records b ON b.id = c.billing_record_id
WHERE c.id = $id`;
/** The customer's live default method: what kosh charges when the subscription's own is gone. */
export const DEFAULT_METHOD = `
SELECT id AS method_id, mandate_type FROM payment_methods
WHERE customer_id = $customer_id AND is_default AND deleted_at IS NULL ORDER BY id LIMIT 1`;

export const DECLINED = `
UPDATE dunning_cases SET last_decline_code = $decline_code,
  declined_method_id = CASE WHEN $hard THEN $method_id ELSE declined_method_id END, updated_at = $at
WHERE id = $id AND status = 'open'`;
/** The one status write: only from open, so a closed case never moves again. */
export const RECOVER_CASE = `
UPDATE dunning_cases SET status = 'recovered', recovered_amount_minor = $amount, recovered_at = $at,
  recovered_step = $step, recovered_payment_id = $payment_id, closed_at = $at, close_reason = $reason, updated_at = $at
WHERE id = $id AND status = 'open'`;
export const EXHAUST_CASE = `
UPDATE dunning_cases SET status = 'exhausted', final_action = $final_action, closed_at = $at, close_reason = $reason,
  updated_at = $at
WHERE id = $id AND status = 'open'`;
export const CANCEL_CASE = `
UPDATE dunning_cases SET status = 'cancelled', closed_at = $at, close_reason = $reason, updated_at = $at
WHERE id = $id AND status = 'open'`;

export const OPEN_CASE_OF_RECORD = `
SELECT id FROM dunning_cases WHERE billing_record_id = $billing_record_id AND status = 'open' FOR UPDATE`;
/**
 * Open kosh cases whose renewal kosh may not debit off-session (above ₹15,000: `authentication_required`) or whose
 * method declined hard, and whose record has no payment link yet: the parent is offered one.
 */
export const CASES_NEEDING_LINK = `
SELECT c.billing_record_id FROM dunning_cases c JOIN billing_records b ON b.id = c.billing_record_id
WHERE c.status = 'open' AND c.collection = 'kosh' AND b.status = 'failed' AND b.payment_link_id IS NULL
  AND (c.decline_category = 'hard' OR c.declined_method_id IS NOT NULL
       OR 'authentication_required' IN (c.decline_code, c.last_decline_code))
  AND ${onTestClock('c.customer_id')}
ORDER BY c.failed_at, c.id`;
export const OPEN_CASE_OF_SUBSCRIPTION = `
SELECT id FROM dunning_cases WHERE subscription_id = $subscription_id AND status = 'open' ORDER BY created_at DESC LIMIT 1`;
export const CASE_COUNT_OF_SUBSCRIPTION = `
SELECT count(*)::BIGINT AS n FROM dunning_cases WHERE subscription_id = $subscription_id`;
export const NEXT_STEP_NUMBER = `
SELECT coalesce(max(step), -1)::BIGINT + 1 AS n FROM dunning_steps WHERE case_id = $case_id`;

/** The links of a batch of emails, one row per list position. */
export const INSERT_LINKS = `
INSERT INTO dunning_links (id, token_hash, purpose, case_id, step, customer_id, subscription_id, expires_at, created_at)
SELECT l.id, l.token_hash, 'update_payment_method', l.case_id, l.step, l.customer_id, l.subscription_id,
       $expires_at::timestamptz, $at::timestamptz
FROM unnest($ids::text[], $hashes::text[], $case_ids::text[], $steps::integer[], $customer_ids::text[],
            $subscription_ids::text[]) AS l(id, token_hash, case_id, step, customer_id, subscription_id)`;
export const LINK_BY_HASH = `
SELECT l.id, l.purpose, l.case_id, l.customer_id, l.subscription_id, l.expires_at, l.used_at, c.status AS case_status,
       c.amount_minor AS amount, c.currency, c.last_decline_code, cu.name AS customer_name,
       p.name AS plan_name, s.payment_method_id, ${PAY_URL} AS pay_url
FROM dunning_links l JOIN dunning_cases c ON c.id = l.case_id
JOIN customers cu ON cu.id = l.customer_id
JOIN subscriptions s ON s.id = l.subscription_id
LEFT JOIN subscription_plans p ON p.id = s.plan_id
LEFT JOIN billing_records b ON b.id = c.billing_record_id
WHERE l.token_hash = $token_hash`;
/** Takes the link's row lock: an If-Match check and the link's use are one step. */
export const LOCK_LINK = 'SELECT id FROM dunning_links WHERE id = $id FOR UPDATE';
export const USE_LINK = `UPDATE dunning_links SET used_at = $at WHERE id = $id AND used_at IS NULL`;
export const LIVE_METHODS_OF_CUSTOMER = `
SELECT id, type, card_network, card_last4, card_exp_month, card_exp_year, upi_vpa_masked, bank, wallet, is_default
FROM payment_methods WHERE customer_id = $customer_id AND deleted_at IS NULL ORDER BY created_at, id`;
export const CLEAR_DECLINED_METHOD = `
UPDATE dunning_cases SET declined_method_id = NULL, updated_at = $at WHERE id = $id AND status = 'open'`;

/**
 * Open kosh cases whose plan has run out without a recovery: the final action is due. A renewal whose outcome
 * is still unknown (or being charged) waits for the resolver instead.
 */
export const CASES_OUT_OF_STEPS = `
SELECT c.id FROM dunning_cases c LEFT JOIN billing_records b ON b.id = c.billing_record_id
WHERE c.status = 'open' AND c.collection = 'kosh' AND c.planned_at IS NOT NULL AND ${onTestClock('c.customer_id')}
  AND NOT EXISTS (SELECT 1 FROM dunning_steps d WHERE d.case_id = c.id AND d.done_at IS NULL)
  AND coalesce(b.status, 'failed') NOT IN ('unknown', 'charging', 'pending')
ORDER BY c.failed_at, c.id`;

/** The next step's time, and how many steps are left (1: the next is the last before the final action). */
export const NEXT_OPEN_STEP_AT = `
SELECT min(planned_at) AS at, count(*)::int AS open_steps FROM dunning_steps WHERE case_id = $case_id AND done_at IS NULL`;

/** Undone steps of open kosh cases planned before the horizon whose method to charge is a mandate. */
export const MANDATE_STEPS_AHEAD = `
SELECT d.case_id, d.step, d.planned_at, c.customer_id, c.amount_minor AS amount, c.currency, m.id AS method_id,
       m.mandate_type
FROM dunning_steps d JOIN dunning_cases c ON c.id = d.case_id JOIN subscriptions s ON s.id = c.subscription_id
JOIN payment_methods m ON m.id = ${CHARGE_METHOD}
WHERE c.status = 'open' AND c.collection = 'kosh' AND d.done_at IS NULL AND d.started_at IS NULL
  AND d.planned_at <= $horizon AND m.mandate_type IS NOT NULL AND ${onTestClock('c.customer_id')}
  AND m.id IS DISTINCT FROM c.declined_method_id
ORDER BY d.planned_at, d.case_id`;

/** Analytics over the cases opened (failed_at) in [$from, $to). */
const WINDOW = 'c.failed_at >= $from AND c.failed_at < $to';
export const ANALYTICS_SUMMARY = `
SELECT count(*)::BIGINT AS opened,
       count(*) FILTER (WHERE c.status = 'recovered')::BIGINT AS recovered,
       count(*) FILTER (WHERE c.status = 'exhausted')::BIGINT AS exhausted,
       count(*) FILTER (WHERE c.status = 'cancelled')::BIGINT AS cancelled,
       count(*) FILTER (WHERE c.status = 'open')::BIGINT AS still_open,
       coalesce(sum(c.amount_minor), 0)::BIGINT AS at_risk,
       coalesce(sum(c.recovered_amount_minor) FILTER (WHERE c.status = 'recovered'), 0)::BIGINT AS recovered_revenue
FROM dunning_cases c WHERE ${WINDOW}`;
export const ANALYTICS_BY_STEP = `
SELECT c.recovered_step AS step, coalesce(d.kind, 'outside_steps') AS kind, count(*)::BIGINT AS recovered,
       coalesce(sum(c.recovered_amount_minor), 0)::BIGINT AS recovered_revenue
FROM dunning_cases c LEFT JOIN dunning_steps d ON d.case_id = c.id AND d.step = c.recovered_step
WHERE ${WINDOW} AND c.status = 'recovered'
GROUP BY c.recovered_step, coalesce(d.kind, 'outside_steps') ORDER BY step NULLS LAST, kind`;
export const ANALYTICS_BY_CATEGORY = `
SELECT c.decline_category AS category, count(*)::BIGINT AS opened,
       count(*) FILTER (WHERE c.status = 'recovered')::BIGINT AS recovered,
       coalesce(sum(c.recovered_amount_minor) FILTER (WHERE c.status = 'recovered'), 0)::BIGINT AS recovered_revenue
FROM dunning_cases c WHERE ${WINDOW}
GROUP BY c.decline_category ORDER BY category`;
export const ANALYTICS_BY_CODE = `
SELECT coalesce(c.decline_code, 'unknown') AS decline_code, c.decline_category AS category, count(*)::BIGINT AS opened,
       count(*) FILTER (WHERE c.status = 'recovered')::BIGINT AS recovered,
       coalesce(sum(c.recovered_amount_minor) FILTER (WHERE c.status = 'recovered'), 0)::BIGINT AS recovered_revenue
FROM dunning_cases c WHERE ${WINDOW}
GROUP BY coalesce(c.decline_code, 'unknown'), c.decline_category ORDER BY opened DESC, decline_code, category`;
