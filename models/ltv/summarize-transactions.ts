import type { Sql } from '../../platform/db.js';

/** One customer's calibration summary in the unit of the BTYD literature (weeks). */
export interface CustomerSummary {
  readonly customerId: string;
  /** Repeat purchase days in the calibration period (the first purchase day is the customer's birth). */
  readonly x: number;
  /** Weeks from the first purchase day to the last. */
  readonly tx: number;
  /** Weeks from the first purchase day to the end of calibration. */
  readonly T: number;
  /** Mean value of the repeat purchase days (0 when x = 0). */
  readonly mean: number;
  readonly firstDay: string;
}

const DAYS_PER_WEEK = 7;

/**
 * Calibration summary of any relation with columns (customer_id VARCHAR, day DATE, amount DOUBLE), given as the
 * `{source}` SQL text (a constant of the caller, never built from values): purchases of one customer on one
 * day are merged into one (Fader, Hardie & Lee 2005), days after `$end` are ignored, the first day is birth.
 */
const SUMMARY = `WITH days AS (
    SELECT customer_id, day, sum(amount) AS amount FROM ({source}) src
    WHERE day <= CAST($end AS DATE) GROUP BY customer_id, day),
  dated AS (SELECT *, min(day) OVER (PARTITION BY customer_id) AS first_day FROM days)
  SELECT customer_id, count(*) - 1 AS x,
    date_diff('day', first_day, max(day)) AS tx_days,
    date_diff('day', first_day, CAST($end AS DATE)) AS t_days,
    coalesce(sum(amount) FILTER (WHERE day > first_day), 0) AS repeat_amount,
    strftime(first_day, '%Y-%m-%d') AS first_day
  FROM dated GROUP BY customer_id, first_day ORDER BY customer_id`;

/** A CSV of purchases `customer_id,date,amount` (date as YYYY-MM-DD) as a summary source. */
export const CSV_PURCHASES = `SELECT CAST(customer_id AS VARCHAR) AS customer_id, CAST(date AS DATE) AS day,
  CAST(amount AS DOUBLE) AS amount
  FROM read_csv($path, header = true, columns = {'customer_id': 'VARCHAR', 'date': 'DATE', 'amount': 'DOUBLE'})`;

/**
 * kosh's own purchases: captured payments net of refunds, in rupees, on their Asia/Kolkata day (UTC + 5:30; IST
 * has no daylight saving).
 */
export const KOSH_PURCHASES = `SELECT customer_id, CAST(coalesce(captured_at, created_at) + INTERVAL 330 MINUTE AS DATE) AS day,
  (captured_minor - refunded_minor) / 100.0 AS amount
  FROM payments WHERE status = 'captured'`;

/** Summarizes purchases up to and including `end` (a YYYY-MM-DD calibration end) per customer. */
export async function summarizeTransactions(
  sql: Sql,
  source: string,
  params: { end: string; path?: string },
): Promise<CustomerSummary[]> {
  const rows = await sql.all(SUMMARY.replace('{source}', source), { ...params });
  return rows.map((r) => {
    const x = Number(r['x']);
    return {
      customerId: String(r['customer_id']),
      x,
      tx: Number(r['tx_days']) / DAYS_PER_WEEK,
      T: Number(r['t_days']) / DAYS_PER_WEEK,
      mean: x > 0 ? Number(r['repeat_amount']) / x : 0,
      firstDay: String(r['first_day']),
    };
  });
}
