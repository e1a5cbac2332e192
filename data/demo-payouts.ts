import { recordPayout } from '../payments-core/payouts/record-payout.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { istDate } from '../platform/ist.js';

/**
 * Each school without a payout yet, with what it was owed at the start of the current IST month (from its
 * school_payable lines posted before then), what it is owed now, and the IST day of its first line.
 */
const UNPAID_SCHOOLS = `
SELECT s.id AS school_id,
       coalesce(-sum(l.amount_minor) FILTER (WHERE e.created_at < $month_start), 0)::BIGINT AS owed_at_month_start,
       coalesce(-sum(l.amount_minor), 0)::BIGINT AS owed_now,
       to_char(min(e.created_at) AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD') AS first_day
FROM schools s
LEFT JOIN journal_lines l ON l.school_id = s.id AND l.account = 'school_payable' AND l.currency = 'INR'
LEFT JOIN journal_entries e ON e.id = l.entry_id
WHERE NOT EXISTS (SELECT 1 FROM school_payouts p WHERE p.school_id = s.id)
GROUP BY s.id
ORDER BY s.id`;

/**
 * The demo's payouts: each school is paid, on the first day of the current IST month, everything it was owed at the
 * end of the previous one (the period: from its first takings to that day) (one NEFT transfer, through the payouts use case, as finance records it), so the ledger
 * shows a realistic owed figure: the current month's takings. Once only: a school with a payout is left alone.
 */
export async function runDemoPayouts(deps: { db: Db; clock: Clock }): Promise<{ payouts: number; amount: number }> {
  const today = istDate(deps.clock.now());
  const monthStart = `${today.slice(0, 8)}01`;
  const previousEnd = istDate(new Date(`${monthStart}T00:00:00Z`), 1);
  const rows = await deps.db.all<{
    school_id: string;
    owed_at_month_start: number;
    owed_now: number;
    first_day: string | null;
  }>(UNPAID_SCHOOLS, {
    month_start: new Date(`${monthStart}T00:00:00+05:30`),
  });
  let payouts = 0;
  let amount = 0;
  for (const [i, row] of rows.entries()) {
    const pay = Math.min(row.owed_at_month_start, row.owed_now);
    if (pay <= 0 || row.first_day === null) continue;
    await recordPayout(deps, {
      schoolId: row.school_id,
      amount: pay,
      // NEFT-shaped (16 characters): DEMO, N, the IST date as YYMMDD, a 5-digit sequence.
      utr: `DEMON${monthStart.slice(2).replace(/-/g, '')}${String(i + 1).padStart(5, '0')}`,
      paidOn: monthStart,
      periodFrom: row.first_day,
      periodTo: previousEnd,
      note: 'demo: everything owed up to the end of last month, paid by NEFT',
      createdBy: 'demo',
    });
    payouts++;
    amount += pay;
  }
  return { payouts, amount };
}
