import { onTestClock } from '../customers/repository.js';

// Several processes write here at once: every change to a plan's installments takes the plan's row lock first
// (`PLAN_FOR_UPDATE`: roll-up, payoff, cancel, settling a capture), so they run one after another per plan; a plan
// per order is held by the unique index `installment_plans_one_active`; installment steps are `WHERE status = …`
// guards.
export const PLAN_ROW = `
SELECT id, order_id, customer_id, school_id, amount_minor AS amount, currency, status, created_at, cancelled_at, paid_at
FROM installment_plans WHERE id = $id`;
export const PLAN_FOR_UPDATE = `${PLAN_ROW} FOR UPDATE`;
/** The unique index that allows one plan that is not cancelled per order (migration 003). */
export const ONE_ACTIVE_PLAN_INDEX = 'installment_plans_one_active';
/** Any plan that is not cancelled owns its order's payment: the order is paid through it, not directly. */
export const ACTIVE_PLAN_FOR_ORDER = `
SELECT id FROM installment_plans WHERE order_id = $order_id AND status <> 'cancelled' LIMIT 1`;
export const INSERT_PLAN = `
INSERT INTO installment_plans (id, order_id, customer_id, school_id, amount_minor, currency, status, created_at, updated_at)
VALUES ($id, $order_id, $customer_id, $school_id, $amount, $currency, 'scheduled', $at, $at)`;
export const SET_PLAN_STATUS = `
UPDATE installment_plans SET status = $status, paid_at = $paid_at, updated_at = $at WHERE id = $id AND status <> $status`;
export const CANCEL_PLAN = `
UPDATE installment_plans SET status = 'cancelled', cancelled_at = $at, updated_at = $at WHERE id = $id`;

export const INSTALLMENT_COLUMNS = `
SELECT 'installment' AS object, t.id, t.plan_id, t.seq, t.kind, t.order_id, t.amount_minor AS amount, t.currency, t.due_at,
       t.status, t.attempts, t.last_payment_id, t.last_error_code, t.paid_at, t.payment_link_url, t.payment_link_status
FROM installments t`;
export const INSTALLMENTS_OF_PLAN = `${INSTALLMENT_COLUMNS} WHERE t.plan_id = $plan_id ORDER BY t.seq`;
export const INSTALLMENT_BY_ID = `${INSTALLMENT_COLUMNS} WHERE t.id = $id`;
export const INSTALLMENT_BY_ORDER = `${INSTALLMENT_COLUMNS} WHERE t.order_id = $order_id`;
export const INSERT_INSTALLMENT = `
INSERT INTO installments (id, plan_id, seq, kind, order_id, amount_minor, currency, due_at, status, attempts,
  last_payment_id, created_at, updated_at)
VALUES ($id, $plan_id, $seq, $kind, $order_id, $amount, $currency, $due_at, $status, $attempts, $last_payment_id, $at, $at)`;
export const START_INSTALLMENT_ATTEMPT = `
UPDATE installments SET status = 'processing', attempts = $attempt, last_payment_id = $payment_id, updated_at = $at
WHERE id = $id AND status = 'scheduled' AND attempts = $attempt - 1`;
export const SET_INSTALLMENT_STATUS = `
UPDATE installments SET status = $status, last_error_code = coalesce($error_code, last_error_code), updated_at = $at
WHERE id = $id AND status = $from`;
export const MARK_INSTALLMENT_PAID = `
UPDATE installments SET status = 'paid', paid_at = $at, updated_at = $at WHERE id = $id AND status <> 'paid'`;
export const SUPERSEDE_OPEN_INSTALLMENTS = `
UPDATE installments SET status = 'superseded', updated_at = $at
WHERE plan_id = $plan_id AND kind = 'scheduled' AND status IN ('scheduled', 'retrying', 'requires_authentication', 'failed')`;
export const CANCEL_OPEN_INSTALLMENTS = `
UPDATE installments SET status = 'cancelled', updated_at = $at
WHERE plan_id = $plan_id AND status IN ('scheduled', 'retrying', 'requires_authentication', 'failed')`;
/** Installments the plan no longer charges (cancelled with the plan or superseded by a payoff): their retries stop. */
export const CLOSED_INSTALLMENTS_OF_PLAN = `
SELECT id FROM installments WHERE plan_id = $plan_id AND status IN ('superseded', 'cancelled')`;

/** Scheduled installments due by `now`; a suspended plan's wait (a dead letter must not be followed by more charges). */
export const DUE_INSTALLMENTS = `
SELECT i.id FROM installments i JOIN installment_plans p ON p.id = i.plan_id
WHERE i.status = 'scheduled' AND i.due_at <= $now AND p.status NOT IN ('cancelled', 'suspended')
  AND ${onTestClock('p.customer_id')}
ORDER BY i.due_at, i.id LIMIT $limit`;
export const PROCESSING_INSTALLMENTS = `
SELECT i.id FROM installments i JOIN installment_plans p ON p.id = i.plan_id
WHERE i.status = 'processing' AND ${onTestClock('p.customer_id')}
ORDER BY i.updated_at, i.id LIMIT $limit`;
/** Scheduled installments due soon on a mandate method: their pre-debit notice goes out now (not for a suspended plan). */
export const UPCOMING_MANDATE_DEBITS = `
SELECT i.id, i.amount_minor AS amount, i.currency, i.due_at, p.customer_id, m.id AS payment_method_id, m.mandate_type,
       c.email
FROM installments i
JOIN installment_plans p ON p.id = i.plan_id
JOIN customers c ON c.id = p.customer_id
JOIN payment_methods m ON m.customer_id = p.customer_id AND m.is_default AND m.deleted_at IS NULL
WHERE i.status = 'scheduled' AND p.status NOT IN ('cancelled', 'suspended') AND m.mandate_type IS NOT NULL
  AND i.due_at > $now AND i.due_at <= $horizon AND ${onTestClock('p.customer_id')}
ORDER BY i.due_at LIMIT $limit`;
export const CHARGE_CONTEXT = `
SELECT i.id, i.plan_id, i.kind, i.order_id, i.amount_minor AS amount, i.currency, i.status, i.attempts, i.last_payment_id,
       p.customer_id, p.status AS plan_status
FROM installments i JOIN installment_plans p ON p.id = i.plan_id WHERE i.id = $id`;
/** A charge in flight on any of the plan's orders: a retry attempt started, or a payment not yet settled. */
export const CHARGE_IN_FLIGHT_FOR_PLAN = `
SELECT p.id FROM payments p JOIN installments i ON i.order_id = p.order_id
WHERE i.plan_id = $plan_id AND p.status IN ('created', 'unknown', 'authorized')
UNION ALL
SELECT r.id FROM retry_items r JOIN installments i ON r.source_type = 'installment' AND r.source_id = i.id
WHERE i.plan_id = $plan_id AND r.state = 'processing'
LIMIT 1`;
/**
 * What the installment orders of every plan of a parent order captured, cancelled plans included: it counts towards
 * the parent order, so paying the parent after a cancel charges only the rest.
 */
export const CAPTURED_ON_PLANS_OF_ORDER = `
SELECT coalesce(sum(p.captured_minor), 0)::BIGINT AS captured FROM installment_plans ip JOIN installments i ON i.plan_id = ip.id
JOIN payments p ON p.order_id = i.order_id WHERE ip.order_id = $order_id`;
/** An installment order the plan no longer charges (superseded by a payoff, or cancelled). */
export const CLOSED_INSTALLMENT_FOR_ORDER = `
SELECT id, status FROM installments WHERE order_id = $order_id AND status IN ('superseded', 'cancelled')`;

/**
 * Payment links (migration 035): one per installment refused off-session, stored only while it still waits for the
 * parent (`status = 'requires_authentication'`) and has none.
 */
export const INSTALLMENT_FOR_LINK = `
SELECT i.id, i.status, i.amount_minor AS amount, i.currency, i.seq, i.payment_link_id, i.payment_link_url,
       i.payment_link_status, cu.name, cu.email, cu.phone
FROM installments i JOIN installment_plans p ON p.id = i.plan_id JOIN customers cu ON cu.id = p.customer_id
WHERE i.id = $id`;
export const STORE_INSTALLMENT_LINK = `
UPDATE installments SET payment_link_id = $link_id, payment_link_url = $url, payment_link_status = $status,
  updated_at = $now
WHERE id = $id AND payment_link_id IS NULL AND status = 'requires_authentication'`;
/** The installment a link pays: by the stored link id, or by its reference id when kosh crashed before storing it. */
export const INSTALLMENT_OF_LINK = `
SELECT i.id, i.order_id, i.status, p.customer_id, p.school_id
FROM installments i JOIN installment_plans p ON p.id = i.plan_id
WHERE i.payment_link_id = $link_id OR (i.id = $reference_id AND i.payment_link_id IS NULL)`;
/** A link's status moves on, never back from paid. */
export const SET_INSTALLMENT_LINK_STATUS = `
UPDATE installments SET payment_link_id = $link_id, payment_link_url = coalesce(payment_link_url, ''),
  payment_link_status = $status, updated_at = $now
WHERE id = $id AND payment_link_status IS DISTINCT FROM $status AND coalesce(payment_link_status, '') <> 'paid'`;
/** Links still payable whose installment no longer waits for the parent. */
export const SETTLED_INSTALLMENT_LINKS = `
SELECT i.id, i.payment_link_id FROM installments i JOIN installment_plans p ON p.id = i.plan_id
WHERE i.payment_link_status IN ('created', 'partially_paid') AND i.status <> 'requires_authentication'
  AND ${onTestClock('p.customer_id')}
ORDER BY i.id`;
