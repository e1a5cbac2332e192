// The churn feature SQL, DuckDB on a snapshot of CHURN_SOURCE_TABLES: one statement computes every snapshot
// set-wise. Snapshots are the instants $first, $first + $step_days, … ≤ $last; every window is read relative to its
// snapshot, so a row created after a snapshot never reaches that snapshot's features (it may reach its label, which
// looks 30 days ahead). Concurrency: read only (DuckDB over a snapshot): no row of the system of record is written.

/** The tables CHURN_SNAPSHOTS reads, copied out of PostgreSQL; `dunning_cases` is added when it exists. */
export const CHURN_SOURCE_TABLES = [
  'customers',
  'students',
  'payments',
  'refunds',
  'payment_methods',
  'subscriptions',
  'subscription_plan_prices',
  'subscription_events',
] as const;

/** On PostgreSQL. */
export const TABLE_EXISTS = `SELECT count(*) AS n FROM information_schema.tables
  WHERE table_schema = current_schema() AND table_name = CAST($name AS VARCHAR)`;

/** Dunning history when the dunning tables exist. */
export const DUNNING_PRESENT = `SELECT s.as_of, d.customer_id,
    count(*) AS dunning_cases_180d,
    count(*) FILTER (WHERE d.closed_at IS NULL OR d.closed_at > s.as_of) AS dunning_open
  FROM snaps s JOIN dunning_cases d ON d.failed_at <= s.as_of AND d.failed_at > s.as_of - INTERVAL 180 DAY
  GROUP BY s.as_of, d.customer_id`;

/** The same shape, empty, for a database without dunning. */
export const DUNNING_ABSENT = `SELECT CAST(NULL AS TIMESTAMP) AS as_of, CAST(NULL AS VARCHAR) AS customer_id,
    0 AS dunning_cases_180d, 0 AS dunning_open WHERE false`;

export const CHURN_SNAPSHOTS = `WITH snaps AS (
    SELECT as_of FROM generate_series(CAST($first AS TIMESTAMP), CAST($last AS TIMESTAMP),
      to_days(CAST($step_days AS INTEGER))) t(as_of)),
  pay AS (
    SELECT s.as_of, p.customer_id,
      count(DISTINCT p.order_id) FILTER (WHERE p.status = 'captured' AND p.created_at > s.as_of - INTERVAL 30 DAY
        AND p.created_at <= s.as_of) AS orders_30d,
      count(DISTINCT p.order_id) FILTER (WHERE p.status = 'captured' AND p.created_at > s.as_of - INTERVAL 90 DAY
        AND p.created_at <= s.as_of - INTERVAL 30 DAY) AS orders_prev_60d,
      count(*) FILTER (WHERE p.status = 'failed' AND p.created_at <= s.as_of) AS failed_payments_90d,
      count(*) FILTER (WHERE p.created_at <= s.as_of) AS attempts_90d,
      coalesce(sum(p.amount_minor) FILTER (WHERE p.status = 'captured' AND p.created_at <= s.as_of), 0) AS spend_90d_minor,
      max(p.created_at) FILTER (WHERE p.status = 'captured' AND p.created_at <= s.as_of) AS last_order_at,
      count(DISTINCT p.order_id) FILTER (WHERE p.status = 'captured' AND p.created_at > s.as_of) AS orders_next
    FROM snaps s JOIN payments p
      ON p.created_at > s.as_of - INTERVAL 90 DAY AND p.created_at <= s.as_of + INTERVAL 30 DAY
    GROUP BY s.as_of, p.customer_id),
  refunded AS (
    SELECT s.as_of, p.customer_id, count(*) AS refunds_90d
    FROM snaps s JOIN refunds r ON r.created_at > s.as_of - INTERVAL 90 DAY AND r.created_at <= s.as_of
      JOIN payments p ON p.id = r.payment_id
    GROUP BY s.as_of, p.customer_id),
  subs AS (
    SELECT s.as_of, sub.customer_id,
      count(*) FILTER (WHERE sub.start_at <= s.as_of
        AND coalesce(sub.ended_at, sub.cancelled_at, TIMESTAMP '9999-12-31') > s.as_of) AS active_subscriptions,
      coalesce(max(sub.unit_amount_minor * sub.quantity) FILTER (WHERE sub.start_at <= s.as_of
        AND coalesce(sub.ended_at, sub.cancelled_at, TIMESTAMP '9999-12-31') > s.as_of), 0) AS subscription_amount_minor,
      -- Monthly-normalised as MRR is (payments-core/subscription-analytics): weekly × 52/12, quarterly ÷ 3, yearly ÷ 12,
      -- ÷ interval_count, half-even per subscription; summed over the family's live subscriptions.
      coalesce(sum(round_even(sub.unit_amount_minor * sub.quantity
          * CASE sub.interval_unit WHEN 'weekly' THEN 52 ELSE 1 END
          / (sub.interval_count * CASE sub.interval_unit WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 ELSE 12 END), 0))
        FILTER (WHERE sub.start_at <= s.as_of
          AND coalesce(sub.ended_at, sub.cancelled_at, TIMESTAMP '9999-12-31') > s.as_of), 0) AS subscription_monthly_minor,
      arg_max(sub.plan_id, sub.start_at) FILTER (WHERE sub.start_at <= s.as_of) AS plan_id,
      count(*) FILTER (WHERE coalesce(sub.ended_at, sub.cancelled_at) > s.as_of
        AND coalesce(sub.ended_at, sub.cancelled_at) <= s.as_of + INTERVAL 30 DAY) AS subscriptions_ending_next
    FROM snaps s JOIN subscriptions sub ON sub.created_at <= s.as_of
    GROUP BY s.as_of, sub.customer_id),
  prices AS (
    SELECT s.as_of, sub.customer_id, count(*) AS price_versions_behind
    FROM snaps s JOIN subscriptions sub ON sub.start_at <= s.as_of
        AND coalesce(sub.ended_at, sub.cancelled_at, TIMESTAMP '9999-12-31') > s.as_of
      JOIN subscription_plan_prices pp ON pp.plan_id = sub.plan_id AND pp.version > sub.plan_price_version
        AND pp.created_at <= s.as_of
    GROUP BY s.as_of, sub.customer_id),
  sub_events AS (
    SELECT s.as_of, sub.customer_id,
      count(*) FILTER (WHERE e.type IN ('plan_changed', 'quantity_changed')
        AND e.created_at > s.as_of - INTERVAL 180 DAY) AS plan_changes_180d,
      count(*) FILTER (WHERE e.type = 'cancel_scheduled') AS cancel_scheduled
    FROM snaps s JOIN subscription_events e ON e.created_at <= s.as_of
      JOIN subscriptions sub ON sub.id = e.subscription_id
    GROUP BY s.as_of, sub.customer_id),
  dunning AS ({dunning}),
  kids AS (
    SELECT s.as_of, st.customer_id, count(*) AS children
    FROM snaps s JOIN students st ON st.created_at <= s.as_of GROUP BY s.as_of, st.customer_id),
  cards AS (
    SELECT s.as_of, pm.customer_id,
      max(CASE WHEN pm.type = 'card' AND pm.card_exp_year IS NOT NULL
        AND make_date(pm.card_exp_year, pm.card_exp_month, 1) + INTERVAL 1 MONTH <= s.as_of + INTERVAL 60 DAY
        THEN 1 ELSE 0 END) AS card_expiring_60d
    FROM snaps s JOIN payment_methods pm ON pm.created_at <= s.as_of AND pm.is_default
      AND (pm.deleted_at IS NULL OR pm.deleted_at > s.as_of)
    GROUP BY s.as_of, pm.customer_id),
  base AS (
    SELECT s.as_of, c.id AS customer_id, c.school_id,
      coalesce(subs.plan_id, 'meal_packs') AS plan,
      date_diff('day', c.created_at, s.as_of) AS tenure_days,
      coalesce(kids.children, 0) AS children,
      coalesce(pay.orders_30d, 0) AS orders_30d,
      coalesce(pay.orders_prev_60d, 0) AS orders_prev_60d,
      coalesce(pay.orders_30d, 0) - coalesce(pay.orders_prev_60d, 0) / 2.0 AS order_trend,
      coalesce(least(date_diff('day', pay.last_order_at, s.as_of), 90), 90) AS days_since_last_order,
      coalesce(pay.spend_90d_minor, 0) AS spend_90d_minor,
      coalesce(pay.failed_payments_90d, 0) AS failed_payments_90d,
      CASE WHEN coalesce(pay.attempts_90d, 0) = 0 THEN 0
        ELSE pay.failed_payments_90d / pay.attempts_90d END AS failed_share_90d,
      coalesce(refunded.refunds_90d, 0) AS refunds_90d,
      coalesce(dunning.dunning_cases_180d, 0) AS dunning_cases_180d,
      CASE WHEN coalesce(dunning.dunning_open, 0) > 0 THEN 1 ELSE 0 END AS dunning_open,
      CASE WHEN coalesce(subs.active_subscriptions, 0) > 0 THEN 1 ELSE 0 END AS active_subscription,
      coalesce(subs.subscription_amount_minor, 0) AS subscription_amount_minor,
      coalesce(subs.subscription_monthly_minor, 0) AS subscription_monthly_minor,
      coalesce(sub_events.plan_changes_180d, 0) AS plan_changes_180d,
      coalesce(prices.price_versions_behind, 0) AS price_versions_behind,
      CASE WHEN coalesce(sub_events.cancel_scheduled, 0) > 0 THEN 1 ELSE 0 END AS cancel_scheduled,
      coalesce(cards.card_expiring_60d, 0) AS card_expiring_60d,
      CASE WHEN coalesce(pay.orders_next, 0) = 0 OR coalesce(subs.subscriptions_ending_next, 0) > 0 THEN 1 ELSE 0 END
        AS churned
    FROM snaps s JOIN customers c ON c.created_at <= s.as_of
      LEFT JOIN pay ON pay.as_of = s.as_of AND pay.customer_id = c.id
      LEFT JOIN refunded ON refunded.as_of = s.as_of AND refunded.customer_id = c.id
      LEFT JOIN subs ON subs.as_of = s.as_of AND subs.customer_id = c.id
      LEFT JOIN prices ON prices.as_of = s.as_of AND prices.customer_id = c.id
      LEFT JOIN sub_events ON sub_events.as_of = s.as_of AND sub_events.customer_id = c.id
      LEFT JOIN dunning ON dunning.as_of = s.as_of AND dunning.customer_id = c.id
      LEFT JOIN kids ON kids.as_of = s.as_of AND kids.customer_id = c.id
      LEFT JOIN cards ON cards.as_of = s.as_of AND cards.customer_id = c.id
    WHERE coalesce(pay.orders_30d, 0) + coalesce(pay.orders_prev_60d, 0) > 0 OR coalesce(subs.active_subscriptions, 0) > 0)
  SELECT *,
    sum(orders_30d) OVER w / greatest(sum(orders_prev_60d) OVER w / 2.0, 1) AS school_order_trend
  FROM base
  WINDOW w AS (PARTITION BY as_of, school_id)
  ORDER BY as_of, customer_id`;
