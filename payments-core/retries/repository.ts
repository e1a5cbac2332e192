import { onTestClock } from '../customers/repository.js';

// Several processes write here at once: one failure enqueues once (`origin_key` unique, `ON CONFLICT DO NOTHING`);
// every state change is a `WHERE state = …` guard (an attempt also `AND attempts = n - 1`), so one writer wins.
export const RETRY_COLUMNS = `
SELECT 'retry' AS object, t.id, t.source_type, t.source_id, t.order_id, t.customer_id, t.payment_method_id,
       t.amount_minor AS amount, t.currency, t.state, t.attempts, t.max_attempts, t.next_attempt_at, t.last_payment_id,
       t.last_error_code, t.reason, t.created_at, t.updated_at
FROM retry_items t`;
export const RETRY_BY_ID = `${RETRY_COLUMNS} WHERE t.id = $id`;
export const RETRY_BY_ORIGIN = `${RETRY_COLUMNS} WHERE t.origin_key = $origin_key`;
export const INSERT_RETRY = `
INSERT INTO retry_items (id, source_type, source_id, origin_key, order_id, customer_id, payment_method_id, amount_minor,
  currency, state, attempts, max_attempts, next_attempt_at, last_payment_id, last_error_code, reason, created_at, updated_at)
VALUES ($id, $source_type, $source_id, $origin_key, $order_id, $customer_id, $payment_method_id, $amount, $currency,
  $state, 0, $max_attempts, $next_attempt_at, $last_payment_id, $last_error_code, $reason, $at, $at)
ON CONFLICT (origin_key) DO NOTHING`;
/** Due items first; `processing` items are revisited to read the outcome of their last attempt. */
export const DUE_RETRIES = `
${RETRY_COLUMNS} WHERE ((t.state = 'scheduled' AND t.next_attempt_at <= $now) OR t.state = 'processing')
  AND ${onTestClock('t.customer_id')}
ORDER BY t.next_attempt_at, t.id LIMIT $limit`;
export const SET_RETRY_STATE = `
UPDATE retry_items SET state = $state, next_attempt_at = $next_attempt_at, reason = $reason,
  last_error_code = coalesce($last_error_code, last_error_code), updated_at = $at
WHERE id = $id AND state = $from`;
export const START_RETRY_ATTEMPT = `
UPDATE retry_items SET state = 'processing', attempts = $attempt, last_payment_id = $payment_id, next_attempt_at = NULL,
  updated_at = $at
WHERE id = $id AND state = 'scheduled' AND attempts = $attempt - 1`;
export const INSERT_RETRY_ATTEMPT = `
INSERT INTO retry_attempts (retry_id, attempt, idempotency_key, payment_id, outcome, error_code, created_at)
VALUES ($retry_id, $attempt, $idempotency_key, $payment_id, NULL, NULL, $at)`;
export const SET_ATTEMPT_OUTCOME = `
UPDATE retry_attempts SET outcome = $outcome, error_code = $error_code WHERE retry_id = $retry_id AND attempt = $attempt`;
export const LIVE_RETRIES_FOR_SOURCE = `
SELECT id, state FROM retry_items WHERE source_type = $source_type AND source_id = $source_id
  AND state IN ('scheduled', 'processing', 'requires_authentication')`;
export const DEFAULT_METHOD = `
SELECT id, type, mandate_type FROM payment_methods
WHERE customer_id = $customer_id AND is_default AND deleted_at IS NULL LIMIT 1`;
export const NOTICE_FOR_DEBIT = `
SELECT id, sent_at FROM pre_debit_notifications
WHERE source_type = $source_type AND source_id = $source_id AND payment_method_id = $payment_method_id
  AND amount_minor >= $amount
ORDER BY sent_at LIMIT 1`;
export const INSERT_NOTICE = `
INSERT INTO pre_debit_notifications (id, customer_id, payment_method_id, source_type, source_id, amount_minor, currency,
  debit_on, sent_at)
VALUES ($id, $customer_id, $payment_method_id, $source_type, $source_id, $amount, $currency, $debit_on, $at)`;
export const REQUEUE_RETRY = `
UPDATE retry_items SET state = 'scheduled', next_attempt_at = $at, max_attempts = attempts + $more, reason = NULL,
  updated_at = $at
WHERE id = $id AND state = $from`;
/** Stops the retries still waiting on sources that no longer charge (their owner closed them). */
export const CANCEL_WAITING_RETRIES_OF_SOURCES = `
UPDATE retry_items SET state = 'cancelled', reason = $reason, next_attempt_at = NULL, updated_at = $at
WHERE source_type = $source_type AND state IN ('scheduled', 'requires_authentication')
  AND source_id = ANY($source_ids::text[])`;

/** Whom a pre-debit notice is emailed to (read only: customers belong to payments-core/customers). */
export const CUSTOMER_TO_NOTIFY = 'SELECT name, email FROM customers WHERE id = $id';
