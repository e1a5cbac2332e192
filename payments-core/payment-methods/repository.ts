/**
 * Concurrency: every write to a customer's methods runs under the customer's row lock (`CUSTOMER_FOR_UPDATE`), so
 * the count, the default and the deletes of concurrent requests see each other: one default at a time.
 */
export const PAYMENT_METHOD_COLUMNS = `
SELECT 'payment_method' AS object, t.id, t.customer_id, t.type, t.card_network, t.card_last4, t.card_exp_month,
       t.card_exp_year, t.upi_vpa_masked, t.bank, t.wallet, t.mandate_type, t.is_default, t.created_at, t.updated_at
FROM payment_methods t`;
export const PAYMENT_METHOD_BY_ID = `${PAYMENT_METHOD_COLUMNS} WHERE t.id = $id AND t.customer_id = $customer_id AND t.deleted_at IS NULL`;
export const LIVE_METHOD_COUNT = `
SELECT count(*)::BIGINT AS n FROM payment_methods WHERE customer_id = $customer_id AND deleted_at IS NULL`;
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
SELECT id FROM payment_methods WHERE customer_id = $customer_id AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`;
export const INSTRUMENT_BY_ID = `
SELECT pm.id, pm.customer_id, pm.type, pm.gateway_token, c.gateway_customer_id
FROM payment_methods pm JOIN customers c ON c.id = pm.customer_id WHERE pm.id = $id AND pm.deleted_at IS NULL`;
