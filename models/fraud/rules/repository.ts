/**
 * Concurrency: a rule is inserted once under its primary key; updates and (soft) deletes are
 * `WHERE deleted_at IS NULL` guards, so a rule deleted meanwhile is not revived.
 */
/** Every rule, deleted ones included, unordered: the caller filters and sorts. */
export const ALL_RULES = `SELECT 'fraud_rule' AS object, id, kind, action, field, value, window_seconds, text, description,
  enabled, created_at, updated_at, deleted_at FROM fraud_rules`;
/** One live rule as `ALL_RULES` shows it, locked for an update. */
export const RULE_FOR_UPDATE = `${ALL_RULES} WHERE id = $id AND deleted_at IS NULL FOR UPDATE`;
export const INSERT_RULE = `
INSERT INTO fraud_rules (id, kind, action, field, value, window_seconds, text, description, enabled, created_at, updated_at)
VALUES ($id, $kind, $action, $field, $value, $window_seconds, $text, $description, $enabled, $at, $at)`;
export const UPDATE_RULE = `
UPDATE fraud_rules SET kind = $kind, action = $action, field = $field, value = $value, window_seconds = $window_seconds,
  text = $text, description = $description, enabled = $enabled, updated_at = $at
WHERE id = $id AND deleted_at IS NULL`;
/** Both guards on `deleted_at IS NULL`: another process may have deleted the rule since this one loaded it. */
export const DELETE_RULE =
  'UPDATE fraud_rules SET deleted_at = $at, updated_at = $at WHERE id = $id AND deleted_at IS NULL';
/** Attempts seen in the last day, to seed the velocity counters at start. */
export const RECENT_ATTEMPTS = `
SELECT customer_id, payment_method_id, device_id, ip, created_at FROM payments WHERE created_at >= $since ORDER BY created_at`;
export const CUSTOMER_PROFILE = 'SELECT school_id, email FROM customers WHERE id = $id';
/** Every customer's school and email, loaded at start so a decision never waits on a database read. */
export const CUSTOMER_PROFILES = 'SELECT id, school_id, email FROM customers WHERE created_at <= $now';
