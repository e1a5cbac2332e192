import {
  FAILURE_HORIZON_MS,
  FRAUD_ENTITIES,
  FRAUD_FEATURES,
  FRAUD_WINDOWS,
  MEDIAN_HISTORY,
  SCHOOL_PRIOR_ATTEMPTS,
  SCHOOL_PRIOR_FAILURES,
} from './feature-set.js';

// The SQL below is assembled once, at load, from the declared feature set (entity and window names, constant
// intervals): no value is ever spliced into it; the time bounds are parameters. The online store loads from
// PostgreSQL (the system of record, PostgreSQL dialect); the offline set is DuckDB SQL run on a snapshot of
// `payments` (offline-features.ts). The interval literal below reads the same in both dialects.
// Concurrency: read only: no statement here writes a table or takes a lock.

const HORIZON = `INTERVAL '${FAILURE_HORIZON_MS / 86_400_000} days'`;
/** A failure counts when it happened less than the horizon after its attempt (feature-set.ts). */
const COUNTED_FAILURE = `failed_at < created_at + ${HORIZON}`;

// ---- rebuilding the online store (online-features.ts), on PostgreSQL -----------------------------------------

/** Milliseconds since the epoch of a timestamptz, exact (the stored instants are whole milliseconds). */
const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::double precision`;

/**
 * Per customer, before the replayed recent window: the attempt count `n` and the last amounts, ranked `r`
 * (1 = newest, by created_at then id). Plain arrays of one aggregation, aligned row by row by their common order.
 */
export const LOAD_CUSTOMER_HISTORY = `
SELECT customer_id, max(n) AS n, array_agg(t ORDER BY r) AS t, array_agg(a ORDER BY r) AS a,
       array_agg(r ORDER BY r) AS r
FROM (SELECT customer_id, ${epochMs('created_at')} AS t, amount_minor::double precision AS a,
             row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC, id DESC)::double precision AS r,
             count(*) OVER (PARTITION BY customer_id) AS n
      FROM payments WHERE created_at < $since) h
WHERE r <= ${MEDIAN_HISTORY}
GROUP BY customer_id`;

/** When each customer first used each device, method or IP (before now), as aligned arrays per customer. */
const firstSeen = (column: string) => `
SELECT customer_id, array_agg(k ORDER BY k) AS k, array_agg(t ORDER BY k) AS t
FROM (SELECT customer_id, ${column} AS k, ${epochMs('min(created_at)')} AS t
      FROM payments WHERE created_at < $now AND ${column} IS NOT NULL GROUP BY customer_id, ${column}) f
GROUP BY customer_id`;
export const LOAD_FIRST_DEVICES = firstSeen('device_id');
export const LOAD_FIRST_METHODS = firstSeen('payment_method_id');
export const LOAD_FIRST_IPS = firstSeen('ip');

/** Per school: attempts before the recent window, and their failures before now. */
export const LOAD_SCHOOL_COUNTS = `
SELECT school_id, count(*) AS n, count(*) FILTER (WHERE failed_at < $now AND ${COUNTED_FAILURE}) AS f
FROM payments WHERE created_at < $since GROUP BY school_id`;

/** The attempts replayed into the windows: created in [since, now), with their failure when before now. */
export const LOAD_RECENT_ATTEMPTS = `
SELECT id, customer_id, school_id, amount_minor AS amount, payment_method_id AS method, device_id, ip,
       ${epochMs('created_at')} AS t,
       CASE WHEN failed_at < $now AND ${COUNTED_FAILURE} THEN ${epochMs('failed_at')} END AS ft
FROM payments WHERE created_at >= $since AND created_at < $now`;

// ---- the offline feature set (offline-features.ts), DuckDB SQL on a snapshot --------------------------------

const KEY: Record<(typeof FRAUD_ENTITIES)[number], string> = {
  customer: 'customer_id',
  method: 'method',
  device: 'device_id',
  ip: 'ip',
};

/** `[at − w, at)`: timestamps are microseconds, so 1 µs before `at` excludes `at` and its ties. */
const frame = (partition: string, lower: string) =>
  `(PARTITION BY ${partition} ORDER BY t RANGE BETWEEN ${lower} PRECEDING AND INTERVAL 1 MICROSECOND PRECEDING)`;

const windowDefs = [
  ...FRAUD_ENTITIES.flatMap((e) => FRAUD_WINDOWS.map((w) => `${e}_${w.name} AS ${frame(KEY[e], w.sql)}`)),
  `customer_all AS ${frame('customer_id', 'UNBOUNDED')}`,
  `school_all AS ${frame('school_id', 'UNBOUNDED')}`,
];

const zeroWhenNull = (e: (typeof FRAUD_ENTITIES)[number], expr: string) =>
  `CASE WHEN ${KEY[e]} IS NULL THEN 0 ELSE coalesce(${expr}, 0) END`;

const windowColumns = [
  ...FRAUD_ENTITIES.flatMap((e) =>
    FRAUD_WINDOWS.flatMap((w) => [
      `${zeroWhenNull(e, `sum(n) OVER ${e}_${w.name}`)} AS ${e}_count_${w.name}`,
      `${zeroWhenNull(e, `sum(amount) OVER ${e}_${w.name}`)} AS ${e}_sum_${w.name}`,
    ]),
  ),
  ...FRAUD_ENTITIES.map((e) => `${zeroWhenNull(e, `sum(f) OVER ${e}_1h`)} AS ${e}_failures_1h`),
  `${zeroWhenNull('device', 'count(DISTINCT dm) OVER device_24h')} AS device_distinct_methods_24h`,
  'coalesce(sum(n) OVER customer_all, 0) AS customer_attempts_before',
  'coalesce(sum(n) OVER school_all, 0) AS school_attempts_before',
  'coalesce(sum(f) OVER school_all, 0) AS school_failures_before',
];

/** The expression of each feature in the final SELECT, by name. */
const featureExpr = (name: string): string => {
  switch (name) {
    case 'amount':
      return 'p.amount';
    case 'hour_of_day_ist':
      return 'hour(p.t + INTERVAL 330 MINUTE)';
    case 'amount_to_customer_median':
      return 'CASE WHEN m.median IS NULL THEN 1.0 ELSE p.amount::DOUBLE / m.median::DOUBLE END';
    case 'new_device':
      return 'nf.new_device';
    case 'new_method':
      return 'nf.new_method';
    case 'new_ip':
      return 'nf.new_ip';
    case 'school_risk_prior':
      return `(w.school_failures_before::DOUBLE + ${SCHOOL_PRIOR_FAILURES}.0) / (w.school_attempts_before::DOUBLE + ${SCHOOL_PRIOR_ATTEMPTS}.0)`;
    default:
      return `w.${name}`;
  }
};

const newFlag = (key: string) =>
  `CASE WHEN ${key} IS NULL THEN 0 WHEN t = min(t) OVER (PARTITION BY customer_id, ${key}) THEN 1 ELSE 0 END`;

/**
 * The fraud label definition: confirmed fraud only. A payment is fraud when its `fraud_label` is set (confirmed fraud
 * in demo or imported data), a reviewer declined it *as fraud* (`fraud_reviews.reason = 'fraud'`), or the parent's
 * bank disputed it as fraud (a dispute in Razorpay's `fraud` phase, "raised by the bank when it suspects a transaction
 * to be fraudulent") and the school did not win it. A plain operator decline (a customer's request, a duplicate,
 * other, or a decline from before reasons were recorded) is not a label, nor is an ordinary chargeback.
 */
export const FRAUD_LABEL_DEFINITION =
  "payments.fraud_label IS NOT NULL, a fraud review declined with reason 'fraud', or a fraud-phase dispute not won; plain declines are not labels, nor are ordinary chargebacks";
/** The reviews that are labels; the snapshot (offline-features.ts) copies only these rows. */
export const FRAUD_REVIEW_LABEL_CONDITION = "outcome = 'declined' AND reason = 'fraud'";
/** The disputes that are labels; the snapshot copies only these rows. */
export const FRAUD_DISPUTE_LABEL_CONDITION = "phase = 'fraud' AND status <> 'won'";

/**
 * The offline feature query over a DuckDB snapshot of `payments` and, when they exist, the label rows of
 * `fraud_reviews` and `disputes` (each table belongs to a later migration and may be absent).
 */
export function offlineFraudFeaturesSql(labels: { reviews: boolean; disputes: boolean }): string {
  const sources = [
    'p.labelled',
    ...(labels.reviews ? [`p.id IN (SELECT payment_id FROM fraud_reviews WHERE ${FRAUD_REVIEW_LABEL_CONDITION})`] : []),
    ...(labels.disputes ? [`p.id IN (SELECT payment_id FROM disputes WHERE ${FRAUD_DISPUTE_LABEL_CONDITION})`] : []),
  ];
  const label = `(${sources.join(' OR ')})`;
  return `
WITH p AS (
  SELECT id, customer_id, school_id, amount_minor AS amount, payment_method_id AS method, device_id, ip,
         created_at AS t, CASE WHEN ${COUNTED_FAILURE} THEN failed_at END AS ft, fraud_label IS NOT NULL AS labelled
  FROM payments WHERE created_at < $to
),
ev AS (
  SELECT id, customer_id, school_id, method, device_id, ip, t, amount::DOUBLE AS amount, method AS dm, 1.0 AS n, 0.0 AS f FROM p
  UNION ALL
  SELECT NULL, customer_id, school_id, method, device_id, ip, ft, 0.0, NULL, 0.0, 1.0 FROM p WHERE ft < $to
),
w AS (
  SELECT id, ${windowColumns.join(',\n    ')}
  FROM ev
  WINDOW ${windowDefs.join(',\n    ')}
),
nf AS (
  SELECT id, ${newFlag('device_id')} AS new_device, ${newFlag('method')} AS new_method, ${newFlag('ip')} AS new_ip
  FROM p
),
g AS (SELECT customer_id, t, list(amount ORDER BY id) AS amounts FROM p GROUP BY customer_id, t),
gh AS (
  SELECT customer_id, t,
         flatten(list(amounts) OVER (PARTITION BY customer_id ORDER BY t
                                     ROWS BETWEEN ${MEDIAN_HISTORY} PRECEDING AND 1 PRECEDING)) AS h
  FROM g
),
m AS (
  SELECT customer_id, t, s[(len(s) - 1) // 2 + 1] AS median
  FROM (SELECT customer_id, t, list_sort(h[-${MEDIAN_HISTORY}:]) AS s FROM gh WHERE len(h) > 0)
)
SELECT p.id, p.t AS at, ${label} AS label,
       [${FRAUD_FEATURES.map((name) => `(${featureExpr(name)})::DOUBLE`).join(',\n        ')}] AS v
FROM p
JOIN w ON w.id = p.id
JOIN nf ON nf.id = p.id
LEFT JOIN m ON m.customer_id = p.customer_id AND m.t = p.t
WHERE p.t >= $from
ORDER BY p.t, p.id`;
}

/** On PostgreSQL: which of the label tables exist (`fraud_reviews`, `disputes`). */
export const LABEL_TABLES = `
SELECT table_name AS name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_name IN ('fraud_reviews', 'disputes')`;
