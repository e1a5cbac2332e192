/**
 * Subscription analytics in PostgreSQL SQL (read only: no lock taken), replayed from the audit trail
 * (`subscription_events`). Every query starts from the same constant `TIMELINE`: one row per event with the
 * subscription's status and per-period amount after it, its plan and quantity, and the MRR (paise) that state
 * contributes; `$school_id` (NULL = every school) keeps the subscriptions of one school. Boundaries are instants;
 * a state "at t" is the last event created before t (`< $t` for month boundaries; the summary's `at` includes events
 * at `at` itself).
 */

/** Per-period amount → month: weekly × 52/12, quarterly ÷ 3, yearly ÷ 12, ÷ interval_count; half-even to the paisa. */
const NUMERATOR = `amount * CASE interval_unit WHEN 'weekly' THEN 52 ELSE 1 END`;
const DENOMINATOR = `interval_count * CASE interval_unit WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 ELSE 12 END`;

const TIMELINE = `
events AS (
  SELECT e.subscription_id, s.customer_id, e.seq, e.type, e.from_status, e.to_status, e.created_at,
         s.interval_unit, s.interval_count,
         CASE WHEN e.type = 'created' THEN (e.data->>'unit_amount')::BIGINT * (e.data->>'quantity')::BIGINT
              WHEN e.type IN ('plan_changed', 'quantity_changed')
              THEN coalesce((e.data->>'to_amount')::BIGINT, (e.data->>'to_quantity')::BIGINT * s.unit_amount_minor)
         END AS amount,
         CASE WHEN e.type = 'created' THEN (e.data->>'quantity')::BIGINT
              WHEN e.type IN ('plan_changed', 'quantity_changed') THEN (e.data->>'to_quantity')::BIGINT
         END AS quantity,
         CASE WHEN e.type = 'created' THEN coalesce(e.data->>'plan_id', s.plan_id)
              WHEN e.type = 'plan_changed' THEN coalesce(e.data->>'to_plan_id', s.plan_id)
         END AS plan_id
  FROM subscription_events e JOIN subscriptions s ON s.id = e.subscription_id
  WHERE (CAST($school_id AS VARCHAR) IS NULL OR s.school_id = $school_id)
), runs AS (
  -- Each value carried forward from its last non-null event: the running count of non-nulls numbers the runs,
  -- and a run's first row holds the value (PostgreSQL has no last_value … IGNORE NULLS).
  SELECT *, count(to_status) OVER w AS status_run, count(amount) OVER w AS amount_run,
         count(quantity) OVER w AS quantity_run, count(plan_id) OVER w AS plan_run
  FROM events
  WINDOW w AS (PARTITION BY subscription_id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), steps AS (
  SELECT subscription_id, customer_id, seq, created_at, interval_unit, interval_count,
         first_value(to_status) OVER (PARTITION BY subscription_id, status_run ORDER BY seq) AS status,
         first_value(amount) OVER (PARTITION BY subscription_id, amount_run ORDER BY seq) AS amount,
         first_value(quantity) OVER (PARTITION BY subscription_id, quantity_run ORDER BY seq) AS quantity,
         first_value(plan_id) OVER (PARTITION BY subscription_id, plan_run ORDER BY seq) AS plan_id
  FROM runs
), fractions AS (
  SELECT *, (${NUMERATOR})::BIGINT AS num, (${DENOMINATOR})::BIGINT AS den FROM steps
), timeline AS (
  SELECT subscription_id, customer_id, seq, created_at, status, plan_id, quantity,
         CASE WHEN status IN ('active', 'pending') AND num > 0
              THEN num / den + CASE WHEN 2 * (num % den) > den THEN 1
                                    WHEN 2 * (num % den) = den THEN (num / den) % 2 ELSE 0 END
              ELSE 0 END::BIGINT AS mrr
  FROM fractions
)`;

/** The state at $at (events at or before it). */
export const SUMMARY = `
WITH ${TIMELINE}, now AS (
  SELECT DISTINCT ON (subscription_id) * FROM timeline WHERE created_at <= $at ORDER BY subscription_id, seq DESC
)
SELECT coalesce(sum(mrr), 0)::BIGINT AS mrr,
       count(DISTINCT customer_id) FILTER (WHERE mrr > 0)::BIGINT AS paying_customers,
       count(*) FILTER (WHERE mrr > 0)::BIGINT AS live_subscriptions,
       count(*) FILTER (WHERE status = 'trialing')::BIGINT AS trialing_subscriptions,
       count(*) FILTER (WHERE status = 'paused')::BIGINT AS paused_subscriptions
FROM now`;

/**
 * IST month boundaries: point k is 00:00 IST on the first of the k-th month after $first_month (a naive local
 * date), k = 0..$n. Month i runs [point i, point i + 1).
 */
const POINTS = `
points AS (
  SELECT r.k, (CAST($first_month AS TIMESTAMPTZ) + make_interval(months => r.k::INTEGER)) - INTERVAL '330 minutes' AS t
  FROM generate_series(0, CAST($n AS BIGINT)) r(k)
), sub_at AS (
  SELECT DISTINCT ON (p.k, tl.subscription_id) p.k, tl.subscription_id, tl.customer_id, tl.mrr
  FROM points p JOIN timeline tl ON tl.created_at < p.t
  ORDER BY p.k, tl.subscription_id, tl.seq DESC
), cust_at AS (
  SELECT k, customer_id, sum(mrr)::BIGINT AS mrr FROM sub_at GROUP BY k, customer_id
), first_live AS (
  SELECT customer_id, min(created_at) AS first_at FROM timeline WHERE mrr > 0 GROUP BY customer_id
)`;

/**
 * Per IST month i: customer MRR at its start and end, and each customer's change classified (new: first time
 * paying; reactivation: paid before; churned: to 0; expansion / contraction: up / down while paying).
 */
export const MOVEMENTS = `
WITH ${TIMELINE}, ${POINTS}, pairs AS (
  SELECT m.i, c.customer_id, coalesce(a.mrr, 0) AS start_mrr, coalesce(b.mrr, 0) AS end_mrr
  FROM generate_series(0, CAST($n AS BIGINT) - 1) m(i) CROSS JOIN (SELECT DISTINCT customer_id FROM timeline) c
  LEFT JOIN cust_at a ON a.k = m.i AND a.customer_id = c.customer_id
  LEFT JOIN cust_at b ON b.k = m.i + 1 AND b.customer_id = c.customer_id
), classified AS (
  SELECT p.i, p.start_mrr, p.end_mrr, p.end_mrr - p.start_mrr AS delta,
         CASE WHEN p.start_mrr = 0 AND p.end_mrr > 0 THEN (CASE WHEN f.first_at < pt.t THEN 'reactivation' ELSE 'new' END)
              WHEN p.start_mrr > 0 AND p.end_mrr = 0 THEN 'churned'
              WHEN p.end_mrr > p.start_mrr THEN 'expansion'
              WHEN p.end_mrr < p.start_mrr THEN 'contraction' END AS kind
  FROM pairs p JOIN points pt ON pt.k = p.i LEFT JOIN first_live f ON f.customer_id = p.customer_id
)
SELECT c.i, to_char(CAST($first_month AS TIMESTAMPTZ) + make_interval(months => c.i::INTEGER), 'YYYY-MM') AS month,
       sum(c.start_mrr)::BIGINT AS start_mrr, sum(c.end_mrr)::BIGINT AS end_mrr,
       coalesce(sum(c.delta) FILTER (WHERE c.kind = 'new'), 0)::BIGINT AS new,
       coalesce(sum(c.delta) FILTER (WHERE c.kind = 'expansion'), 0)::BIGINT AS expansion,
       coalesce(sum(c.delta) FILTER (WHERE c.kind = 'contraction'), 0)::BIGINT AS contraction,
       coalesce(sum(c.delta) FILTER (WHERE c.kind = 'churned'), 0)::BIGINT AS churned,
       coalesce(sum(c.delta) FILTER (WHERE c.kind = 'reactivation'), 0)::BIGINT AS reactivation,
       count(*) FILTER (WHERE c.start_mrr > 0)::BIGINT AS customers_start,
       count(*) FILTER (WHERE c.end_mrr > 0)::BIGINT AS customers_end,
       count(*) FILTER (WHERE c.kind = 'new')::BIGINT AS customers_new,
       count(*) FILTER (WHERE c.kind = 'reactivation')::BIGINT AS customers_reactivated,
       count(*) FILTER (WHERE c.kind = 'churned')::BIGINT AS customers_churned
FROM classified c GROUP BY c.i ORDER BY c.i`;

/** Trials ending per IST month i: the first move out of `trialing`; converted when that move is to `active`. */
export const TRIALS = `
WITH ${TIMELINE}, points AS (
  SELECT r.k, (CAST($first_month AS TIMESTAMPTZ) + make_interval(months => r.k::INTEGER)) - INTERVAL '330 minutes' AS t
  FROM generate_series(0, CAST($n AS BIGINT)) r(k)
), ends AS (
  SELECT DISTINCT ON (subscription_id) subscription_id, to_status, created_at FROM events
  WHERE type = 'status_changed' AND from_status = 'trialing'
  ORDER BY subscription_id, seq
)
SELECT a.k AS i, count(e.subscription_id)::BIGINT AS ended,
       count(e.subscription_id) FILTER (WHERE e.to_status = 'active')::BIGINT AS converted
FROM points a JOIN points b ON b.k = a.k + 1
LEFT JOIN ends e ON e.created_at >= a.t AND e.created_at < b.t
GROUP BY a.k ORDER BY a.k`;

/**
 * Cohorts by the IST month they first paid (c = 0..$cohorts - 1 from $first_month): subscriptions (retention: how
 * many are live) or customers (empirical LTV: their summed MRR) at the end of month c + age. A cohort none of whose
 * months has ended yet has one row with a null age.
 */
export function cohortSql(of: 'subscription' | 'customer'): string {
  const [key, at, value] =
    of === 'subscription'
      ? ['subscription_id', 'sub_at', 'count(a.mrr) FILTER (WHERE a.mrr > 0)']
      : ['customer_id', 'cust_at', 'coalesce(sum(a.mrr), 0)'];
  return `
WITH ${TIMELINE}, ${POINTS}, firsts AS (
  SELECT ${key} AS id, min(created_at) AS first_at FROM timeline WHERE mrr > 0 GROUP BY ${key}
), cohort AS (
  SELECT id, (extract(year FROM first_at + INTERVAL '330 minutes') * 12 + extract(month FROM first_at + INTERVAL '330 minutes')
              - extract(year FROM CAST($first_month AS TIMESTAMPTZ)) * 12
              - extract(month FROM CAST($first_month AS TIMESTAMPTZ)))::INTEGER AS c
  FROM firsts
), sizes AS (
  SELECT c, count(*)::BIGINT AS size FROM cohort WHERE c >= 0 AND c < CAST($cohorts AS INTEGER) GROUP BY c
)
SELECT z.c, z.size, a.k - z.c - 1 AS age, (${value})::BIGINT AS value
FROM sizes z JOIN cohort s ON s.c = z.c LEFT JOIN ${at} a ON a.${key} = s.id AND a.k > s.c
GROUP BY z.c, z.size, a.k ORDER BY z.c, age NULLS FIRST`;
}

/**
 * One row per plan: the state at $at (subscribers and quantity in a counted status, MRR, trialing), trials that
 * ended in the IST months [$first_month, + $n) by the plan they were on, and subscription churn pooled over those
 * months: a subscription counted on the plan at a month start is in that month's base; it churned when it is in no
 * counted status at the month end, and moved out (not churn) when it is counted on another plan then.
 */
export const PLANS = `
WITH ${TIMELINE}, ${POINTS}, now AS (
  SELECT DISTINCT ON (subscription_id) * FROM timeline WHERE created_at <= $at ORDER BY subscription_id, seq DESC
), state AS (
  SELECT plan_id,
         count(*) FILTER (WHERE status IN ('active', 'pending'))::BIGINT AS subscribers,
         coalesce(sum(quantity) FILTER (WHERE status IN ('active', 'pending')), 0)::BIGINT AS quantity,
         coalesce(sum(mrr), 0)::BIGINT AS mrr,
         count(*) FILTER (WHERE status = 'trialing')::BIGINT AS trialing
  FROM now GROUP BY plan_id
), plan_at AS (
  SELECT DISTINCT ON (p.k, tl.subscription_id) p.k, tl.subscription_id, tl.plan_id,
         tl.status IN ('active', 'pending') AS counted
  FROM points p JOIN timeline tl ON tl.created_at < p.t
  ORDER BY p.k, tl.subscription_id, tl.seq DESC
), churn AS (
  SELECT a.plan_id, count(*)::BIGINT AS base,
         count(*) FILTER (WHERE NOT b.counted)::BIGINT AS churned,
         count(*) FILTER (WHERE b.counted AND b.plan_id <> a.plan_id)::BIGINT AS moved_out
  FROM plan_at a JOIN plan_at b ON b.subscription_id = a.subscription_id AND b.k = a.k + 1
  WHERE a.counted AND a.k < CAST($n AS BIGINT)
  GROUP BY a.plan_id
), ends AS (
  SELECT DISTINCT ON (e.subscription_id) e.subscription_id, e.to_status, e.created_at, tl.plan_id
  FROM events e JOIN timeline tl ON tl.subscription_id = e.subscription_id AND tl.seq = e.seq
  WHERE e.type = 'status_changed' AND e.from_status = 'trialing'
  ORDER BY e.subscription_id, e.seq
), trials AS (
  SELECT e.plan_id, count(*)::BIGINT AS ended, count(*) FILTER (WHERE e.to_status = 'active')::BIGINT AS converted
  FROM ends e JOIN points lo ON lo.k = 0 JOIN points hi ON hi.k = CAST($n AS BIGINT)
  WHERE e.created_at >= lo.t AND e.created_at < hi.t
  GROUP BY e.plan_id
)
SELECT pl.id AS plan_id, pl.name, pl.status, pl.interval_unit AS interval, pl.interval_count, pl.currency,
       coalesce(s.subscribers, 0)::BIGINT AS subscribers, coalesce(s.quantity, 0)::BIGINT AS quantity,
       coalesce(s.mrr, 0)::BIGINT AS mrr, coalesce(s.trialing, 0)::BIGINT AS trialing,
       coalesce(t.ended, 0)::BIGINT AS trials_ended, coalesce(t.converted, 0)::BIGINT AS trials_converted,
       coalesce(c.base, 0)::BIGINT AS churn_base, coalesce(c.churned, 0)::BIGINT AS churned,
       coalesce(c.moved_out, 0)::BIGINT AS moved_out
FROM subscription_plans pl
LEFT JOIN state s ON s.plan_id = pl.id LEFT JOIN trials t ON t.plan_id = pl.id LEFT JOIN churn c ON c.plan_id = pl.id
ORDER BY pl.created_at, pl.id`;
