import { insertOrdersSql } from '../orders/repository.js';

/**
 * Only an `active` method is counted, charged or made the default: a UPI AutoPay registration stays `pending` until
 * the gateway's `token.confirmed`.
 * Concurrency: every write to a customer's methods runs under the customer's row lock (`CUSTOMER_FOR_UPDATE`), so
 * the count, the default and the deletes of concurrent requests see each other: one default at a time.
 */
export const PAYMENT_METHOD_COLUMNS = `
SELECT 'payment_method' AS object, t.id, t.customer_id, t.type, t.card_network, t.card_last4, t.card_exp_month,
       t.card_exp_year, t.upi_vpa_masked, t.bank, t.wallet, t.mandate_type, t.status,
       t.mandate_max_amount_minor::INTEGER AS mandate_max_amount, t.mandate_frequency, t.mandate_expires_at, t.is_default,
       t.bank_account_last4, t.bank_ifsc, t.mandate_auth_type, t.registration_url, t.registration_expires_at,
       t.nach_form_url,
       t.created_at, t.updated_at
FROM payment_methods t`;
export const PAYMENT_METHOD_BY_ID = `${PAYMENT_METHOD_COLUMNS} WHERE t.id = $id AND t.customer_id = $customer_id AND t.deleted_at IS NULL`;
export const LIVE_METHOD_COUNT = `
SELECT count(*)::BIGINT AS n FROM payment_methods WHERE customer_id = $customer_id AND deleted_at IS NULL AND status = 'active'`;
export const INSERT_PAYMENT_METHOD = `
INSERT INTO payment_methods (id, customer_id, type, gateway_token, card_network, card_last4, card_exp_month, card_exp_year,
  upi_vpa_masked, bank, wallet, mandate_type, is_default, created_at, updated_at)
VALUES ($id, $customer_id, $type, $gateway_token, $card_network, $card_last4, $card_exp_month, $card_exp_year,
  $upi_vpa_masked, $bank, $wallet, $mandate_type, $is_default, $at, $at)`;
export const CLEAR_DEFAULT = `
UPDATE payment_methods SET is_default = false, updated_at = $at
WHERE customer_id = $customer_id AND is_default AND id <> $id`;
export const SET_DEFAULT = `UPDATE payment_methods SET is_default = true, updated_at = $at WHERE id = $id`;
export const UPDATE_EXPIRY = `
UPDATE payment_methods SET card_exp_month = $month, card_exp_year = $year, updated_at = $at WHERE id = $id`;
export const SOFT_DELETE = `
UPDATE payment_methods SET deleted_at = $at, is_default = false, updated_at = $at WHERE id = $id AND deleted_at IS NULL`;
export const NEWEST_LIVE_METHOD = `
SELECT id FROM payment_methods WHERE customer_id = $customer_id AND deleted_at IS NULL AND status = 'active'
ORDER BY created_at DESC, id DESC LIMIT 1`;
export const INSTRUMENT_BY_ID = `
SELECT pm.id, pm.customer_id, pm.type, pm.gateway_token, c.gateway_customer_id
FROM payment_methods pm JOIN customers c ON c.id = pm.customer_id
WHERE pm.id = $id AND pm.deleted_at IS NULL AND pm.status = 'active'`;
export const INSERT_PENDING_MANDATE = `
INSERT INTO payment_methods (id, customer_id, type, gateway_token, mandate_type, status, mandate_max_amount_minor,
  mandate_frequency, mandate_expires_at, is_default, created_at, updated_at)
VALUES ($id, $customer_id, 'upi', NULL, 'upi_autopay', 'pending', $max_amount, $frequency, $expires_at, false, $at, $at)`;
export const INSERT_PENDING_EMANDATE = `
INSERT INTO payment_methods (id, customer_id, type, gateway_token, bank, mandate_type, status, mandate_max_amount_minor,
  mandate_expires_at, mandate_auth_type, bank_account_last4, bank_ifsc, is_default, created_at, updated_at)
VALUES ($id, $customer_id, 'netbanking', NULL, $bank, 'emandate', 'pending', $max_amount, $expires_at, $auth_type,
  $account_last4, $ifsc, false, $at, $at)`;
/** The registration link's invoice, URL and expiry, kept while the e-mandate is still pending. */
export const SET_REGISTRATION_LINK = `
UPDATE payment_methods SET gateway_registration_id = $registration_id, registration_url = $url,
  registration_expires_at = $expires_at, nach_form_url = $nach_form_url, updated_at = $at
WHERE id = $id AND status = 'pending'`;
/** A pending e-mandate whose registration link expired unused (Razorpay `invoice.expired`): it can never be authorised. */
export const EXPIRE_REGISTRATION = `
UPDATE payment_methods SET status = 'expired', updated_at = $at
WHERE gateway_registration_id = $registration_id AND mandate_type = 'emandate' AND status = 'pending' AND gateway_token IS NULL`;
/** The gateway's answer to a registration, kept while the method is still pending. */
export const SET_REGISTRATION = `
UPDATE payment_methods SET gateway_token = COALESCE($gateway_token, gateway_token),
  gateway_registration_id = $registration_id, updated_at = $at
WHERE id = $id AND status = 'pending'`;
/** The mandate's token, as the registration's payment names it once the parent has acted (kept if already known). */
export const NOTE_REGISTRATION_TOKEN = `
UPDATE payment_methods SET gateway_token = $gateway_token, updated_at = $at
WHERE gateway_registration_id = ANY($registration_ids::text[]) AND status = 'pending' AND gateway_token IS NULL`;
export const PENDING_MANDATE_BY_TOKEN = `
SELECT id, customer_id FROM payment_methods
WHERE gateway_token = $gateway_token AND mandate_type IN ('upi_autopay', 'emandate') AND status = 'pending'
  AND deleted_at IS NULL`;
export const HAS_DEFAULT = `
SELECT 1 AS x FROM payment_methods WHERE customer_id = $customer_id AND is_default AND deleted_at IS NULL`;
/** Guarded by \`status = 'pending'\`: a late or repeated token event changes nothing. */
export const CONFIRM_MANDATE = `
UPDATE payment_methods SET status = 'active', upi_vpa_masked = $upi_vpa_masked, is_default = $is_default, updated_at = $at
WHERE id = $id AND status = 'pending'`;
/**
 * A later state of a confirmed mandate from its token events (pause, resume, revoke), applied only when the event is
 * newer than the last one applied and the move is allowed from the current state; a cancelled mandate stays cancelled.
 */
export const MOVE_MANDATE = `
WITH before AS (
  SELECT id, is_default FROM payment_methods
  WHERE gateway_token = $gateway_token AND mandate_type IN ('upi_autopay', 'emandate') AND deleted_at IS NULL
    AND status = ANY($from::text[]) AND (token_event_at IS NULL OR token_event_at <= $event_at)
  FOR UPDATE)
UPDATE payment_methods pm SET status = CAST($to AS VARCHAR), token_event_at = $event_at, updated_at = $at,
  is_default = pm.is_default AND CAST($to AS VARCHAR) <> 'cancelled'
FROM before WHERE pm.id = before.id
RETURNING pm.id, pm.customer_id, before.is_default AS was_default`;
export const MANDATE_BY_TOKEN = `
SELECT id, status FROM payment_methods WHERE gateway_token = $gateway_token
  AND mandate_type IN ('upi_autopay', 'emandate')`;
export const REJECT_MANDATE = `
UPDATE payment_methods SET status = 'rejected', updated_at = $at WHERE id = $id AND status = 'pending'`;
/** The mandate whose authorisation payment the gateway payment is, with the customer's school. */
export const MANDATE_OF_REGISTRATION = `
SELECT m.id, m.customer_id, c.school_id FROM payment_methods m JOIN customers c ON c.id = m.customer_id
WHERE m.gateway_registration_id = $registration_id AND m.mandate_type = 'upi_autopay'`;
/** The kosh order of a mandate's authorisation payment, through the orders module's set-based entry point. */
export const INSERT_REGISTRATION_ORDER = insertOrdersSql(`
SELECT CAST($id AS VARCHAR) AS id, c.id AS customer_id, c.school_id, CAST($amount AS BIGINT) AS amount_minor,
       CAST($currency AS VARCHAR) AS currency, CAST($description AS VARCHAR) AS description, $now::timestamptz AS at
FROM customers c WHERE c.id = $customer_id`);

/** A live method's gateway token and its customer's gateway customer, to delete the token at the gateway. */
export const METHOD_TOKEN = `
SELECT pm.gateway_token, c.gateway_customer_id FROM payment_methods pm JOIN customers c ON c.id = pm.customer_id
WHERE pm.id = $id AND pm.customer_id = $customer_id AND pm.deleted_at IS NULL`;
