import { linesFor } from '../payments-core/ledger/journal-rules.js';
import { postEntry } from '../payments-core/ledger/post-entry.js';
import { recordPayout } from '../payments-core/payouts/record-payout.js';
import { addDays, captureDaysSettlingOn, settlementDayOf } from '../platform/bank-days.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { istDate } from '../platform/ist.js';
import { paise } from '../platform/money.js';

/** The first settlement day a gateway reconciliation ran for (its captures and later ones are booked by the runs). */
const FIRST_RECONCILED_DAY = `
SELECT to_char(min(report_date), 'YYYY-MM-DD') AS day FROM reconciliation_runs WHERE source = 'gateway'`;
/** What the gateway clearing holds from entries before `$before`. */
const CLEARING_BEFORE = `
SELECT coalesce(sum(l.amount_minor), 0)::BIGINT AS held
FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
WHERE l.account = 'gateway_clearing' AND l.currency = 'INR' AND e.created_at < $before`;
const BANK = `SELECT coalesce(sum(amount_minor), 0)::BIGINT AS balance FROM journal_lines WHERE account = 'bank'`;
const HISTORY_SETTLEMENT = 'demo_settled_history';

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
  await bookSettledHistory(deps, today);
  let inBank = Number((await deps.db.one<{ balance: number }>(BANK))?.balance ?? 0);
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
    // Paid out of what has reached the bank, never more: the platform's account does not go overdrawn.
    const pay = Math.min(row.owed_at_month_start, row.owed_now, inBank);
    if (pay <= 0 || row.first_day === null) continue;
    inBank -= pay;
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

/**
 * The demo history's settlements, received in the bank before the first settlement day kosh reconciled (or, with
 * none reconciled, every capture whose T+2 settlement day has come): one `settlement` entry moving what the gateway
 * clearing held from before then to the bank, as finance brings the books up to date when kosh starts reconciling.
 * Without it the demo's history would sit in the gateway clearing forever and the payouts would overdraw the bank.
 * Once only (the entry id).
 */
async function bookSettledHistory(deps: { db: Db; clock: Clock }, today: string): Promise<void> {
  // Today's captures settle later; walk back to the first capture day whose settlement day has not come.
  let boundary = today;
  while (settlementDayOf(addDays(boundary, -1)) > today) boundary = addDays(boundary, -1);
  const reconciled = (await deps.db.one<{ day: string | null }>(FIRST_RECONCILED_DAY))?.day ?? null;
  const firstReconciledCapture = reconciled === null ? undefined : captureDaysSettlingOn(reconciled)[0];
  if (firstReconciledCapture !== undefined && firstReconciledCapture < boundary) boundary = firstReconciledCapture;
  const before = new Date(`${boundary}T00:00:00+05:30`);
  const held = Number((await deps.db.one<{ held: number }>(CLEARING_BEFORE, { before }))?.held ?? 0);
  if (held <= 0) return;
  await deps.db.transaction((tx) =>
    postEntry(tx, {
      id: `je_settlement_${HISTORY_SETTLEMENT}`,
      kind: 'settlement',
      refType: 'settlement',
      refId: HISTORY_SETTLEMENT,
      currency: 'INR',
      memo: `demo: the gateway's settlements of everything captured before ${boundary} (IST), received in the bank`,
      at: before,
      lines: linesFor('settlement', { schoolId: '', amount: paise(held) }),
    }),
  );
}
