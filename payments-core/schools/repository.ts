/**
 * Concurrency: a school is inserted once under its primary key and never updated; its billing address is one row
 * per school, replaced whole by an upsert on that key (the last write wins) or deleted, under the school's row lock
 * (`SCHOOL_FOR_UPDATE`) so that an If-Match check and the write are one step.
 */
export const SCHOOL_COLUMNS = `
SELECT 'school' AS object, t.id, t.name, t.city, t.state_code, t.gstin, a.line1 AS billing_line1,
  a.line2 AS billing_line2, a.city AS billing_city, a.state_code AS billing_state_code,
  a.postal_code AS billing_postal_code, t.created_at
FROM schools t LEFT JOIN school_billing_addresses a ON a.school_id = t.id`;
export const INSERT_SCHOOL = `
INSERT INTO schools (id, name, city, state_code, gstin, created_at) VALUES ($id, $name, $city, $state_code, $gstin, $at)`;
/** INSERT_SCHOOL with the address, in one statement (both rows or neither). */
export const INSERT_SCHOOL_WITH_ADDRESS = `
WITH s AS (${INSERT_SCHOOL} RETURNING id)
INSERT INTO school_billing_addresses (school_id, line1, line2, city, state_code, postal_code, updated_at)
SELECT s.id, $billing_line1, $billing_line2, $billing_city, $billing_state_code, $billing_postal_code, $at FROM s`;
export const SET_SCHOOL_ADDRESS = `
INSERT INTO school_billing_addresses (school_id, line1, line2, city, state_code, postal_code, updated_at)
SELECT s.id, $billing_line1, $billing_line2, $billing_city, $billing_state_code, $billing_postal_code, $at
FROM schools s WHERE s.id = $id
ON CONFLICT (school_id) DO UPDATE SET line1 = excluded.line1, line2 = excluded.line2, city = excluded.city,
  state_code = excluded.state_code, postal_code = excluded.postal_code, updated_at = excluded.updated_at`;
export const DELETE_SCHOOL_ADDRESS = 'DELETE FROM school_billing_addresses WHERE school_id = $id';
export const SCHOOL_BY_ID = `${SCHOOL_COLUMNS} WHERE t.id = $id`;
export const SCHOOL_FOR_UPDATE = 'SELECT id FROM schools WHERE id = $id FOR UPDATE';

export const SCHOOL_NAMES = 'SELECT id, name FROM schools ORDER BY name, id';
