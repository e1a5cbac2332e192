import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { IST_OFFSET_MS } from '../../platform/ist.js';

/**
 * Net revenue as the ledger has it: what the schools earn, i.e. the credits to `school_payable` (captures)
 * less its debits (refunds asked for; a failed refund credits it back), plus finance's adjustments to it —
 * the same account the ledger's balances report. Summed per IST day of the journal entry.
 */
const REVENUE_LINES = `
SELECT to_char(e.created_at + INTERVAL '330 minutes', 'YYYY-MM-DD') AS day, (-sum(l.amount_minor))::BIGINT AS amount
FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
WHERE l.account = 'school_payable' AND e.created_at < $to
  AND (CAST($school_id AS VARCHAR) IS NULL OR l.school_id = $school_id)
GROUP BY 1 ORDER BY 1`;

/**
 * Per plan: each entry's payment (directly, or through its refund), its customer, and the plan of the newest
 * subscription that customer had started by then (an as-of join: the newest started at or before the entry, ties
 * by id; payments of customers without one are in no plan). Read only: no lock taken.
 */
const REVENUE_LINES_BY_PLAN = `
WITH lines AS (
  SELECT e.created_at, -l.amount_minor AS amount,
         CASE e.ref_type WHEN 'payment' THEN e.ref_id WHEN 'refund' THEN r.payment_id END AS payment_id
  FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
  LEFT JOIN refunds r ON e.ref_type = 'refund' AND r.id = e.ref_id
  WHERE l.account = 'school_payable' AND e.created_at < $to
), owned AS (
  SELECT x.created_at, x.amount, p.customer_id FROM lines x JOIN payments p ON p.id = x.payment_id
)
SELECT to_char(o.created_at + INTERVAL '330 minutes', 'YYYY-MM-DD') AS day, sum(o.amount)::BIGINT AS amount
FROM owned o JOIN LATERAL (
  SELECT s.plan_id FROM subscriptions s
  WHERE s.customer_id = o.customer_id AND s.created_at <= o.created_at
  ORDER BY s.created_at DESC, s.id DESC LIMIT 1
) s ON true
WHERE s.plan_id = $plan_id
GROUP BY 1 ORDER BY 1`;

export type RevenueSegment =
  | { readonly kind: 'overall' }
  | { readonly kind: 'school'; readonly id: string }
  | { readonly kind: 'plan'; readonly id: string };

export const segmentKey = (s: RevenueSegment): string => (s.kind === 'overall' ? 'overall' : `${s.kind}:${s.id}`);

/** Parses `overall`, `school:<id>` or `plan:<id>`. */
export function parseSegment(value: string | undefined): RevenueSegment {
  if (value === undefined || value === 'overall') return { kind: 'overall' };
  const m = /^(school|plan):([A-Za-z0-9_-]{1,64})$/.exec(value);
  if (m === null)
    throw invalid('invalid_segment', 'segment must be overall, school:<id> or plan:<id>', [
      { field: '/segment', code: 'invalid_segment', message: 'overall | school:<id> | plan:<id>' },
    ]);
  return { kind: m[1] as 'school' | 'plan', id: m[2] as string };
}

/**
 * Daily net revenue in paise of one segment, for every IST day from the first with revenue through `lastDay`
 * (inclusive, `YYYY-MM-DD`), zeros filled in.
 */
export async function getRevenueSeries(
  sql: Sql,
  segment: RevenueSegment,
  lastDay: string,
): Promise<{ date: string; amountMinor: number }[]> {
  const to = new Date(Date.parse(`${lastDay}T00:00:00Z`) - IST_OFFSET_MS + 86_400_000);
  const rows =
    segment.kind === 'plan'
      ? await sql.all<{ day: string; amount: number }>(REVENUE_LINES_BY_PLAN, { to, plan_id: segment.id })
      : await sql.all<{ day: string; amount: number }>(REVENUE_LINES, {
          to,
          school_id: segment.kind === 'school' ? segment.id : null,
        });
  if (rows.length === 0) return [];
  const byDay = new Map(rows.map((r) => [r.day, r.amount]));
  const out: { date: string; amountMinor: number }[] = [];
  for (let t = Date.parse(`${(rows[0] as { day: string }).day}T00:00:00Z`); ; t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    if (date > lastDay) break;
    out.push({ date, amountMinor: byDay.get(date) ?? 0 });
  }
  return out;
}

/** Every segment with revenue: overall, each school, each plan with subscriptions. */
export async function listRevenueSegments(sql: Sql): Promise<RevenueSegment[]> {
  const schools = await sql.all<{ id: string }>(
    `SELECT DISTINCT school_id AS id FROM journal_lines WHERE account = 'school_payable' AND school_id IS NOT NULL ORDER BY 1`,
  );
  const plans = await sql.all<{ id: string }>('SELECT DISTINCT plan_id AS id FROM subscriptions ORDER BY 1');
  return [
    { kind: 'overall' },
    ...schools.map((s) => ({ kind: 'school' as const, id: s.id })),
    ...plans.map((p) => ({ kind: 'plan' as const, id: p.id })),
  ];
}

/** Whether the school or plan a segment names exists (overall always does). */
export async function segmentExists(sql: Sql, segment: RevenueSegment): Promise<boolean> {
  if (segment.kind === 'overall') return true;
  const row = await sql.one(
    segment.kind === 'school'
      ? 'SELECT 1 AS x FROM schools WHERE id = $id'
      : 'SELECT 1 AS x FROM subscription_plans WHERE id = $id',
    { id: segment.id },
  );
  return row !== undefined;
}
