/**
 * Concurrency: edits and archiving are `WHERE status = 'active'` guards; a price version is the unique key
 * (plan_id, version), so two concurrent repricings cannot both write version n + 1; an edit holds the plan's row
 * lock (`LOCK_PLAN`) from its read to its write, so an If-Match check cannot pass on a row another edit is changing.
 */
export const PLAN_COLUMNS = `
SELECT 'subscription_plan' AS object, t.id, t.name, t.description, t.interval_unit AS "interval", t.interval_count,
       t.amount_minor AS amount, t.currency, t.price_version, t.trial_days, t.setup_fee_minor AS setup_fee, t.per_unit,
       t.unit_label, t.tax_category, t.gst_rate_bp, t.billing_timing, t.hsn_sac, t.uqc, t.exemption_basis, t.status, t.created_at, t.updated_at, t.archived_at
FROM subscription_plans t`;
export const PLAN_BY_ID = `${PLAN_COLUMNS} WHERE t.id = $id`;
export const LOCK_PLAN = 'SELECT id FROM subscription_plans WHERE id = $id FOR UPDATE';
export const INSERT_PLAN = `
INSERT INTO subscription_plans (id, name, description, interval_unit, interval_count, amount_minor, currency, price_version,
  trial_days, setup_fee_minor, per_unit, unit_label, tax_category, gst_rate_bp, billing_timing, hsn_sac, uqc, exemption_basis,
  status, created_at, updated_at)
VALUES ($id, $name, $description, $interval, $interval_count, $amount, $currency, 1, $trial_days, $setup_fee, $per_unit,
  $unit_label, $tax_category, $gst_rate_bp, $billing_timing, $hsn_sac, $uqc, $exemption_basis, 'active', $at, $at)`;
export const INSERT_PLAN_PRICE = `
INSERT INTO subscription_plan_prices (plan_id, version, amount_minor, currency, created_at)
VALUES ($plan_id, $version, $amount, $currency, $at)`;
export const UPDATE_PLAN = `
UPDATE subscription_plans SET name = $name, description = $description, unit_label = $unit_label, trial_days = $trial_days,
  setup_fee_minor = $setup_fee, amount_minor = $amount, price_version = $price_version, updated_at = $at
WHERE id = $id AND status = 'active'`;
export const ARCHIVE_PLAN = `
UPDATE subscription_plans SET status = 'archived', archived_at = $at, updated_at = $at WHERE id = $id AND status = 'active'`;
