import {
  ACTIVE_PLAN_FOR_ORDER,
  CAPTURED_ON_PLANS_OF_ORDER,
  CLOSED_INSTALLMENT_FOR_ORDER,
} from '../installments/repository.js';

/**
 * Concurrency: every state change reads the payment under a row lock (`PAYMENT_FOR_UPDATE`) and moves it only
 * forward; one payment in flight per order holds under the order's row lock (`ORDER_FOR_UPDATE`); status
 * writes are guarded on the status they were read in (`AND status = $from`), a set's gateway answers on
 * `created`/`unknown`; a set's payment is inserted once by its id, the gateway key (`ON CONFLICT (id) DO NOTHING`);
 * a refund is reserved under the payment's row lock its caller took (`PAYMENT_TO_REFUND`).
 */

/** The payment as the API shows it, over `payments t`: also the RETURNING list of a write that answers with it. */
const PAYMENT_FIELDS = `'payment' AS object, t.id, t.order_id, t.customer_id, t.school_id, t.payment_method_id, t.method,
       t.amount_minor AS amount, t.currency, t.status, t.capture_mode, t.captured_minor AS amount_captured,
       t.refunded_minor AS amount_refunded, t.fee_minor AS fee, t.tax_minor AS tax, t.gateway_payment_id,
       t.error_code, t.error_reason, t.error_description, t.upi_link, t.upi_link_expires_at, t.created_at, t.authorized_at,
       t.captured_at, t.failed_at`;
export const PAYMENT_COLUMNS = `
SELECT ${PAYMENT_FIELDS}
FROM payments t`;
export const PAYMENT_BY_ID = `${PAYMENT_COLUMNS} WHERE t.id = $id`;
/** The payment, locked until the transaction ends: concurrent webhooks, captures and resolvers apply one at a time. */
export const PAYMENT_FOR_UPDATE = `${PAYMENT_BY_ID} FOR UPDATE`;
export const PAYMENT_BY_GATEWAY_ID = `${PAYMENT_COLUMNS} WHERE t.gateway_payment_id = $gateway_payment_id`;
export const PAYMENT_IN_FLIGHT_FOR_ORDER = `
SELECT id, status FROM payments WHERE order_id = $order_id AND status IN ('on_hold', 'created', 'unknown', 'authorized', 'captured')
ORDER BY created_at, id LIMIT 1`;
export const INSERT_PAYMENT = `
INSERT INTO payments (id, order_id, customer_id, school_id, payment_method_id, method, amount_minor, currency, status,
  capture_mode, gateway_payment_id, device_id, ip, referer, user_agent, created_at, updated_at)
VALUES ($id, $order_id, $customer_id, $school_id, $payment_method_id, $method, $amount, $currency, 'created',
  $capture_mode, $gateway_payment_id, $device_id, $ip, $referer, $user_agent, $at, $at)`;
/** The payer's browser kept on a payment, and its customer's gateway customer, for charging it later. */
export const PAYER_OF_PAYMENT = `
SELECT p.ip, p.referer, p.user_agent, c.gateway_customer_id
FROM payments p JOIN customers c ON c.id = p.customer_id WHERE p.id = $id`;
/**
 * A payment the gateway made on its own (a Razorpay Subscription's charge), recorded as `created` for
 * `applyGatewayPayment` to settle; its id and its gateway id are both unique, so a second delivery inserts nothing.
 */
export const INSERT_GATEWAY_PAYMENT = `
INSERT INTO payments (id, order_id, customer_id, school_id, payment_method_id, method, amount_minor, currency, status,
  capture_mode, gateway_payment_id, created_at, updated_at)
VALUES ($id, $order_id, $customer_id, $school_id, NULL, $method, $amount, $currency, 'created', 'auto',
  $gateway_payment_id, $at, $at)
ON CONFLICT DO NOTHING`;
/** Brings the payment to the gateway's state; answers with the payment as the API shows it (`PAYMENT_BY_ID`). */
export const UPDATE_PAYMENT_STATE = `
UPDATE payments t SET status = $status, gateway_payment_id = coalesce(t.gateway_payment_id, $gateway_payment_id),
  captured_minor = $captured, fee_minor = coalesce($fee, t.fee_minor), tax_minor = coalesce($tax, t.tax_minor),
  error_code = $error_code, error_reason = $error_reason, error_description = $error_description,
  authorized_at = coalesce(t.authorized_at, $authorized_at), captured_at = coalesce(t.captured_at, $captured_at),
  failed_at = $failed_at, updated_at = $at
WHERE t.id = $id
RETURNING ${PAYMENT_FIELDS}`;
/**
 * A UPI intent the gateway made for the payment: its gateway id, the link the parent opens and when it expires.
 * Kept whatever the status (a webhook may already have moved the payment on); a value already kept stays.
 */
export const SET_UPI_INTENT = `
UPDATE payments t SET gateway_payment_id = coalesce(t.gateway_payment_id, $gateway_payment_id),
  upi_link = coalesce(t.upi_link, $upi_link), upi_link_expires_at = coalesce(t.upi_link_expires_at, $expires_at),
  updated_at = $at
WHERE t.id = $id
RETURNING ${PAYMENT_FIELDS}`;
/** An auto-capture UPI intent payment an applied `payment.authorized` event moved to authorised: kosh captures it. */
export const INTENT_TO_CAPTURE_AFTER_EVENT = `
SELECT p.id FROM webhook_events e JOIN payments p ON p.gateway_payment_id = e.entity_id
WHERE e.id = $event_id AND e.event_type = 'payment.authorized' AND e.status = 'applied'
  AND p.status = 'authorized' AND p.capture_mode = 'auto' AND p.upi_link IS NOT NULL`;
export const MARK_PAYMENT_FAILED = `
UPDATE payments SET status = 'failed', error_code = $code, error_description = $description, failed_at = $at, updated_at = $at
WHERE id = $id AND status = $from`;
export const MARK_PAYMENT_UNKNOWN = `
UPDATE payments SET status = 'unknown', error_code = $code, error_description = $description, updated_at = $at
WHERE id = $id AND status = 'created'`;
/** Payments whose outcome kosh does not know: `unknown`, or `created` past the grace (the process died mid-call). */
export const UNRESOLVED_PAYMENTS = `
SELECT p.id, p.order_id, p.status, p.capture_mode, p.created_at, p.upi_link_expires_at, o.gateway_order_id
FROM payments p JOIN orders o ON o.id = p.order_id
WHERE p.status = 'unknown' OR (p.status = 'created' AND p.created_at <= $stale_before)
   -- An auto-capture payment still authorised past the grace: the capture (or kosh's record of it) was cut off.
   OR (p.status = 'authorized' AND p.capture_mode = 'auto' AND p.updated_at <= $stale_before)
ORDER BY p.created_at, p.id LIMIT $limit`;
/** A payment the fraud screen held for review: the gateway is not called until it is approved. */
export const HOLD_PAYMENT = `UPDATE payments SET status = 'on_hold', updated_at = $at WHERE id = $id AND status = $from`;
export const INSERT_HOLD = `
INSERT INTO payment_holds (payment_id, reason, decision_id, vpa, created_at) VALUES ($id, $reason, $decision_id, $vpa, $at)`;
export const HELD_PAYMENT = `
SELECT p.id, p.order_id, p.customer_id, p.payment_method_id, p.method, p.amount_minor AS amount, p.currency,
  p.capture_mode, h.vpa AS hold_vpa, h.decision_id AS hold_decision_id, p.ip, p.referer, p.user_agent,
  c.gateway_customer_id
FROM payments p JOIN customers c ON c.id = p.customer_id LEFT JOIN payment_holds h ON h.payment_id = p.id
WHERE p.id = $id AND p.status = $status
FOR UPDATE OF p`;
export const RELEASE_HOLD = `UPDATE payments SET status = 'created', updated_at = $at WHERE id = $id AND status = $from`;
export const DECLINE_HOLD = `
UPDATE payments SET status = 'failed', error_code = $code, error_description = $description, failed_at = $at, updated_at = $at
WHERE id = $id AND status = $from`;
export const CLOSE_HOLD = `UPDATE payment_holds SET vpa = NULL, released_at = $at, outcome = $outcome WHERE payment_id = $id`;
/**
 * Everything a new payment on an order is checked against, in one read: a live installment plan, what its plans'
 * installments captured (a cancelled plan's count towards the order), the order's installment closed, a payment in flight, the saved method (`$payment_method_id`, null for a raw VPA), and the
 * customer's contact for the gateway. Run it after `ORDER_FOR_UPDATE`, never folded into it: a statement sees
 * what was committed when it started, so only a read that starts once the lock is held sees the payment of the
 * request that held it before.
 */
export const PAYMENT_PRECONDITIONS = `
SELECT (${ACTIVE_PLAN_FOR_ORDER}) AS plan_id, (${CAPTURED_ON_PLANS_OF_ORDER}) AS installments_captured,
       closed.id AS closed_installment_id, closed.status AS closed_installment_status,
       in_flight.id AS in_flight_id, in_flight.status AS in_flight_status,
       pm.customer_id AS method_customer_id, pm.type AS method_type, pm.gateway_token AS method_gateway_token,
       pm.status AS method_status,
       c.email AS customer_email, c.phone AS customer_phone, c.gateway_customer_id AS customer_gateway_id
FROM (SELECT 1) AS anchor
LEFT JOIN LATERAL (${CLOSED_INSTALLMENT_FOR_ORDER} LIMIT 1) AS closed ON true
LEFT JOIN LATERAL (${PAYMENT_IN_FLIGHT_FOR_ORDER}) AS in_flight ON true
LEFT JOIN payment_methods pm ON pm.id = $payment_method_id AND pm.deleted_at IS NULL
LEFT JOIN customers c ON c.id = $customer_id`;
/** The customer's contact, which the gateway wants with a payment. */
export const CUSTOMER_CONTACT = 'SELECT email, phone FROM customers WHERE id = $id';
/**
 * What the fraud screen is told of an attempt before anything is written: the order (its amount less what a cancelled
 * plan's installments captured, which is what is charged), and the saved method's type.
 */
export const ATTEMPT_TO_SCREEN = `
SELECT o.customer_id, o.school_id, o.amount_minor - (${CAPTURED_ON_PLANS_OF_ORDER}) AS amount_minor, o.currency, o.status,
       (SELECT pm.type FROM payment_methods pm
        WHERE pm.id = $payment_method_id AND pm.customer_id = o.customer_id AND pm.deleted_at IS NULL
          AND pm.status = 'active') AS method_type,
       (SELECT coalesce(c.email, '') <> '' AND coalesce(c.phone, '') <> '' FROM customers c WHERE c.id = o.customer_id)
         AS has_contact
FROM orders o WHERE o.id = $order_id`;

/** A refund's amount reserved on its payment (refunded_minor counts pending and processed refunds). */
export const RESERVE_REFUND = `UPDATE payments SET refunded_minor = refunded_minor + $amount, updated_at = $at WHERE id = $id`;
/** A failed refund's amount given back to its payment. */
/** What the payment's open and lost disputes hold of it (payments-core/disputes computes it under the payment's lock). */
export const SET_DISPUTED = `UPDATE payments SET disputed_minor = $amount, updated_at = $at WHERE id = $id`;
export const RELEASE_REFUND = `UPDATE payments SET refunded_minor = refunded_minor - $amount, updated_at = $at WHERE id = $id`;

declare const paymentSetBrand: unique symbol;
/** A set-wise write of payments (`K`) built here from a caller's source SELECT; only its entry point runs it. */
export type PaymentSetSql<K extends 'insert' | 'outcome'> = string & { readonly [paymentSetBrand]: K };

/**
 * The set-based writes of payments (the billing run: a chunk of records at a time), one statement per set. `source`
 * is a constant SELECT of the caller, parameterized (`$name`), giving one row per payment; parameters inside it
 * must be typed by a cast where no column gives their type (`$now::timestamptz`).
 *
 * Inserts the payments of `source` (`id, order_id, customer_id, school_id, payment_method_id, method, amount_minor,
 * currency, capture_mode, at`) as `created`, before the gateway is called; a payment that exists already (its id is
 * the gateway key: a rerun resumes it) is left alone.
 */
export function insertPaymentsSql(source: string): PaymentSetSql<'insert'> {
  return `
INSERT INTO payments (id, order_id, customer_id, school_id, payment_method_id, method, amount_minor, currency, status,
  capture_mode, created_at, updated_at)
SELECT src.id, src.order_id, src.customer_id, src.school_id, src.payment_method_id, src.method, src.amount_minor,
       src.currency, 'created', src.capture_mode, src.at, src.at
FROM (${source}) src
ON CONFLICT (id) DO NOTHING` as PaymentSetSql<'insert'>;
}

/**
 * Stores the gateway's answer on each payment of `source` (`payment_id, status, gateway_payment_id, fee, tax,
 * error_code, error_reason, error_description, at`; status `created` when it was never sent). Only a payment still
 * `created` or `unknown` moves, never to `created`, and an unknown one not to unknown again: one a webhook or the
 * resolver already settled is left alone.
 */
export function storePaymentOutcomesSql(source: string): PaymentSetSql<'outcome'> {
  return `
UPDATE payments SET status = o.status, gateway_payment_id = coalesce(payments.gateway_payment_id, o.gateway_payment_id),
  captured_minor = CASE WHEN o.status = 'captured' THEN payments.amount_minor ELSE 0 END,
  fee_minor = CASE WHEN o.status = 'captured' THEN o.fee END, tax_minor = CASE WHEN o.status = 'captured' THEN o.tax END,
  error_code = o.error_code, error_reason = o.error_reason, error_description = o.error_description,
  authorized_at = CASE WHEN o.status IN ('authorized', 'captured') THEN o.at END,
  captured_at = CASE WHEN o.status = 'captured' THEN o.at END,
  failed_at = CASE WHEN o.status = 'failed' THEN o.at END, updated_at = o.at
FROM (${source}) o
WHERE payments.id = o.payment_id AND payments.status IN ('created', 'unknown') AND o.status <> 'created'
  AND NOT (payments.status = 'unknown' AND o.status = 'unknown')` as PaymentSetSql<'outcome'>;
}
