/**
 * The test clocks' SQL (table test_clocks, owned here). Concurrency: one advance at a time per clock, by the
 * `WHERE status = 'ready'` guard of CLAIM_ADVANCE (its UPDATE takes the row lock, so a second advance waits for the
 * first claim to commit and then finds `advancing`); a deletion is guarded by the clock having no customers, and
 * the customers' foreign key refuses it too.
 */
export const CLOCK_COLUMNS = `
SELECT 'test_clock' AS object, t.id, t.name, t.frozen_time, t.status, t.advancing_to,
       (SELECT count(*) FROM customers c WHERE c.test_clock_id = t.id)::INTEGER AS customers, t.created_at
FROM test_clocks t`;
export const CLOCK_BY_ID = `${CLOCK_COLUMNS} WHERE t.id = $id`;
export const INSERT_CLOCK = `
INSERT INTO test_clocks (id, name, frozen_time, status, advancing_to, created_at, updated_at)
VALUES ($id, $name, $frozen_time, 'ready', NULL, $at, $at)`;
export const DELETE_CLOCK = `
DELETE FROM test_clocks t WHERE t.id = $id AND t.status = 'ready'
  AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.test_clock_id = t.id)`;

/**
 * Claims a clock for one advance: ready (or advancing, but its advance made no progress since `$stale_before`: the
 * process died) and before the new time.
 */
export const CLAIM_ADVANCE = `
UPDATE test_clocks SET status = 'advancing', advancing_to = $to, updated_at = $at
WHERE id = $id AND frozen_time < $to
  AND (status = 'ready' OR (status = 'advancing' AND updated_at < $stale_before))
RETURNING frozen_time`;
/** One step of an advance done: the clock's time moves up to it (only the claimed advance moves it). */
export const STEP_DONE = `
UPDATE test_clocks SET frozen_time = $step, updated_at = $at
WHERE id = $id AND status = 'advancing' AND advancing_to = $to AND frozen_time <= $step`;
export const FINISH_ADVANCE = `
UPDATE test_clocks SET status = 'ready', advancing_to = NULL, frozen_time = $to, updated_at = $at
WHERE id = $id AND status = 'advancing' AND advancing_to = $to`;

/** The frozen time of a customer's clock; no row when the customer is on the wall clock (or does not exist). */
export const CLOCK_TIME_OF_CUSTOMER = `
SELECT k.frozen_time FROM customers c JOIN test_clocks k ON k.id = c.test_clock_id WHERE c.id = $customer_id`;

/**
 * The next instant after `$after` at which something of the clock's customers falls due for a job: a period's
 * start (billed in advance) or end, a deferred billing record, a retry, a dunning step, an installment, a draft's
 * finalisation (created + `$finalize_delay_ms`), a queued email. Read-only over the owners' tables.
 */
export const NEXT_DUE_AT = `
WITH cus AS (SELECT id FROM customers WHERE test_clock_id = $id)
SELECT min(t) AS at FROM (
  SELECT CASE WHEN s.billing_timing = 'in_advance' AND s.current_period_start > $after THEN s.current_period_start
              ELSE s.current_period_end END AS t
  FROM subscriptions s WHERE s.customer_id IN (SELECT id FROM cus) AND s.collection = 'kosh'
    AND s.status IN ('active', 'trialing', 'pending')
  UNION ALL
  SELECT r.not_before FROM billing_records r WHERE r.customer_id IN (SELECT id FROM cus) AND r.status = 'pending'
  UNION ALL
  SELECT i.next_attempt_at FROM retry_items i WHERE i.customer_id IN (SELECT id FROM cus) AND i.state = 'scheduled'
  UNION ALL
  SELECT d.planned_at FROM dunning_steps d JOIN dunning_cases k ON k.id = d.case_id
  WHERE k.customer_id IN (SELECT id FROM cus) AND k.status = 'open' AND d.done_at IS NULL
  UNION ALL
  SELECT i.due_at FROM installments i JOIN installment_plans p ON p.id = i.plan_id
  WHERE p.customer_id IN (SELECT id FROM cus) AND i.status = 'scheduled'
  UNION ALL
  SELECT v.created_at + make_interval(secs => $finalize_delay_ms::BIGINT / 1000.0) FROM invoices v
  WHERE v.customer_id IN (SELECT id FROM cus) AND v.status = 'draft' AND v.auto_finalize
  UNION ALL
  SELECT greatest(e.send_at, e.next_attempt_at) FROM email_outbox e
  WHERE e.customer_id IN (SELECT id FROM cus) AND e.status = 'queued'
) due WHERE t > $after`;
/** An advance that failed part-way: the clock is ready again at the last step it completed. */
export const ABANDON_ADVANCE = `
UPDATE test_clocks SET status = 'ready', advancing_to = NULL, updated_at = $at
WHERE id = $id AND status = 'advancing' AND advancing_to = $to`;
/**
 * Whether a job of the round just run left work for a job earlier in the round, due at once: a dunning case not
 * yet planned, or a subscription cancelled with charges still pending (the used days to bill, the unused to credit).
 */
export const WORK_LEFT_NOW = `
WITH cus AS (SELECT id FROM customers WHERE test_clock_id = $id)
SELECT EXISTS (SELECT 1 FROM dunning_cases k WHERE k.customer_id IN (SELECT id FROM cus) AND k.status = 'open'
                 AND k.collection = 'kosh' AND k.planned_at IS NULL)
    OR EXISTS (SELECT 1 FROM subscriptions s JOIN subscription_charges c ON c.subscription_id = s.id
               WHERE s.customer_id IN (SELECT id FROM cus) AND s.collection = 'kosh' AND s.status = 'cancelled'
                 AND c.status = 'pending' AND c.bill_on = 'next_invoice') AS left`;

/** The frozen time of the test clock of a payment's customer (no row: the customer is on no clock). */
export const CLOCK_TIME_OF_PAYMENT = `
SELECT k.frozen_time FROM payments p JOIN customers c ON c.id = p.customer_id JOIN test_clocks k ON k.id = c.test_clock_id
WHERE p.id = $payment_id`;

export const CLOCK_TIME_OF_REFUND = `
SELECT k.frozen_time FROM refunds r JOIN payments p ON p.id = r.payment_id JOIN customers c ON c.id = p.customer_id
JOIN test_clocks k ON k.id = c.test_clock_id WHERE r.id = $refund_id`;
