-- Billing timing and exact mid-period changes (issue 16).
--
-- A plan bills `in_advance` (each period at its start: meals are prepaid) or `in_arrears` (each period at its end).
-- Plans and subscriptions that existed before this migration were billed in arrears and stay so; new plans default
-- to in_advance in the API. A subscription keeps the timing it was sold with.
ALTER TABLE subscription_plans ADD COLUMN billing_timing VARCHAR NOT NULL DEFAULT 'in_arrears';
ALTER TABLE subscription_plans ADD CONSTRAINT subscription_plans_billing_timing_known
  CHECK (billing_timing IN ('in_advance', 'in_arrears'));
ALTER TABLE subscriptions ADD COLUMN billing_timing VARCHAR NOT NULL DEFAULT 'in_arrears';
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_billing_timing_known
  CHECK (billing_timing IN ('in_advance', 'in_arrears'));

-- The instant from which the subscription's current terms accrue in its current period; NULL while nothing accrues
-- (paused, cancelled). A period's plan line covers [greatest(terms_from, period start), period end) at the current
-- terms, per IST day; what accrued before a change, pause or cancel is a `period_segment` charge at the terms of then.
ALTER TABLE subscriptions ADD COLUMN terms_from TIMESTAMPTZ;
UPDATE subscriptions SET terms_from = greatest(start_at, current_period_start)
WHERE status IN ('created', 'authenticated', 'trialing', 'active', 'pending', 'halted');

-- Each charge carries its own tax, so a credit reverses the tax it was charged with and a segment keeps the rate of
-- the plan it was supplied under. Rows from before this migration take their subscription's (as they were billed).
ALTER TABLE subscription_charges ADD COLUMN tax_category VARCHAR;
ALTER TABLE subscription_charges ADD COLUMN gst_rate_bp INTEGER;
ALTER TABLE subscription_charges ADD COLUMN quantity INTEGER NOT NULL DEFAULT 1;
ALTER TABLE subscription_charges ADD COLUMN unit_amount_minor BIGINT;
UPDATE subscription_charges c SET tax_category = s.tax_category, gst_rate_bp = s.gst_rate_bp
FROM subscriptions s WHERE s.id = c.subscription_id;
ALTER TABLE subscription_charges ALTER COLUMN tax_category SET NOT NULL;
ALTER TABLE subscription_charges ADD CONSTRAINT subscription_charges_kind_known
  CHECK (kind IN ('proration_credit', 'proration_charge', 'period_segment'));
ALTER TABLE subscription_charges ADD CONSTRAINT subscription_charges_sign
  CHECK ((kind = 'proration_credit') = (amount_minor < 0) OR amount_minor = 0);
ALTER TABLE subscription_charges ADD CONSTRAINT subscription_charges_tax_known
  CHECK ((tax_category = 'gst') = (gst_rate_bp IS NOT NULL));

-- amount × days / period_days, rounded half-even to the paisa (the rounding of `proportion` in platform/money.ts),
-- for days clamped to [0, period_days]: the share of a period's price for a part of it.
CREATE FUNCTION prorate_minor(amount BIGINT, days INTEGER, period_days INTEGER) RETURNS BIGINT
LANGUAGE SQL IMMUTABLE STRICT AS $$
  SELECT CASE
    WHEN period_days <= 0 THEN 0
    WHEN 2 * r > period_days OR (2 * r = period_days AND q % 2 <> 0) THEN q + CASE WHEN n < 0 THEN -1 ELSE 1 END
    ELSE q END
  FROM (SELECT n, n / period_days AS q, abs(n) % period_days AS r
        FROM (SELECT amount * least(greatest(days, 0), period_days) AS n) x) y
$$;

-- Whole Asia/Kolkata calendar days from the day holding `a` to the day holding `b` (istDaysBetween in TS).
CREATE FUNCTION ist_days(a TIMESTAMPTZ, b TIMESTAMPTZ) RETURNS INTEGER
LANGUAGE SQL IMMUTABLE STRICT AS $$
  SELECT ((b AT TIME ZONE 'Asia/Kolkata')::date - (a AT TIME ZONE 'Asia/Kolkata')::date)
$$;
