import { captureDaysSettlingOn, DEFAULT_SETTLEMENT_CYCLE_DAYS } from '../../platform/bank-days.js';

/**
 * Which kosh captures the gateway's report for settlement day `day` (IST, `YYYY-MM-DD`) must hold: those of the IST
 * day(s) whose T+`cycleDays` working-day settlement falls on `day` (platform/bank-days.ts). A Tuesday after a
 * second Saturday holds Friday's, Saturday's and Sunday's captures; a Sunday or a bank holiday holds none (null): no
 * settlement is made that day, so nothing of kosh's is missing from it. Razorpay's default cycle is T+2 working days
 * (https://razorpay.com/docs/payments/settlements/faqs).
 */
export function settlementWindow(
  day: string,
  cycleDays: number = DEFAULT_SETTLEMENT_CYCLE_DAYS,
): { start: Date; end: Date } | null {
  const days = captureDaysSettlingOn(day, cycleDays);
  const first = days[0];
  const last = days[days.length - 1];
  if (first === undefined || last === undefined) return null;
  const start = new Date(`${first}T00:00:00+05:30`);
  // Inclusive end, as the window's BETWEEN compares: the last microsecond of the last day.
  const end = new Date(Date.parse(`${last}T00:00:00+05:30`) + 86_400_000 - 1);
  return { start, end };
}
