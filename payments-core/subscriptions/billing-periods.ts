/**
 * Billing periods on Asia/Kolkata calendar days. India has one offset (UTC+05:30) and no daylight saving,
 * so an IST calendar day is exactly 24 h and its midnight is 18:30 UTC the day before. Every period
 * boundary is an IST midnight: the first period starts at the IST midnight of the anchor's IST day, and
 * period `n` starts `n × interval_count` intervals later on the same IST day of the month, clamped to the
 * last day of a shorter month (an anchor on the 31st renews on 30 April and 28/29 February, then on the
 * 31st again). Days, not instants, decide: a subscription started at 00:30 IST renews on that IST date,
 * never on the UTC date (the day before), and any two instants in one IST period map to the same period.
 */
import { DAY_MS, IST_OFFSET_MS, istDate } from '../../platform/ist.js';
export type BillingInterval = 'weekly' | 'monthly' | 'quarterly' | 'yearly';

export { DAY_MS, IST_OFFSET_MS, istDate };

export interface BillingPeriod {
  /** 0 for the period that starts at the anchor. */
  readonly index: number;
  readonly start: Date;
  readonly end: Date;
}

interface IstDay {
  readonly year: number;
  readonly month: number; // 0-11
  readonly day: number; // 1-31
}

function istDay(at: Date): IstDay {
  const wall = new Date(at.getTime() + IST_OFFSET_MS);
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth(), day: wall.getUTCDate() };
}

/** The instant of IST midnight starting the given IST calendar day (month may overflow; the day is clamped). */
function istMidnight(year: number, month: number, day: number): Date {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(day, last)) - IST_OFFSET_MS);
}

/** The IST midnight that starts the IST day holding `at`. */
export function startOfIstDay(at: Date): Date {
  const d = istDay(at);
  return istMidnight(d.year, d.month, d.day);
}

/** Whole IST calendar days from the day holding `from` to the day holding `to` (negative when `to` is earlier). */
export function istDaysBetween(from: Date, to: Date): number {
  return Math.round((startOfIstDay(to).getTime() - startOfIstDay(from).getTime()) / DAY_MS);
}

const MONTHS: Record<Exclude<BillingInterval, 'weekly'>, number> = { monthly: 1, quarterly: 3, yearly: 12 };

/** The start of period `n` (n ≥ 0): an IST midnight, computed from the anchor day, never from the previous boundary. */
export function periodBoundary(anchor: Date, interval: BillingInterval, intervalCount: number, n: number): Date {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`period number must be a non-negative integer: ${n}`);
  if (!Number.isSafeInteger(intervalCount) || intervalCount < 1) {
    throw new RangeError(`interval_count must be a positive integer: ${intervalCount}`);
  }
  const a = istDay(anchor);
  if (interval === 'weekly')
    return new Date(istMidnight(a.year, a.month, a.day).getTime() + n * intervalCount * 7 * DAY_MS);
  return istMidnight(a.year, a.month + n * intervalCount * MONTHS[interval], a.day);
}

/** Period `n` of a subscription anchored at `anchor`. */
export function nthPeriod(anchor: Date, interval: BillingInterval, intervalCount: number, n: number): BillingPeriod {
  return {
    index: n,
    start: periodBoundary(anchor, interval, intervalCount, n),
    end: periodBoundary(anchor, interval, intervalCount, n + 1),
  };
}

/** The period holding instant `at` (at ≥ the anchor's IST day), found from the anchor, so it is the same for every instant in it. */
export function periodAt(anchor: Date, interval: BillingInterval, intervalCount: number, at: Date): BillingPeriod {
  const first = periodBoundary(anchor, interval, intervalCount, 0);
  if (at.getTime() < first.getTime()) throw new RangeError('instant is before the first billing period');
  const a = istDay(anchor);
  const t = istDay(at);
  const span = interval === 'weekly' ? 7 * intervalCount : MONTHS[interval] * intervalCount;
  let n =
    interval === 'weekly'
      ? Math.floor((at.getTime() - first.getTime()) / (span * DAY_MS))
      : Math.max(0, Math.floor(((t.year - a.year) * 12 + (t.month - a.month)) / span));
  while (n > 0 && periodBoundary(anchor, interval, intervalCount, n).getTime() > at.getTime()) n--;
  while (periodBoundary(anchor, interval, intervalCount, n + 1).getTime() <= at.getTime()) n++;
  return nthPeriod(anchor, interval, intervalCount, n);
}
