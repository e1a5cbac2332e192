import type { Sql } from '../../platform/db.js';
import { DAY_MS } from '../../platform/ist.js';

export interface ReceivablesFigures {
  /** Σ amount due (in paise) of the invoices open at as_of; those written off by then are counted apart. */
  readonly outstanding: number;
  readonly outstanding_count: number;
  readonly uncollectible: number;
  /** Outstanding by days past due: not yet due, 1–30, 31–60, 61–90, over 90. */
  readonly aging: {
    readonly current: number;
    readonly d1_30: number;
    readonly d31_60: number;
    readonly d61_90: number;
    readonly d90_plus: number;
  };
  /** Invoiced in the window: Σ total − credited of invoices finalised in it (void excluded). */
  readonly billed: number;
  /** Collected on those invoices: Σ min(paid, total − credited). */
  readonly collected: number;
  /** outstanding ÷ billed × window days; null without billing in the window. */
  readonly dso_days: number | null;
  /** collected ÷ billed; null without billing. */
  readonly collection_rate: number | null;
  /**
   * Of the window's invoices that are settled or past due plus the grace window: the share settled (paid and credited
   * in full, to the paisa) by the due date plus the grace window.
   */
  readonly on_time_rate: number | null;
  readonly on_time_count: number;
  readonly on_time_eligible: number;
}

export interface InvoiceAnalytics {
  readonly object: 'invoice_analytics';
  readonly as_of: Date;
  readonly window_days: number;
  readonly grace_days: number;
  readonly overall: ReceivablesFigures;
  readonly by_school: (ReceivablesFigures & { readonly school_id: string })[];
}

/**
 * Every figure is rebuilt as of `$as_of` from timestamps, never from today's status: an invoice counts once finalised
 * by then and unless voided by then; its payments (invoice_payments.paid_at) and credit notes (finalized_at) only up
 * to then; written off only if marked uncollectible by then. The receivable is in paise: what is left of the exact
 * amount (the total less a positive round-off), so a statement rounded up to the rupee and paid its exact paise owes
 * nothing. Settled = the first instant payments plus credits reach that amount; on time = settled by the due date
 * plus the grace window.
 */
const SUMS = `
WITH base AS (
  SELECT id, school_id, finalized_at, due_at, total_minor AS total,
    total_minor - greatest(round_off_minor, 0) AS exact,
    coalesce(uncollectible_at <= $as_of::timestamptz, false) AS written_off
  FROM invoices
  WHERE kind = 'invoice' AND finalized_at <= $as_of AND (voided_at IS NULL OR voided_at > $as_of)
), events AS (
  SELECT p.invoice_id, p.paid_at AS at, 0 AS credit, p.amount_minor AS amount
  FROM invoice_payments p JOIN base b ON b.id = p.invoice_id WHERE p.paid_at <= $as_of
  UNION ALL
  SELECT c.original_invoice_id, c.finalized_at, 1, c.total_minor
  FROM invoices c JOIN base b ON b.id = c.original_invoice_id
  WHERE c.kind = 'credit_note' AND c.finalized_at <= $as_of AND (c.voided_at IS NULL OR c.voided_at > $as_of)
), running AS (
  SELECT invoice_id, at, credit, amount,
    sum(amount) OVER (PARTITION BY invoice_id ORDER BY at, credit ROWS UNBOUNDED PRECEDING) AS cumulative
  FROM events
), per_invoice AS (
  SELECT b.id,
    coalesce(sum(r.amount) FILTER (WHERE r.credit = 0), 0) AS paid,
    coalesce(sum(r.amount) FILTER (WHERE r.credit = 1), 0) AS credited,
    min(r.at) FILTER (WHERE r.cumulative >= b.exact) AS settled_at
  FROM base b LEFT JOIN running r ON r.invoice_id = b.id GROUP BY b.id
), inv AS (
  SELECT b.school_id, b.finalized_at, b.due_at, b.written_off, p.settled_at,
    b.total - p.credited AS billed,
    least(p.paid, b.total - p.credited) AS collected,
    greatest(b.exact - p.paid - p.credited, 0) AS due,
    CASE WHEN b.due_at IS NULL OR $as_of::timestamptz <= b.due_at THEN 0
         ELSE ceil(extract(epoch FROM $as_of::timestamptz - b.due_at) * 1000 / ${DAY_MS}) END AS days_late,
    b.due_at + $grace_ms * INTERVAL '1 millisecond' AS grace_until
  FROM base b JOIN per_invoice p ON p.id = b.id
)
SELECT school_id,
  coalesce(sum(due) FILTER (WHERE NOT written_off), 0) AS outstanding,
  count(*) FILTER (WHERE NOT written_off AND due > 0) AS outstanding_count,
  coalesce(sum(due) FILTER (WHERE written_off), 0) AS uncollectible,
  coalesce(sum(due) FILTER (WHERE NOT written_off AND days_late = 0), 0) AS current,
  coalesce(sum(due) FILTER (WHERE NOT written_off AND days_late BETWEEN 1 AND 30), 0) AS d1_30,
  coalesce(sum(due) FILTER (WHERE NOT written_off AND days_late BETWEEN 31 AND 60), 0) AS d31_60,
  coalesce(sum(due) FILTER (WHERE NOT written_off AND days_late BETWEEN 61 AND 90), 0) AS d61_90,
  coalesce(sum(due) FILTER (WHERE NOT written_off AND days_late > 90), 0) AS d90_plus,
  coalesce(sum(billed) FILTER (WHERE finalized_at > $from), 0) AS billed,
  coalesce(sum(collected) FILTER (WHERE finalized_at > $from), 0) AS collected,
  count(*) FILTER (WHERE finalized_at > $from AND settled_at IS NOT NULL
    AND (grace_until IS NULL OR settled_at <= grace_until)) AS on_time_count,
  count(*) FILTER (WHERE finalized_at > $from AND (settled_at IS NOT NULL OR grace_until < $as_of)) AS on_time_eligible
FROM inv GROUP BY school_id ORDER BY school_id`;

type Sums = Record<string, number> & { school_id: string };
const KEYS = [
  'outstanding',
  'outstanding_count',
  'uncollectible',
  'current',
  'd1_30',
  'd31_60',
  'd61_90',
  'd90_plus',
  'billed',
  'collected',
  'on_time_count',
  'on_time_eligible',
] as const;

function figures(s: Record<string, number>, days: number): ReceivablesFigures {
  const v = (k: string) => Number(s[k] ?? 0);
  const billed = v('billed');
  const ratio = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);
  return {
    outstanding: v('outstanding'),
    outstanding_count: v('outstanding_count'),
    uncollectible: v('uncollectible'),
    aging: {
      current: v('current'),
      d1_30: v('d1_30'),
      d31_60: v('d31_60'),
      d61_90: v('d61_90'),
      d90_plus: v('d90_plus'),
    },
    billed,
    collected: v('collected'),
    dso_days: billed === 0 ? null : Math.round((v('outstanding') / billed) * days * 10) / 10,
    collection_rate: ratio(v('collected'), billed),
    on_time_rate: ratio(v('on_time_count'), v('on_time_eligible')),
    on_time_count: v('on_time_count'),
    on_time_eligible: v('on_time_eligible'),
  };
}

/** Days after the due date a settlement still counts as on time (an auto-charge lands just after its due instant). */
export const DEFAULT_GRACE_DAYS = 3;

/**
 * Receivables as of an instant (point-in-time): outstanding and its aging, DSO, collection rate and on-time payment
 * rate over the trailing window (default 90 days, grace 3 days), overall and per school. Definitions in
 * docs/invoices.md.
 */
export async function getInvoiceAnalytics(
  sql: Sql,
  query: {
    as_of: Date;
    window_days?: number | undefined;
    grace_days?: number | undefined;
    school_id?: string | undefined;
  },
): Promise<InvoiceAnalytics> {
  const days = query.window_days ?? 90;
  const graceDays = query.grace_days ?? DEFAULT_GRACE_DAYS;
  const rows = await sql.all<Sums>(SUMS, {
    as_of: query.as_of,
    from: new Date(query.as_of.getTime() - days * DAY_MS),
    grace_ms: Math.round(graceDays * DAY_MS),
  });
  const selected = query.school_id === undefined ? rows : rows.filter((r) => r.school_id === query.school_id);
  const total: Record<string, number> = {};
  for (const r of selected) for (const k of KEYS) total[k] = (total[k] ?? 0) + Number(r[k] ?? 0);
  return {
    object: 'invoice_analytics',
    as_of: query.as_of,
    window_days: days,
    grace_days: graceDays,
    overall: figures(total, days),
    by_school: selected.map((r) => ({ school_id: r.school_id, ...figures(r, days) })),
  };
}
