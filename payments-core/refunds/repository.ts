/**
 * Concurrency: a refund is recorded under its payment's row lock (`PAYMENT_TO_REFUND`), taken before payments'
 * `reserveRefund`, so concurrent refunds see each other's reservation; a refund's state is changed under its own
 * row lock (`REFUND_FOR_UPDATE`), once.
 */
export const REFUND_COLUMNS = `
SELECT 'refund' AS object, t.id, t.payment_id, t.amount_minor AS amount, t.currency, t.status, t.reason,
       t.gateway_refund_id, t.created_at, t.processed_at, t.failed_at
FROM refunds t`;
export const REFUND_BY_ID = `${REFUND_COLUMNS} WHERE t.id = $id`;
export const REFUND_FOR_UPDATE = `${REFUND_BY_ID} FOR UPDATE`;
/**
 * The payment a refund draws on, locked until the refund and its reservation are written: refunded_minor counts
 * pending and processed refunds, so with the payment locked concurrent refunds cannot overdraw it.
 */
export const PAYMENT_TO_REFUND = `
SELECT status, captured_minor, refunded_minor, disputed_minor, currency, school_id FROM payments WHERE id = $id FOR UPDATE`;
export const REFUND_BY_GATEWAY_ID = `${REFUND_COLUMNS} WHERE t.gateway_refund_id = $gateway_refund_id`;
export const INSERT_REFUND = `
INSERT INTO refunds (id, payment_id, amount_minor, currency, status, reason, gateway_refund_id, created_at, updated_at)
VALUES ($id, $payment_id, $amount, $currency, 'pending', $reason, $gateway_refund_id, $at, $at)`;
export const SET_REFUND_STATE = `
UPDATE refunds SET status = $status, gateway_refund_id = coalesce(gateway_refund_id, $gateway_refund_id),
  processed_at = $processed_at, failed_at = $failed_at, updated_at = $at
WHERE id = $id`;
export const SET_GATEWAY_REFUND = `
UPDATE refunds SET gateway_refund_id = $gateway_refund_id, updated_at = $at WHERE id = $id AND gateway_refund_id IS NULL`;
