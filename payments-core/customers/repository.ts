/**
 * Concurrency: a customer is inserted once under its primary key; its one later write, the gateway customer id, is set
 * once (`WHERE gateway_customer_id IS NULL`) and never changed; its billing address is one row
 * per customer, replaced whole by an upsert on that key (the last write wins) or deleted. Its row lock
 * (`CUSTOMER_FOR_UPDATE`) serialises changes to its payment methods and to its address (so that an If-Match check
 * and the write are one step).
 */
export const CUSTOMER_COLUMNS = `
SELECT 'customer' AS object, t.id, t.school_id, t.name, t.email, t.phone, t.state_code, t.gstin, a.line1 AS billing_line1,
  a.line2 AS billing_line2, a.city AS billing_city, a.state_code AS billing_state_code,
  a.postal_code AS billing_postal_code, t.test_clock_id AS test_clock, t.created_at
FROM customers t LEFT JOIN customer_billing_addresses a ON a.customer_id = t.id`;
export const CUSTOMER_BY_ID = `${CUSTOMER_COLUMNS} WHERE t.id = $id`;
/** The customer, locked: a change to their payment methods (one default at a time) holds it until commit. */
export const CUSTOMER_FOR_UPDATE = 'SELECT id FROM customers WHERE id = $id FOR UPDATE';
export const INSERT_CUSTOMER = `
INSERT INTO customers (id, school_id, name, email, phone, state_code, gstin, test_clock_id, created_at)
VALUES ($id, $school_id, $name, $email, $phone, $state_code, $gstin, $test_clock_id, $at)`;
/** Sets a customer's address; nothing when the customer does not exist. */
export const SET_CUSTOMER_ADDRESS = `
INSERT INTO customer_billing_addresses (customer_id, line1, line2, city, state_code, postal_code, updated_at)
SELECT c.id, $billing_line1, $billing_line2, $billing_city, $billing_state_code, $billing_postal_code, $at
FROM customers c WHERE c.id = $id
ON CONFLICT (customer_id) DO UPDATE SET line1 = excluded.line1, line2 = excluded.line2, city = excluded.city,
  state_code = excluded.state_code, postal_code = excluded.postal_code, updated_at = excluded.updated_at`;
export const DELETE_CUSTOMER_ADDRESS = 'DELETE FROM customer_billing_addresses WHERE customer_id = $id';
/** INSERT_CUSTOMER with the address, in one statement (both rows or neither). */
export const INSERT_CUSTOMER_WITH_ADDRESS = `
WITH c AS (${INSERT_CUSTOMER} RETURNING id)
INSERT INTO customer_billing_addresses (customer_id, line1, line2, city, state_code, postal_code, updated_at)
SELECT c.id, $billing_line1, $billing_line2, $billing_city, $billing_state_code, $billing_postal_code, $at FROM c`;

/** The customer's gateway customer and the details the gateway needs to create one. */
export const GATEWAY_CUSTOMER_OF = 'SELECT id, name, email, phone, gateway_customer_id FROM customers WHERE id = $id';
/** Records the gateway customer once: a concurrent first write wins, the loser reads the winner's. */
export const SET_GATEWAY_CUSTOMER = `
UPDATE customers SET gateway_customer_id = $gateway_customer_id WHERE id = $id AND gateway_customer_id IS NULL`;

/**
 * The job scope (JobContext.testClock): true for rows of a customer on the test clock `$test_clock`, or, when it
 * is null, of a customer on the wall clock (and for rows without a customer). Every scheduled job's selection
 * carries it, so a run never touches another clock's objects.
 */
export const onTestClock = (customerId: string): string =>
  `(SELECT tc.test_clock_id FROM customers tc WHERE tc.id = ${customerId}) IS NOT DISTINCT FROM $test_clock::text`;

/**
 * The same scope for a NOT NULL customer column, in a form the planner can estimate. `IS NOT DISTINCT FROM` on a
 * scalar subquery is taken to match almost no row (rows=1 whatever the table holds): with fresh statistics the
 * pre-debit selection then looped over every payment method per subscription, past the 120 s statement timeout at
 * 30,000 subscriptions. Here the null parameter folds away, leaving `test_clock_id IS NULL` (or `= $test_clock`,
 * on the partial index customers_test_clock), which the statistics answer. It may be planned as a join from
 * customers: where a selection must be driven by its own table's order, keep `onTestClock`.
 */
export const customerOnTestClock = (customerId: string): string =>
  `EXISTS (SELECT 1 FROM customers tc WHERE tc.id = ${customerId}
          AND (tc.test_clock_id = $test_clock::text OR (tc.test_clock_id IS NULL AND $test_clock::text IS NULL)))`;

/** Erasure: the customer's own personal data goes; the id, school and state (place of supply) stay. */
export const ERASE_CUSTOMER = `
UPDATE customers SET name = $name, email = $email, phone = '', notes = NULL, erased_at = coalesce(erased_at, $at)
WHERE id = $id`;
export const CUSTOMER_ERASED_AT = 'SELECT erased_at FROM customers WHERE id = $id';
/** What stops an erasure: each reason with how many records hold it. */
export const ERASURE_BLOCKERS = `
SELECT 'active_subscription' AS reason, count(*)::int AS n FROM subscriptions
  WHERE customer_id = $id AND status NOT IN ('cancelled', 'completed', 'expired')
UNION ALL SELECT 'open_dunning_case', count(*)::int FROM dunning_cases WHERE customer_id = $id AND status = 'open'
UNION ALL SELECT 'payment_in_flight', count(*)::int FROM payments
  WHERE customer_id = $id AND status IN ('on_hold', 'created', 'unknown', 'authorized')
UNION ALL SELECT 'refund_in_flight', count(*)::int FROM refunds r JOIN payments p ON p.id = r.payment_id
  WHERE p.customer_id = $id AND r.status = 'pending'`;
/** A customer's records for an export (reads across domains; nothing is written). Never a gateway token. */
export const EXPORT_QUERIES = {
  payment_methods: `SELECT id, type, card_network, card_last4, card_exp_month, card_exp_year, upi_vpa_masked, bank, wallet,
    bank_account_last4, bank_ifsc, mandate_type, mandate_auth_type, status, is_default, created_at, updated_at, deleted_at FROM payment_methods WHERE customer_id = $id ORDER BY created_at, id`,
  orders: 'SELECT * FROM orders WHERE customer_id = $id ORDER BY created_at, id',
  payments: 'SELECT * FROM payments WHERE customer_id = $id ORDER BY created_at, id',
  refunds: `SELECT r.* FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.customer_id = $id
    ORDER BY r.created_at, r.id`,
  subscriptions: 'SELECT * FROM subscriptions WHERE customer_id = $id ORDER BY created_at, id',
  invoices: `SELECT id, kind, document_type, status, number, currency, supply_type, place_of_supply, customer_gstin,
    taxable_minor, exempt_minor, cgst_minor, sgst_minor, igst_minor, round_off_minor, total_minor, amount_paid_minor,
    amount_credited_minor, memo, reason, snapshot, due_at, finalized_at, paid_at, voided_at, fiscal_year
    FROM invoices WHERE customer_id = $id ORDER BY fiscal_year NULLS LAST, number NULLS LAST, id`,
  emails: `SELECT id, kind, to_address, subject, text_body, status, send_at, sent_at, failed_at, created_at
    FROM email_outbox WHERE customer_id = $id ORDER BY created_at, id`,
} as const;
