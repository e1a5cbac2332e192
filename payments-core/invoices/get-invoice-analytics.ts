import type { Sql } from '../../platform/db.js';
import { DAY_MS } from '../../platform/ist.js';

export interface ReceivablesFigures {
  /** Σ amount due of finalised and partly paid invoices (uncollectible ones are written off, counted apart). */
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
  /** Of the window's invoices that are settled or past due: the share paid in full by the due date. */
  readonly on_time_rate: number | null;
  readonly on_time_count: number;
  readonly on_time_eligible: number;
}

export interface InvoiceAnalytics {
  readonly object: 'invoice_analytics';
  readonly as_of: Date;
  readonly window_days: number;
  readonly overall: ReceivablesFigures;
  readonly by_school: (ReceivablesFigures & { readonly school_id: string })[];
}

const SUMS = `
WITH inv AS (
  SELECT school_id, status, finalized_at, due_at, paid_at,
    total_minor - amount_credited_minor AS billed,
    least(amount_paid_minor, total_minor - amount_credited_minor) AS collected,
    greatest(total_minor - amount_paid_minor - amount_credited_minor, 0) AS due,
    CASE WHEN due_at IS NULL OR $as_of::timestamptz <= due_at THEN 0
         ELSE ceil(extract(epoch FROM $as_of::timestamptz - due_at) * 1000 / ${DAY_MS}) END AS days_late
  FROM invoices
  WHERE kind = 'invoice' AND status NOT IN ('draft', 'void') AND finalized_at <= $as_of
)
SELECT school_id,
  coalesce(sum(due) FILTER (WHERE status IN ('finalized', 'partially_paid')), 0) AS outstanding,
  count(*) FILTER (WHERE status IN ('finalized', 'partially_paid') AND due > 0) AS outstanding_count,
  coalesce(sum(due) FILTER (WHERE status = 'uncollectible'), 0) AS uncollectible,
  coalesce(sum(due) FILTER (WHERE status IN ('finalized', 'partially_paid') AND days_late = 0), 0) AS current,
  coalesce(sum(due) FILTER (WHERE status IN ('finalized', 'partially_paid') AND days_late BETWEEN 1 AND 30), 0) AS d1_30,
  coalesce(sum(due) FILTER (WHERE status IN ('finalized', 'partially_paid') AND days_late BETWEEN 31 AND 60), 0) AS d31_60,
  coalesce(sum(due) FILTER (WHERE status IN ('finalized', 'partially_paid') AND days_late BETWEEN 61 AND 90), 0) AS d61_90,
  coalesce(sum(due) FILTER (WHERE status IN ('finalized', 'partially_paid') AND days_late > 90), 0) AS d90_plus,
  coalesce(sum(billed) FILTER (WHERE finalized_at > $from), 0) AS billed,
  coalesce(sum(collected) FILTER (WHERE finalized_at > $from), 0) AS collected,
  count(*) FILTER (WHERE finalized_at > $from AND status = 'paid' AND paid_at <= due_at) AS on_time_count,
  count(*) FILTER (WHERE finalized_at > $from AND (status = 'paid' OR due_at < $as_of)) AS on_time_eligible
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

/**
 * Receivables as of an instant: outstanding and its aging, DSO, collection rate and on-time payment rate over
 * the trailing window (default 90 days), overall and per school. Definitions in docs/invoices.md.
 */
export async function getInvoiceAnalytics(
  sql: Sql,
  query: { as_of: Date; window_days?: number | undefined; school_id?: string | undefined },
): Promise<InvoiceAnalytics> {
  const days = query.window_days ?? 90;
  const rows = await sql.all<Sums>(SUMS, { as_of: query.as_of, from: new Date(query.as_of.getTime() - days * DAY_MS) });
  const selected = query.school_id === undefined ? rows : rows.filter((r) => r.school_id === query.school_id);
  const total: Record<string, number> = {};
  for (const r of selected) for (const k of KEYS) total[k] = (total[k] ?? 0) + Number(r[k] ?? 0);
  return {
    object: 'invoice_analytics',
    as_of: query.as_of,
    window_days: days,
    overall: figures(total, days),
    by_school: selected.map((r) => ({ school_id: r.school_id, ...figures(r, days) })),
  };
}
