import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { formatRupees, paise, proportion } from '../../platform/money.js';
import { loadGstRates } from '../gst-rates/load-gst-rates.js';
import type { TaxCategory } from '../subscription-plans/types.js';
import { DAY_MS, istDate, istDaysBetween } from './billing-periods.js';
import { INSERT_CHARGE, PERIOD_BILLED, PLAN_CODE } from './repository.js';
import type { ProrationBehavior, Subscription, SubscriptionStatus } from './types.js';

/** What one period costs under one set of terms, and how it is taxed. */
export interface Terms {
  readonly unit_amount: number;
  readonly quantity: number;
  readonly tax_category: TaxCategory;
  readonly gst_rate_bp: number | null;
}

/** Statuses in which the subscription's terms accrue (the service is supplied and billed). */
const ACCRUING: readonly SubscriptionStatus[] = ['active', 'pending'];

/** A line the subscription still has to bill (or credit) beside its periods' plan lines. */
export interface ChargeLine {
  readonly kind: 'period_segment' | 'proration_credit' | 'proration_charge';
  readonly terms: Terms;
  readonly from: Date;
  readonly to: Date;
  readonly amount: number;
}

/** What an event leaves: lines to bill, and where the current terms accrue from afterwards. */
export interface Accrual {
  readonly lines: readonly ChargeLine[];
  readonly terms_from: Date | null;
}

/**
 * The share of one period's price for the IST days [from, to) of it, clamped to the period: amount × days / period
 * days, rounded half-even to the paisa once (as `prorate_minor` does in SQL for the periods' plan lines).
 */
export function periodShare(amount: number, from: Date, to: Date, period: { start: Date; end: Date }): number {
  const total = istDaysBetween(period.start, period.end);
  const lo = Math.max(from.getTime(), period.start.getTime());
  const hi = Math.min(to.getTime(), period.end.getTime());
  if (hi <= lo || total <= 0) return 0;
  const days = Math.min(total, Math.max(0, istDaysBetween(new Date(lo), new Date(hi))));
  return proportion(paise(amount), days, total, 'half_even');
}

const termsOf = (sub: Subscription): Terms => ({
  unit_amount: sub.unit_amount,
  quantity: sub.quantity,
  tax_category: sub.tax_category,
  gst_rate_bp: sub.tax_category === 'gst' ? sub.gst_rate_bp : null,
});

function line(
  kind: ChargeLine['kind'],
  terms: Terms,
  from: Date,
  to: Date,
  sub: Subscription,
  sign: 1 | -1 = 1,
): ChargeLine {
  const period = { start: sub.current_period_start, end: sub.current_period_end };
  const amount = sign * periodShare(terms.unit_amount * terms.quantity, from, to, period);
  return { kind, terms, from, to, amount: amount === 0 ? 0 : amount };
}

/**
 * The event that changes what a subscription accrues, at `at`:
 * - `change` to new terms (plan or quantity), under a proration behaviour;
 * - `pause` and `cancel`: nothing accrues from `at`;
 * - `resume`: the terms accrue again from `at`.
 *
 * Two cases, by whether the current period is billed yet:
 * - **not billed** (in arrears, or in advance before its billing pass): the period's plan line will bill the
 *   current terms from `terms_from` to its end, so what accrued under the old terms up to `at` becomes a
 *   `period_segment` line, and `terms_from` moves to `at` (`none`: the old terms keep the whole period, and the new
 *   ones accrue from the next);
 * - **billed** (in advance): the period was billed at the old terms to its end, so the unused days are credited at
 *   the old terms and the same days charged at the new (`none`: no adjustment), on the next invoice.
 * Either way the period bills, within a paisa per line, the integral of price × quantity over its days, each line
 * taxed at the terms it was supplied under. One approximation is left: a pause or cancel in an in-advance period
 * after a `none` change credits the unused days at the current terms, not the ones the period was billed at.
 */
export function accrue(
  sub: Subscription,
  billed: boolean,
  at: Date,
  event:
    | { readonly type: 'change'; readonly terms: Terms; readonly behavior: ProrationBehavior }
    | { readonly type: 'pause' | 'cancel' | 'resume' },
): Accrual {
  const old = termsOf(sub);
  const end = sub.current_period_end;
  const accruing = ACCRUING.includes(sub.status) && sub.terms_from !== null;
  const since = new Date(
    Math.max((sub.terms_from ?? sub.current_period_start).getTime(), sub.current_period_start.getTime()),
  );
  const keep = (lines: ChargeLine[], terms_from: Date | null): Accrual => ({
    lines: lines.filter((l) => l.amount !== 0),
    terms_from,
  });
  if (event.type === 'resume') {
    const lines = billed && at < end ? [line('proration_charge', old, at, end, sub)] : [];
    return keep(lines, at);
  }
  if (!accruing) return keep([], event.type === 'change' ? sub.terms_from : null);
  if (event.type === 'change' && event.behavior === 'none') {
    // The period keeps the terms it was billed (or is accruing) at; the new ones accrue from the next period.
    if (billed) return keep([], end);
    const until = new Date(Math.max(end.getTime(), since.getTime()));
    return keep([line('period_segment', old, since, end, sub)], until);
  }
  if (billed) {
    // After a `none` change the current terms were never billed in this period: a later change adjusts nothing.
    if (event.type === 'change' && since >= end) return keep([], sub.terms_from);
    const credit = line('proration_credit', old, at, end, sub, -1);
    if (event.type !== 'change') return keep([credit], null);
    return keep([credit, line('proration_charge', event.terms, at, end, sub)], sub.terms_from);
  }
  const segment = line('period_segment', old, since, at, sub);
  if (event.type !== 'change') return keep([segment], null);
  return keep([segment], new Date(Math.max(at.getTime(), since.getTime())));
}

/** Whether the subscription's current period has been billed (it has its billing record). */
export async function periodBilled(tx: Sql, sub: Subscription): Promise<boolean> {
  return (await tx.one(PERIOD_BILLED, { id: sub.id, period_index: sub.period_index })) !== undefined;
}

/** The IST days a line covers, last day inclusive: "2026-11-01 to 2026-11-13". */
const days = (from: Date, to: Date) => `${istDate(from)} to ${istDate(new Date(to.getTime() - DAY_MS))}`;

const DESCRIBE: Record<ChargeLine['kind'], string> = {
  period_segment: 'supplied',
  proration_charge: 'remaining days',
  proration_credit: 'unused days credited',
};

/**
 * Stores the lines as the subscription's pending charges, one change id for the lot (returned): billed on the next
 * invoice, or `now` (always_invoice: billing/invoice-changes-now.ts bills them by their change id).
 */
export async function storeChargeLines(
  tx: Sql,
  sub: Subscription,
  lines: readonly ChargeLine[],
  at: Date,
  billOn: 'now' | 'next_invoice' = 'next_invoice',
  newPlan?: { readonly hsn_sac: string },
): Promise<string> {
  const changeId = newId('chg');
  const unpinned = lines.some((l) => l.terms.tax_category === 'gst' && l.terms.gst_rate_bp === null);
  const rates = unpinned ? await loadGstRates(tx) : null;
  const current = unpinned ? await tx.one<{ hsn_sac: string }>(PLAN_CODE, { id: sub.plan_id }) : undefined;
  for (const l of lines) {
    let gstRateBp = l.terms.tax_category === 'gst' ? l.terms.gst_rate_bp : null;
    if (l.terms.tax_category === 'gst' && gstRateBp === null) {
      // A plan that pins no rate: the table's rate for its code on the line's first day (a charge is at the new
      // plan's terms, the rest at the current plan's).
      const code = (l.kind === 'proration_charge' ? newPlan : undefined)?.hsn_sac ?? current?.hsn_sac ?? '';
      gstRateBp = rates?.rateFor(code, istDate(l.from)) ?? null;
      if (gstRateBp === null) throw new Error(`the GST rate table has no rate for ${code} on ${istDate(l.from)}`);
    }
    const unit = formatRupees(l.terms.unit_amount);
    const what = l.terms.quantity === 1 ? unit : `${l.terms.quantity} × ${unit}`;
    await tx.run(INSERT_CHARGE, {
      id: newId('sch'),
      subscription_id: sub.id,
      change_id: changeId,
      kind: l.kind,
      description: `${DESCRIBE[l.kind]} ${days(l.from, l.to)} at ${what} per period`,
      amount: l.amount,
      currency: sub.currency,
      period_index: sub.period_index,
      period_start: sub.current_period_start,
      period_end: sub.current_period_end,
      quantity: l.terms.quantity,
      unit_amount: l.terms.unit_amount,
      tax_category: l.terms.tax_category,
      gst_rate_bp: gstRateBp,
      bill_on: billOn,
      at,
    });
  }
  return changeId;
}
