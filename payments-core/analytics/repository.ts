/**
 * Payment analytics over attempts created in [$from, $to), optionally for one school, in PostgreSQL SQL (read
 * only: no row is written, so no lock is taken). Every query starts from the same constant base; the breakdown
 * dimension is picked from a constant map, never from input.
 */
const BASE = `
attempts AS (
  SELECT p.id, p.order_id, p.method, p.status, p.error_reason, p.captured_minor, p.created_at, p.captured_at,
         pm.bank, pm.card_network
  FROM payments p LEFT JOIN payment_methods pm ON pm.id = p.payment_method_id
  WHERE p.created_at >= $from AND p.created_at < $to AND (CAST($school_id AS VARCHAR) IS NULL OR p.school_id = $school_id)
)`;

export const TOTALS = `
WITH ${BASE}
SELECT count(*)::BIGINT AS total,
       count(*) FILTER (WHERE status = 'captured')::BIGINT AS captured,
       count(*) FILTER (WHERE status = 'failed')::BIGINT AS failed,
       coalesce(sum(captured_minor) FILTER (WHERE status = 'captured'), 0)::BIGINT AS captured_amount
FROM attempts`;

export const DIMENSIONS = {
  method: 'method',
  bank: `coalesce(bank, 'unknown')`,
  network: `coalesce(card_network, 'unknown')`,
  /** Hour of the attempt in Asia/Kolkata (UTC+05:30, no DST). */
  hour_ist: `to_char(created_at + INTERVAL '330 minutes', 'HH24')`,
} as const;
export type Dimension = keyof typeof DIMENSIONS;

/**
 * Finished attempts (captured or failed) per value of the dimension, with their failure reasons as a JSON array
 * of `{ reason, count }` (text: the caller parses it).
 */
export function breakdownSql(dimension: Dimension): string {
  const filter = dimension === 'bank' ? `method = 'netbanking'` : dimension === 'network' ? `method = 'card'` : 'true';
  return `
WITH ${BASE}, finished AS (
  SELECT ${DIMENSIONS[dimension]} AS key, status, coalesce(error_reason, 'unknown') AS reason
  FROM attempts WHERE status IN ('captured', 'failed') AND ${filter}
), reasons AS (
  SELECT key, reason, count(*)::INTEGER AS n FROM finished WHERE status = 'failed' GROUP BY key, reason
)
SELECT f.key, count(*)::BIGINT AS attempts, count(*) FILTER (WHERE f.status = 'captured')::BIGINT AS captured,
       count(*) FILTER (WHERE f.status = 'failed')::BIGINT AS failed,
       coalesce((SELECT json_agg(json_build_object('reason', r.reason, 'count', r.n) ORDER BY r.n DESC, r.reason)
                 FROM reasons r WHERE r.key = f.key), '[]'::json) AS failure_reasons
FROM finished f GROUP BY f.key ORDER BY f.key`;
}

const RECOVERED = `
failed_orders AS (
  SELECT order_id, min(created_at) AS first_failed_at FROM attempts WHERE status = 'failed' GROUP BY order_id
), recovered AS (
  SELECT f.order_id, sum(q.captured_minor) AS amount
  FROM failed_orders f JOIN payments q ON q.order_id = f.order_id AND q.status = 'captured'
   AND q.created_at > f.first_failed_at
  GROUP BY f.order_id
)`;

/**
 * Orders whose first failed attempt is in the range, and those a later attempt on the same order captured
 * (at any time since).
 */
export const RETRY_RECOVERY = `
WITH ${BASE}, ${RECOVERED}
SELECT (SELECT count(*) FROM failed_orders)::BIGINT AS orders_with_failure,
       count(*)::BIGINT AS recovered_orders, coalesce(sum(amount), 0)::BIGINT AS revenue_recovered
FROM recovered`;

export const RETRY_TABLE_EXISTS = `
SELECT count(*)::BIGINT AS n FROM information_schema.tables
WHERE table_name = 'retry_items' AND table_schema = current_schema()`;
/** Recovered orders the retry queue worked on; only run when retry_items exists. */
export const RECOVERED_BY_RETRY_QUEUE = `
WITH ${BASE}, ${RECOVERED}
SELECT count(*)::BIGINT AS n FROM recovered r WHERE EXISTS (SELECT 1 FROM retry_items q WHERE q.order_id = r.order_id)`;

/** Seconds from order creation to capture for attempts captured in the range; quantiles interpolate linearly. */
export const TIME_TO_SUCCESS = `
WITH ${BASE}, waits AS (
  SELECT extract(epoch FROM a.captured_at - o.created_at)::DOUBLE PRECISION AS seconds
  FROM attempts a JOIN orders o ON o.id = a.order_id
  WHERE a.status = 'captured' AND a.captured_at IS NOT NULL
)
SELECT count(*)::BIGINT AS payments, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90
FROM waits`;

/** Refunds (not failed) of the attempts captured in the range, whenever they were asked for. */
export const REFUNDS = `
WITH ${BASE}, refunded AS (
  SELECT a.id, sum(r.amount_minor) AS amount
  FROM attempts a JOIN refunds r ON r.payment_id = a.id AND r.status <> 'failed'
  WHERE a.status = 'captured' GROUP BY a.id
)
SELECT count(*)::BIGINT AS refunded_payments, coalesce(sum(amount), 0)::BIGINT AS refunded_amount FROM refunded`;
