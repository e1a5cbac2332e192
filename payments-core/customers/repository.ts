/**
 * Concurrency: a customer is inserted once under its primary key and never updated; its row lock
 * (`CUSTOMER_FOR_UPDATE`) serialises changes to its payment methods.
 */
export const CUSTOMER_COLUMNS = `
SELECT 'customer' AS object, t.id, t.school_id, t.name, t.email, t.phone, t.state_code, t.created_at FROM customers t`;
export const CUSTOMER_BY_ID = `${CUSTOMER_COLUMNS} WHERE t.id = $id`;
/** The customer, locked: a change to their payment methods (one default at a time) holds it until commit. */
export const CUSTOMER_FOR_UPDATE = 'SELECT id FROM customers WHERE id = $id FOR UPDATE';
export const INSERT_CUSTOMER = `
INSERT INTO customers (id, school_id, name, email, phone, state_code, created_at)
VALUES ($id, $school_id, $name, $email, $phone, $state_code, $at)`;
