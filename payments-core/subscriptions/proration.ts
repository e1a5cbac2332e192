import { paise, proportion } from '../../platform/money.js';
import { DAY_MS, istDaysBetween } from './billing-periods.js';

export interface Proration {
  /** Whole IST days in the current period (D). */
  readonly period_days: number;
  /** Whole IST days left in it, counting the day of the change (R). */
  readonly remaining_days: number;
  /** −round_half_even(old amount × R / D): the unused time at the old price, given back. */
  readonly credit: number;
  /** round_half_even(new amount × R / D): the remaining time at the new price. */
  readonly charge: number;
  readonly net: number;
}

/**
 * Per-day proration, as Razorpay prorates a plan or quantity change mid-period: the unused days of the old
 * per-period amount are credited and the same days at the new amount are charged, each line rounded half-even
 * to the paisa once. Days are IST calendar days; the day of the change counts as remaining.
 */
export function prorate(
  oldAmount: number,
  newAmount: number,
  period: { readonly start: Date; readonly end: Date },
  at: Date,
): Proration {
  const total = Math.round((period.end.getTime() - period.start.getTime()) / DAY_MS);
  const remaining = Math.min(total, Math.max(0, istDaysBetween(at, period.end)));
  const credit = -proportion(paise(oldAmount), remaining, total, 'half_even');
  const charge = proportion(paise(newAmount), remaining, total, 'half_even');
  return {
    period_days: total,
    remaining_days: remaining,
    credit: paise(credit === 0 ? 0 : credit),
    charge: paise(charge),
    net: paise(credit + charge),
  };
}
